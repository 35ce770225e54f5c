/**
 * CDN cache status from response headers: a pure function, no I/O.
 *
 * Headers are tried from the most specific (one provider, one meaning) to the most generic, and the
 * first one present decides. `Age` alone is the last resort: RFC 9111 §5.1 says its presence means the
 * response came from a cache, so Age > 0 is a hit; Age: 0 alone proves nothing and yields undefined.
 */
import type { CacheStatus, CdnInfo } from './types.ts';

/** Node's IncomingMessage.headers shape (lower-case names; set-cookie is an array). */
export type HeaderBag = Record<string, string | string[] | undefined>;

export function detectCdn(headers: HeaderBag): CdnInfo | undefined {
  const h = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const ageSeconds = parseAge(h('age'));
  const withAge = (info: Omit<CdnInfo, 'ageSeconds'>): CdnInfo =>
    ageSeconds === undefined ? info : { ...info, ageSeconds };

  for (const detector of DETECTORS) {
    const raw = h(detector.header);
    if (raw === undefined || raw.trim() === '') continue;
    const found = detector.parse(raw.trim(), h);
    if (found) return withAge({ source: detector.header, raw, ...found });
  }
  if (ageSeconds !== undefined && ageSeconds > 0) {
    return { source: 'age', cache: 'hit', raw: h('age') ?? '', ageSeconds };
  }
  return undefined;
}

type Lookup = (name: string) => string | undefined;
type Parsed = { cache: CacheStatus; provider?: string; pop?: string };
interface Detector {
  header: string;
  parse: (raw: string, h: Lookup) => Parsed | undefined;
}

const DETECTORS: Detector[] = [
  // Cloudflare: HIT, MISS, EXPIRED, STALE, UPDATING, REVALIDATED, BYPASS, DYNAMIC, NONE/UNKNOWN.
  // cf-ray is "<id>-<IATA>", the POP that answered.
  {
    header: 'cf-cache-status',
    parse: (raw, h) => ({
      cache: classifyWord(raw, CLOUDFLARE_HIT, CLOUDFLARE_MISS),
      provider: 'cloudflare',
      ...pop(/-([A-Za-z]{3,4})$/.exec(h('cf-ray')?.trim() ?? '')?.[1]?.toUpperCase()),
    }),
  },
  { header: 'x-cache', parse: parseXCache },
  // RFC 9211 Cache-Status: one member per cache, origin-side first, user-side last.
  { header: 'cache-status', parse: parseCacheStatus },
  // Akamai mPulse (and anyone copying its form): `cdn-cache; desc=HIT`.
  { header: 'server-timing', parse: parseServerTiming },
  // Vercel: HIT, MISS, STALE, PRERENDER, REVALIDATED, BYPASS. x-vercel-id is "fra1::iad1::…", edge first.
  {
    header: 'x-vercel-cache',
    parse: (raw, h) => ({
      cache: classifyWord(raw, ['HIT', 'STALE', 'PRERENDER', 'REVALIDATED'], ['MISS']),
      provider: 'vercel',
      ...pop(/^([a-z]+\d+)::/.exec(h('x-vercel-id') ?? '')?.[1]),
    }),
  },
  // Bunny CDN: CDN-Cache: HIT|MISS|EXPIRED; Server: BunnyCDN-DE1-1080 names the edge.
  {
    header: 'cdn-cache',
    parse: (raw, h) => ({
      cache: classifyWord(raw, ['HIT', 'STALE'], ['MISS', 'EXPIRED']),
      provider: 'bunny',
      ...pop(/^BunnyCDN-([A-Z]+\d*)/i.exec(h('server') ?? '')?.[1]),
    }),
  },
  // nginx $upstream_cache_status: HIT, MISS, BYPASS, EXPIRED, STALE, UPDATING, REVALIDATED.
  {
    header: 'x-cache-status',
    parse: (raw) => ({
      cache: classifyWord(raw, ['HIT', 'STALE', 'UPDATING', 'REVALIDATED'], ['MISS', 'EXPIRED']),
      provider: 'nginx',
    }),
  },
];

const CLOUDFLARE_HIT = ['HIT', 'STALE', 'UPDATING', 'REVALIDATED'];
const CLOUDFLARE_MISS = ['MISS', 'EXPIRED'];

function classifyWord(raw: string, hits: string[], misses: string[]): CacheStatus {
  const word = raw.trim().toUpperCase();
  if (hits.includes(word)) return 'hit';
  if (misses.includes(word)) return 'miss';
  return 'other';
}

function pop(value: string | undefined): { pop?: string } {
  return value ? { pop: value } : {};
}

/**
 * X-Cache is shared by many caches, each with its own dialect:
 *   CloudFront  "Hit from cloudfront", "RefreshHit from cloudfront", "Miss from cloudfront", "Error from cloudfront"
 *   Akamai      "TCP_MEM_HIT from a2-3-4-5.deploy.akamaitechnologies.com (AkamaiGHost/…) (-)"
 *   Azure FD    "TCP_HIT", "TCP_REMOTE_HIT", "TCP_MISS", "CONFIG_NOCACHE", "UNCACHEABLE"
 *   Fastly      "MISS, HIT" (one entry per node when shielding; any entry but MISS means served from cache)
 *   Varnish/Squid "HIT", "MISS from proxy.example"
 */
function parseXCache(raw: string, h: Lookup): Parsed | undefined {
  const lower = raw.toLowerCase();
  if (lower.includes('cloudfront')) {
    const word = lower.split(/\s+/)[0] ?? '';
    const cache: CacheStatus = word.endsWith('hit') ? 'hit' : word === 'miss' ? 'miss' : 'other';
    return { cache, provider: 'cloudfront', ...pop(h('x-amz-cf-pop')?.trim()) };
  }
  if (lower.includes('akamai')) {
    const word = lower.split(/\s+/)[0] ?? '';
    return { cache: tcpStyle(word), provider: 'akamai' };
  }
  if (lower.startsWith('tcp_') || h('x-azure-ref') !== undefined) {
    const azure = h('x-azure-ref') !== undefined;
    return {
      cache: tcpStyle(lower.split(/[\s,]+/)[0] ?? ''),
      ...(azure ? { provider: 'azure-front-door' } : {}),
    };
  }
  // Fastly and plain Varnish/Squid: a list of HIT/MISS words, optionally "… from <host>".
  const words = raw.split(',').map((entry) => (entry.trim().split(/\s+/)[0] ?? '').toUpperCase());
  const servedBy = h('x-served-by');
  const fastly = servedBy?.trim().startsWith('cache-') || h('x-fastly-request-id') !== undefined;
  const provider = fastly ? 'fastly' : /varnish/i.test(h('via') ?? '') ? 'varnish' : undefined;
  const cache: CacheStatus = words.some((w) => w === 'HIT' || w.startsWith('HIT-'))
    ? 'hit'
    : words.every((w) => w === 'MISS' || w.startsWith('MISS-'))
      ? 'miss'
      : 'other';
  // The last X-Served-By entry is the delivery node nearest the client: "cache-ams4133-AMS" → "AMS".
  const edge = fastly ? servedBy?.split(',').pop()?.trim() : undefined;
  const edgePop = edge ? /-([A-Z]{3,4})$/.exec(edge)?.[1] : undefined;
  return { cache, ...(provider ? { provider } : {}), ...pop(edgePop) };
}

/** Squid-style result codes used by Akamai and Azure Front Door: TCP_HIT, TCP_MEM_HIT, TCP_REFRESH_MISS… */
function tcpStyle(word: string): CacheStatus {
  const w = word.toUpperCase();
  if (w.endsWith('_HIT') || w === 'HIT') return 'hit';
  if (w.endsWith('_MISS') || w === 'MISS') return 'miss';
  return 'other';
}

/**
 * RFC 9211: `"Netlify Edge"; hit, "Netlify Durable"; fwd=miss`. A member with `hit` means that cache
 * answered; `fwd=…` means it forwarded. Any hit in the chain means the origin was not contacted.
 */
function parseCacheStatus(raw: string): Parsed | undefined {
  const members = splitList(raw).map((member) => {
    const [name = '', ...params] = member.split(';').map((s) => s.trim());
    return { name: name.replace(/^"|"$/g, ''), params: params.map((p) => p.toLowerCase()) };
  });
  if (members.length === 0) return undefined;
  const hit = members.some((m) => m.params.includes('hit'));
  const forwarded = members.every((m) => m.params.some((p) => p.startsWith('fwd=')));
  const nearest = members[members.length - 1]?.name;
  return {
    cache: hit ? 'hit' : forwarded ? 'miss' : 'other',
    ...(nearest ? { provider: nearest } : {}),
  };
}

/** Server-Timing: `cdn-cache; desc=HIT, edge; dur=1, origin; dur=20` (Akamai's default form). */
function parseServerTiming(raw: string, h: Lookup): Parsed | undefined {
  for (const metric of splitList(raw)) {
    const [name = '', ...params] = metric.split(';').map((s) => s.trim());
    const lname = name.toLowerCase();
    let word: string | undefined;
    if (lname === 'cdn-cache') {
      const desc = params.find((p) => /^desc\s*=/i.test(p));
      word = desc?.replace(/^desc\s*=\s*/i, '').replace(/^"|"$/g, '');
    } else if (lname === 'cdn-cache-hit' || lname === 'cdn-cache-miss') {
      word = lname.slice('cdn-cache-'.length);
    }
    if (word === undefined) continue;
    const akamai = /(^|,)\s*ak_p\b/i.test(raw) || h('akamai-grn') !== undefined;
    return {
      cache: classifyWord(word, ['HIT', 'STALE', 'REFRESH_HIT'], ['MISS', 'EXPIRED']),
      ...(akamai ? { provider: 'akamai' } : {}),
    };
  }
  return undefined;
}

/** Split a structured-field list on commas outside double quotes. */
function splitList(raw: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of raw) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out.filter((m) => m !== '');
}

function parseAge(raw: string | undefined): number | undefined {
  const value = raw?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

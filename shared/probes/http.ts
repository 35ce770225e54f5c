/**
 * The HTTP(S) prober: one fresh connection per hop (shared/probes/http-exchange.ts), redirects followed
 * up to spec.maxRedirects with every hop recorded, then status, content, certificate and latency checks.
 * Phases are curl's (docs/timings.md), summed over hops. Never throws; never leaks a secret header.
 */

import { foldAddressRuns, missingRun } from './addresses.ts';
import { detectCdn } from './cdn.ts';
import { firstOfEachFamily, pickFamily } from './family.ts';
import { checkContent, checkStatus, checkThresholds, needsBody } from './http-assert.ts';
import { exchange, type Hop, http2Fields, type PinnedHost } from './http-exchange.ts';
import { isSecretName, redactHeaders, redactUrl } from './http-redact.ts';
import type { HttpSpec } from './spec.ts';
import { type LookupAll, type ResolvedAddress, resolveHost, systemLookup } from './tcp.ts';
import type {
  ConnectGuard,
  HttpDetails,
  Layer,
  Probe,
  ProbeContext,
  ProbeError,
  ProbeResult,
  RedirectHop,
  Timings,
} from './types.ts';
import { PHASES } from './types.ts';

const USER_AGENT = 'netprobe';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The resolver behind every hop's lookup: the system's, or one a caller injects (the lab's DNS server). */
export interface HttpProbeDeps {
  lookup: LookupAll;
}

export function createHttpProbe(deps: HttpProbeDeps = { lookup: systemLookup }): Probe<HttpSpec> {
  return (spec, ctx) => probeHttp(spec, ctx, deps);
}

export const httpProbe: Probe<HttpSpec> = createHttpProbe();

async function probeHttp(spec: HttpSpec, ctx: ProbeContext, deps: HttpProbeDeps): Promise<ProbeResult> {
  const started = performance.now();
  const env: RunEnv = { signal: ctx.signal, connectGuard: ctx.connectGuard, lookup: deps.lookup };
  try {
    // ctx.signal is the hard deadline (the runner in index.ts folds spec.timeoutMs into it).
    if (spec.allAddresses || (spec.family !== undefined && spec.family !== 'auto'))
      return await everyAddress(spec, env, started);
    return await run(spec, env, started);
  } catch (err) {
    // Unreachable by design (every phase returns failures as data); if it happens it is our bug, not the target's.
    const message = `HTTP probe failed internally: ${err instanceof Error ? err.message : String(err)}`;
    return {
      probe: 'http',
      target: redactUrl(spec.url),
      status: 'down',
      timings: { total: performance.now() - started },
      error: { code: 'PROBE_ERROR', message },
      layer: 'application',
      details: { kind: 'http', url: redactUrl(spec.url), method: spec.method, redirects: [] },
    };
  }
}

/** What every run of a probe shares: the deadline, the SSRF guard and the resolver. */
interface RunEnv {
  signal: AbortSignal;
  connectGuard: ConnectGuard | undefined;
  lookup: LookupAll;
}

/**
 * `allAddresses` and `family`: the URL's host is looked up once and its addresses picked by family
 * (family.ts). With 4 or 6 alone, one run tries that family's addresses in turn. With `allAddresses`
 * (or 'both': the first address of each family) the whole request (redirects to the same host
 * included) runs against each at once, and addresses.ts folds the runs: the result is the first
 * address's, with the folded status and error and every run in details.addressResults.
 */
async function everyAddress(spec: HttpSpec, env: RunEnv, started: number): Promise<ProbeResult> {
  const url = parseHttpUrl(spec.url);
  if (typeof url === 'string') return run(spec, env, started);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const startedAt = performance.now();
  const resolved = await resolveHost(host, env.signal, env.lookup);
  const endedAt = performance.now();
  const picked = resolved.ok ? pickFamily(resolved.addresses, spec.family, host) : resolved;
  if (!picked.ok) {
    const lookup = {
      ok: false as const,
      failure: picked.failure,
      durationMs: endedAt - startedAt,
      startedAt,
      endedAt,
    };
    return run(spec, env, started, { host, lookup, firstHop: true });
  }
  const pin = (addresses: ResolvedAddress[]): PinnedHost => ({
    host,
    lookup: { ok: true, addresses, durationMs: endedAt - startedAt, startedAt, endedAt },
    firstHop: true,
  });
  if (!spec.allAddresses && spec.family !== 'both') return run(spec, env, started, pin(picked.addresses));
  const targets = spec.allAddresses ? picked.addresses : firstOfEachFamily(picked.addresses);
  const runs = await Promise.all(targets.map((address) => run(spec, env, started, pin([address]))));
  const dns = endedAt - startedAt;
  const folded = foldAddressRuns(
    [
      ...runs.map((r, i) => ({
        ...(targets[i] as ResolvedAddress),
        status: r.status,
        error: r.error && { ...r.error, layer: r.layer ?? 'application' },
        timings: r.timings,
      })),
      ...picked.missing.map(({ family, failure }) => missingRun(host, family, failure, dns)),
    ],
    spec.partial,
  );
  const first = runs[0] as ProbeResult;
  return {
    ...first,
    status: folded.status,
    error: folded.error && errorOf(folded.error),
    layer: folded.error?.layer ?? null,
    details: { ...(first.details as HttpDetails), addressResults: folded.addressResults },
  };
}

async function run(spec: HttpSpec, env: RunEnv, started: number, pinned?: PinnedHost): Promise<ProbeResult> {
  const target = redactUrl(spec.url);
  const first = parseHttpUrl(spec.url);
  const details: HttpDetails = { kind: 'http', url: target, method: spec.method, redirects: [] };
  const result = (
    status: ProbeResult['status'],
    timings: Timings,
    error: ProbeError | null,
    layer: Layer | null,
  ): ProbeResult => ({ probe: 'http', target, status, timings, error, layer, details });

  if (typeof first === 'string') {
    return result(
      'down',
      { total: performance.now() - started },
      { code: 'PROBE_ERROR', message: first },
      'application',
    );
  }

  const keepBody = needsBody(spec.assert);
  const hops: Hop[] = [];
  let url = first;
  let method = spec.method;
  let body = spec.body;
  let headers = requestHeaders(spec, url, body);
  let failure: (ProbeError & { layer: Layer }) | undefined;

  for (;;) {
    details.url = redactUrl(url.href);
    details.method = method;
    details.requestHeaders = redactHeaders(headers);
    const hop = await exchange(
      { url, method, headers, body },
      {
        tls: url.protocol === 'https:' ? tlsFor(spec, url, first) : undefined,
        ...(spec.httpVersion !== undefined && { httpVersion: spec.httpVersion }),
        maxBodyBytes: spec.maxBodyBytes,
        keepBody,
        signal: env.signal,
        lookup: env.lookup,
        // Every hop, redirects included: a redirect to an internal address is refused like the URL itself.
        connectGuard: env.connectGuard,
        origin: hops.length === 0 ? 'target' : 'redirect',
        ...(pinned && { pinned: { ...pinned, firstHop: hops.length === 0 } }),
      },
    );
    hops.push(hop);
    // What went on the wire: over h2 there is no Connection or Host header, but :authority and friends.
    if (hop.httpVersion === '2.0')
      details.requestHeaders = redactHeaders(http2Fields({ url, method, headers }));
    if (hop.failure) {
      failure = hop.failure;
      break;
    }
    const status = hop.statusCode ?? 0;
    const location = hop.headers?.location;
    if (spec.maxRedirects === 0 || !REDIRECT_STATUSES.has(status) || location === undefined) break;

    let next: URL | string;
    try {
      next = parseHttpUrl(new URL(location, url).href);
    } catch {
      next = `redirect from ${redactUrl(url.href)} has an invalid Location header`;
    }
    details.redirects.push(
      redirectHop(url, status, typeof next === 'string' ? location : next.href, hop.timings),
    );
    if (typeof next === 'string') {
      failure = { code: 'HTTP_PROTOCOL_ERROR', layer: 'application', message: next };
      break;
    }
    if (details.redirects.length > spec.maxRedirects) {
      failure = {
        code: 'HTTP_TOO_MANY_REDIRECTS',
        layer: 'application',
        message: `more than ${spec.maxRedirects} redirects (last: ${status} to ${redactUrl(next.href)})`,
      };
      break;
    }
    // As curl and browsers do: 303 always, and 301/302 after a POST, continue as a body-less GET.
    if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
      method = 'GET';
      body = undefined;
    }
    headers = redirectHeaders(spec, url, next, body);
    url = next;
  }

  const last = hops[hops.length - 1];
  const timings = sumTimings(hops);
  fillDetails(details, last);
  if (failure) return result('down', timings, errorOf(failure), failure.layer);

  const statusError = checkStatus(last?.statusCode ?? 0, spec.assert.status);
  if (statusError) return result('down', timings, statusError, 'application');
  const contentError = checkContent(spec.assert, last?.headers ?? {}, last?.body?.toString('utf8'));
  if (contentError) return result('down', timings, contentError, 'application');

  const expiring = hops.find((h) => h.tlsVerdict?.status === 'degraded')?.tlsVerdict?.error;
  if (expiring) return result('degraded', timings, errorOf(expiring), 'tls');
  const slow = checkThresholds(timings, spec.thresholds);
  if (slow) return result('degraded', timings, slow.error, slow.layer);
  return result('up', timings, null, null);
}

/** The URL when it is absolute http(s), else a sentence saying what is wrong with it. */
function parseHttpUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `invalid URL ${JSON.stringify(redactUrl(raw))}: not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `unsupported URL scheme ${url.protocol} in ${redactUrl(raw)}: only http and https`;
  }
  return url;
}

/** Headers as curl would send them, with the spec's own headers winning (Host included). */
function requestHeaders(spec: HttpSpec, url: URL, body: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    host: url.host,
    'user-agent': USER_AGENT,
    accept: '*/*',
    // One probe, one connection: never kept alive, never reused.
    connection: 'close',
  };
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  for (const [name, value] of Object.entries(spec.headers)) headers[name.toLowerCase()] = value;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  else delete headers['content-length'];
  return headers;
}

/**
 * Headers for the next hop. Leaving the origin drops the spec's Host and every secret-looking header,
 * as curl does without --location-trusted: credentials for one site are not handed to another.
 */
function redirectHeaders(
  spec: HttpSpec,
  from: URL,
  to: URL,
  body: string | undefined,
): Record<string, string> {
  const headers = requestHeaders(spec, to, body);
  if (from.origin === to.origin) return headers;
  for (const name of Object.keys(headers)) {
    if (isSecretName(name)) delete headers[name];
  }
  headers.host = to.host;
  return headers;
}

/** serverName applies to the target's own host only; a redirect to another host verifies that host. */
function tlsFor(spec: HttpSpec, url: URL, first: URL): HttpSpec['tls'] {
  if (url.hostname === first.hostname || spec.tls.serverName === undefined) return spec.tls;
  const rest = { ...spec.tls };
  delete rest.serverName;
  return rest;
}

function redirectHop(url: URL, status: number, location: string, timings: Timings): RedirectHop {
  return { url: redactUrl(url.href), status, location: redactUrl(location), timings };
}

/**
 * Each phase summed over the hops that reached it. Total is curl's time_total: from the first hop's start
 * to the last hop's end (its last body byte, or where it failed), so URL parsing, header building and
 * the checks on the result are not in it, while the moments between redirect hops are.
 */
function sumTimings(hops: Hop[]): Timings {
  const sum: Partial<Timings> = {};
  for (const phase of PHASES) {
    for (const hop of hops) {
      const ms = hop.timings[phase];
      if (ms !== undefined && phase !== 'total') sum[phase] = (sum[phase] ?? 0) + ms;
    }
  }
  const first = hops[0];
  const last = hops[hops.length - 1];
  const total = first && last ? last.endedAt - first.startedAt : 0;
  return { ...sum, total };
}

function fillDetails(details: HttpDetails, hop: Hop | undefined): void {
  if (!hop) return;
  if (hop.remoteAddress !== undefined) details.remoteAddress = hop.remoteAddress;
  if (hop.httpVersion !== undefined) details.httpVersion = hop.httpVersion;
  if (hop.statusCode !== undefined) details.statusCode = hop.statusCode;
  if (hop.headers !== undefined) {
    details.headers = redactHeaders(hop.headers);
    const cdn = detectCdn(hop.headers);
    if (cdn) details.cdn = cdn;
  }
  if (hop.bodyBytes !== undefined) details.bodyBytes = hop.bodyBytes;
  if (hop.tls !== undefined) details.tls = hop.tls;
}

function errorOf(failure: ProbeError): ProbeError {
  return { code: failure.code, message: failure.message };
}

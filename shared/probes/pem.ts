/**
 * The one reader of `ca` PEM bundles, for the config checks (shared/config/validate.ts) and the TLS
 * prober's secure context (tls.ts), so a bundle is parsed once per process and a bad one reads the same
 * everywhere. OpenSSL would silently skip a block it cannot read; here every block must parse.
 */
import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
/** Distinct bundles remembered: a config rarely holds more than a few. */
const CACHE_SIZE = 16;

export type PemBundle = { ok: true; certificates: X509Certificate[] } | { ok: false; reason: string };

/** The certificates of a PEM bundle, or the reason it is unusable (without a path: callers say where). */
export function parsePemBundle(text: string): PemBundle {
  const cached = cache.get(text);
  if (cached) return cached;
  const parsed = parse(text);
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(text, parsed);
  return parsed;
}
const cache = new Map<string, PemBundle>();

function parse(text: string): PemBundle {
  const blocks = text.match(PEM_BLOCK);
  if (!blocks)
    return { ok: false, reason: 'expected PEM text (-----BEGIN CERTIFICATE----- …), not a file name' };
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch (err) {
      const which = blocks.length > 1 ? `certificate ${index + 1} of ${blocks.length}` : 'certificate';
      return { ok: false, reason: `${which} does not parse: ${(err as Error).message}` };
    }
  }
  return { ok: true, certificates };
}

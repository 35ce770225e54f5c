/**
 * Pure value checks shared by the config schema and the URL parser. Each returns the reason a
 * value is invalid (a message without a path: callers know where the value sits), or undefined.
 */
import { isIP } from 'node:net';
import { compilePattern } from '../probes/match.ts';
import { parsePemBundle } from '../probes/pem.ts';

// Partitions (commercial, gov, iso, China, EU sovereign) all follow <area>[-<sub>]-<direction>-<n>.
const AWS_REGION =
  /^[a-z]{2,4}(?:-[a-z]{2,5})?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

export function awsRegionError(region: string): string | undefined {
  return AWS_REGION.test(region)
    ? undefined
    : `${JSON.stringify(region)} is not an AWS region name (like us-east-1)`;
}

/** Monitor ids and team names end up in metric dimensions, DynamoDB keys and SNS topic names. */
const SLUG = /^[a-z0-9][a-z0-9-]*$/;
export const MAX_SLUG_LENGTH = 64;

export function slugError(value: string): string | undefined {
  if (value.length > MAX_SLUG_LENGTH) return `must be at most ${MAX_SLUG_LENGTH} characters`;
  if (SLUG.test(value)) return undefined;
  return `${JSON.stringify(value)} must be lowercase letters, digits and "-", starting with a letter or digit`;
}

// Underscores are legal in DNS (SRV, _dmarc, _acme-challenge), unlike in host names.
const DNS_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

export function dnsNameError(name: string): string | undefined {
  if (name === '.') return undefined;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length > 0 && bare.length <= 253 && bare.split('.').every((label) => DNS_LABEL.test(label))) {
    return undefined;
  }
  return `${JSON.stringify(name)} is not a valid DNS name`;
}

/** A host to connect to: an IPv4/IPv6 literal (without brackets) or a DNS name. */
export function hostError(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  return dnsNameError(host) ? `${JSON.stringify(host)} is not a host name or IP address` : undefined;
}

export function portError(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65_535
    ? undefined
    : `port ${port} out of range (1-65535)`;
}

/**
 * Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 literal. The port stays a
 * string so callers can say what was wrong with it.
 */
export function splitHostPort(text: string): { host: string; port?: string } | { error: string } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (close < 0 || isIP(host) !== 6)
      return { error: `${JSON.stringify(text)}: brackets must hold an IPv6 address` };
    if (rest === '') return { host };
    if (!rest.startsWith(':')) return { error: `${JSON.stringify(text)}: unexpected text after "]"` };
    return { host, port: rest.slice(1) };
  }
  if (isIP(text) === 6) return { host: text };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text };
  if (text.indexOf(':') !== colon)
    return { error: `${JSON.stringify(text)}: write IPv6 addresses in brackets, [::1]:53` };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** Port text from a URL or "host:port": digits only, 1-65535. */
export function parsePort(text: string): { port: number } | { error: string } {
  if (!/^\d{1,5}$/.test(text)) return { error: `port ${JSON.stringify(text)} is not a number` };
  const port = Number(text);
  const error = portError(port);
  return error ? { error } : { port };
}

/** Why `source` is not a pattern the probes can run (RE2 syntax, shared/probes/match.ts), or undefined. */
export function regexError(source: string): string | undefined {
  const pattern = compilePattern(source);
  return 'error' in pattern ? pattern.error : undefined;
}

/** A CA bundle: one or more PEM certificates, each of which must parse (the TLS prober's own reader). */
export function pemBundleError(text: string): string | undefined {
  const bundle = parsePemBundle(text);
  return bundle.ok ? undefined : bundle.reason;
}

// RFC 9110 token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function headerNameError(name: string): string | undefined {
  return HEADER_NAME.test(name) ? undefined : `${JSON.stringify(name)} is not a valid header name`;
}

export function headerValueError(value: string): string | undefined {
  return /[\r\n\0]/.test(value) ? 'header values must not contain CR, LF or NUL' : undefined;
}

/** An IP, a CIDR block, or a host name (allow-list entries of the SSRF guard). */
export function ipOrCidrOrHostError(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return hostError(text);
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
    return `${JSON.stringify(text)} is not a CIDR block (like 10.0.0.0/8 or fd00::/8)`;
  }
  return undefined;
}

/** Edit distance counting a swap of neighbours as one edit ("ttbf" → "ttfb"), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** `unknown key (did you mean "interval"?)` or `unknown key (expected one of a, b, c)`. */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const close = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= Math.min(2, Math.floor(key.length / 3)))
    .sort((x, y) => x.distance - y.distance)[0];
  if (close) return `unknown key (did you mean ${JSON.stringify(close.candidate)}?)`;
  return `unknown key (expected one of ${allowed.join(', ')})`;
}

/** An absolute http(s) URL without credentials (they would end up in findings and logs). */
export function httpUrlError(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text)} is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${JSON.stringify(text)} is not an http:// or https:// URL`;
  }
  if (url.username || url.password)
    return 'credentials are not allowed in the URL (send an Authorization header)';
  return undefined;
}

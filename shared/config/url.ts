/**
 * Target URLs, the ad-hoc form of a probe used by the CLI, the probe API and `url:` monitors:
 *
 *   dns://[server[:port]]/name?type=A[&mode=authoritative[&nsPort=N]]   RFC 4501; `dns:name` or
 *                            `dns:///name` use the system resolver; nsPort: where the nameservers listen
 *   tcp://host:port        tls://host:port        http://…        https://…
 *
 * The URL is turned into the input form of a probe block, options are merged in, and the block's
 * schema resolves it, so a URL and the equivalent config block yield the very same ProbeSpec.
 *
 * http(s) URLs are parsed by the WHATWG `URL` (validate.ts httpUrlError; the probe keeps its `href`).
 * dns://, tcp:// and tls:// are split here by hand on purpose: to the WHATWG parser they are
 * non-special schemes, whose host is opaque (case kept, `db!1` accepted, `0x7f.1` not read as an
 * IPv4 address), which have no default port, and whose every failure is the same "Invalid URL"
 * (a port of 99999, `[db]`, an unbracketed IPv6 address), where each must say what is wrong; RFC 4501
 * separates dns: parameters with ";" as well, which URLSearchParams does not. The host, port and name
 * checks are the shared ones of validate.ts (also used for `dns.server` and `allowPrivateTargets`).
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { NetprobeError } from '../errors.ts';
import { DEFAULT_TIMEOUT_MS, type LatencyThresholds, type ProbeSpec } from '../probes/spec.ts';
import { DNS_RECORD_TYPES } from '../probes/types.ts';
import { formatDuration } from './duration.ts';
import { type Checked, describe, parseOrThrow, type RawIssue, safeParse, toConfigError } from './issues.ts';
import {
  type DnsAssertInput,
  type DnsInput,
  dnsInput,
  type HttpAssertInput,
  type HttpInput,
  httpInput,
  intRange,
  type MatchInput,
  type ProbeBody,
  type TcpInput,
  tcpInput,
  thresholdIssues,
  thresholdsOf,
  withBudget,
} from './probe-schema.ts';
import {
  dnsNameError,
  hostError,
  httpUrlError,
  parsePort,
  splitHostPort,
  unknownKeyMessage,
} from './validate.ts';

export const URL_SCHEMES = ['dns', 'tcp', 'tls', 'http', 'https'] as const;
export type UrlScheme = (typeof URL_SCHEMES)[number];

/** Longest probe budget: a Lambda cannot run longer than 15 minutes. */
export const MAX_TIMEOUT_MS = 900_000;

/**
 * Everything a URL cannot say, from CLI flags or an API body. An option that does not apply to
 * the URL's scheme is an error (`method: only for http, https URLs`); `undefined` means unset.
 */
export interface TargetOptions {
  /** Default 10 000. */
  timeoutMs?: number;
  /** Per-phase latency thresholds in ms. */
  thresholds?: LatencyThresholds;
  // TLS: https://, tls:// (and http://, whose redirects may lead to https)
  insecure?: boolean;
  /** PEM text, not a file name. */
  ca?: string;
  serverName?: string;
  certWarnDays?: number;
  certCriticalDays?: number;
  // HTTP
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  maxRedirects?: number;
  maxBodyBytes?: number;
  /** https only: '1.1' (default), '2' or 'auto'. */
  httpVersion?: '1.1' | '2' | 'auto';
  // Every address: tcp://, tls://, http://, https://
  allAddresses?: boolean;
  /** One address (or family) failing among healthy ones: 'down' (default) or 'degraded'. */
  partial?: 'down' | 'degraded';
  /** IP family: 'auto' (default), 4, 6 or 'both'; also `family=` in dns://, tcp:// and tls:// URLs. */
  family?: 'auto' | 4 | 6 | 'both';
  // TCP: tcp://, tls://
  send?: string;
  expect?: MatchInput;
  // DNS
  recursionDesired?: boolean;
  /** Verify the answer's RRSIGs against the zone's DNSKEY; also `dnssec=1` in dns:// URLs. */
  dnssec?: boolean;
  /** Assertions of the URL's probe kind. */
  assert?: DnsAssertInput | HttpAssertInput;
}

const HTTP: readonly UrlScheme[] = ['http', 'https'];
const TLS: readonly UrlScheme[] = ['http', 'https', 'tls'];
const TCP: readonly UrlScheme[] = ['tcp', 'tls'];
const OPTION_SCHEMES: Record<keyof TargetOptions, readonly UrlScheme[]> = {
  timeoutMs: URL_SCHEMES,
  thresholds: URL_SCHEMES,
  insecure: TLS,
  ca: TLS,
  serverName: TLS,
  certWarnDays: TLS,
  certCriticalDays: TLS,
  method: HTTP,
  headers: HTTP,
  body: HTTP,
  maxRedirects: HTTP,
  maxBodyBytes: HTTP,
  httpVersion: HTTP,
  allAddresses: [...TCP, ...HTTP],
  partial: URL_SCHEMES,
  family: URL_SCHEMES,
  send: TCP,
  expect: TCP,
  recursionDesired: ['dns'],
  dnssec: ['dns'],
  assert: ['dns', 'http', 'https'],
};
const OPTION_KEYS = Object.keys(OPTION_SCHEMES) as (keyof TargetOptions)[];
const TLS_OPTION_KEYS = ['insecure', 'ca', 'serverName', 'certWarnDays', 'certCriticalDays'] as const;

const budgetOptions = z.object({
  timeoutMs: intRange(1, MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
  thresholds: thresholdsOf(intRange(1, MAX_TIMEOUT_MS)).default({}),
});

/** The probe block a URL stands for. */
export type UrlProbeInput =
  | { kind: 'dns'; scheme: UrlScheme; input: DnsInput }
  | { kind: 'tcp'; scheme: UrlScheme; input: TcpInput }
  | { kind: 'http'; scheme: UrlScheme; input: HttpInput };

/** Thrown for problems with the URL itself; the path is added by the caller. */
class UrlProblem extends NetprobeError {
  override name = 'UrlProblem';
  constructor(message: string) {
    super('url_invalid', message);
  }
}

function dnsInputFromUrl(rest: string): DnsInput {
  let server: DnsInput['server'];
  let tail = rest;
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?]/);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    tail = end < 0 ? '' : rest.slice(end + 2).replace(/^\//, '');
    if (authority !== '') server = serverFromAuthority(authority);
  }
  const q = tail.indexOf('?');
  const name = decode(q < 0 ? tail : tail.slice(0, q));
  if (name === '') throw new UrlProblem('missing the name to query (dns://[server[:port]]/name?type=A)');
  const nameError = dnsNameError(name);
  if (nameError) throw new UrlProblem(nameError);
  return { name, ...(server && { server }), ...dnsQuery(q < 0 ? '' : tail.slice(q + 1)) };
}

function serverFromAuthority(authority: string): { host: string; port: number } {
  if (authority.includes('@')) throw new UrlProblem('credentials are not allowed in the URL');
  const split = splitHostPort(authority);
  if ('error' in split) throw new UrlProblem(split.error);
  const error = hostError(split.host);
  if (error) throw new UrlProblem(error);
  if (split.port === undefined) return { host: split.host, port: 53 };
  const parsed = parsePort(split.port);
  if ('error' in parsed) throw new UrlProblem(parsed.error);
  return { host: split.host, port: parsed.port };
}

const DNS_PARAMS = ['type', 'class', 'mode', 'family', 'dnssec', 'nsPort'];

/** RFC 4501 separates parameters with ";", people type "&": accept both. Names are case-insensitive. */
function dnsQuery(query: string): Pick<DnsInput, 'type' | 'mode' | 'family' | 'dnssec' | 'nsPort'> {
  const out: Pick<DnsInput, 'type' | 'mode' | 'family' | 'dnssec' | 'nsPort'> = {};
  const seen = new Set<string>();
  for (const pair of query.split(/[;&]/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const given = decode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
    const key = DNS_PARAMS.find((p) => p.toLowerCase() === given);
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined) {
      throw new UrlProblem(`unknown parameter ${JSON.stringify(given)} (expected ${DNS_PARAMS.join(', ')})`);
    }
    if (seen.has(key)) throw new UrlProblem(`parameter ${JSON.stringify(key)} given twice`);
    seen.add(key);
    const upper = value.toUpperCase();
    if (key === 'type') {
      const type = DNS_RECORD_TYPES.find((t) => t === upper);
      if (!type) {
        throw new UrlProblem(
          `unknown record type ${JSON.stringify(value)} (expected ${DNS_RECORD_TYPES.join(', ')})`,
        );
      }
      out.type = type;
    } else if (key === 'family') {
      out.family = familyParam(value);
    } else if (key === 'dnssec') {
      if (value !== '1' && value !== '0')
        throw new UrlProblem(`dnssec must be 1 or 0 (got ${JSON.stringify(value)})`);
      out.dnssec = value === '1';
    } else if (key === 'nsPort') {
      const parsed = parsePort(value);
      if ('error' in parsed) throw new UrlProblem(`nsPort: ${parsed.error}`);
      out.nsPort = parsed.port;
    } else if (key === 'class') {
      if (upper !== 'IN') throw new UrlProblem(`only class IN is supported (got ${JSON.stringify(value)})`);
    } else if (value === 'recursive' || value === 'authoritative') {
      out.mode = value;
    } else {
      throw new UrlProblem(`unknown mode ${JSON.stringify(value)} (expected recursive, authoritative)`);
    }
  }
  if (out.nsPort !== undefined && out.mode !== 'authoritative') {
    throw new UrlProblem(
      'nsPort only applies with mode=authoritative (where the discovered nameservers listen)',
    );
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UrlProblem(`bad percent-encoding in ${JSON.stringify(text)}`);
  }
}

/** `family=4|6|both|auto` in a URL's query. */
function familyParam(value: string): 'auto' | 4 | 6 | 'both' {
  if (value === '4' || value === '6') return Number(value) as 4 | 6;
  if (value === 'auto' || value === 'both') return value;
  throw new UrlProblem(`family must be auto, 4, 6 or both (got ${JSON.stringify(value)})`);
}

/** The only query a tcp:// or tls:// URL takes: `?family=6`. */
function tcpQuery(query: string): { family?: 'auto' | 4 | 6 | 'both' } {
  if (query === '') return {};
  const eq = query.indexOf('=');
  const key = decode(eq < 0 ? query : query.slice(0, eq)).toLowerCase();
  if (key !== 'family' || query.includes('&') || query.includes(';'))
    throw new UrlProblem(`tcp and tls URLs take one parameter, family (got ${JSON.stringify(query)})`);
  return { family: familyParam(decode(query.slice(eq + 1))) };
}

function hostPortFromUrl(
  scheme: 'tcp' | 'tls',
  rest: string,
): { host: string; port: number; family?: 'auto' | 4 | 6 | 'both' } {
  const form = `${scheme}://host:port`;
  if (!rest.startsWith('//')) throw new UrlProblem(`expected ${form}`);
  const q = rest.indexOf('?');
  const query = tcpQuery(q < 0 ? '' : rest.slice(q + 1));
  // One trailing slash is what people paste; anything more would be silently ignored.
  const authority = (q < 0 ? rest : rest.slice(0, q)).slice(2).replace(/\/$/, '');
  if (/[/?]/.test(authority))
    throw new UrlProblem(`${scheme} URLs take no path (${form}, or ${form}?family=6)`);
  if (authority.includes('@')) throw new UrlProblem('credentials are not allowed in the URL');
  const split = splitHostPort(authority);
  if ('error' in split) throw new UrlProblem(split.error);
  if (split.host === '') throw new UrlProblem(`missing host (${form})`);
  if (!authority.startsWith('[') && isIP(split.host) === 6) {
    throw new UrlProblem(
      `${JSON.stringify(authority)}: write IPv6 addresses in brackets, ${scheme}://[::1]:port`,
    );
  }
  const error = hostError(split.host);
  if (error) throw new UrlProblem(error);
  if (split.port === undefined || split.port === '') throw new UrlProblem(`missing port (${form})`);
  const parsed = parsePort(split.port);
  if ('error' in parsed) throw new UrlProblem(parsed.error);
  return { host: split.host, port: parsed.port, ...query };
}

function probeInputFromUrl(url: string): UrlProbeInput {
  const colon = url.indexOf(':');
  const scheme = colon < 0 ? '' : url.slice(0, colon).toLowerCase();
  const rest = url.slice(colon + 1);
  if (colon < 0 || !/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
    throw new UrlProblem(
      `${JSON.stringify(url)} has no scheme (expected ${URL_SCHEMES.join(', ')}, like https://example.com)`,
    );
  }
  switch (scheme) {
    case 'dns':
    case 'tcp':
    case 'tls':
      if (rest.includes('#')) throw new UrlProblem('fragments (#…) are not allowed');
      if (scheme === 'dns') return { kind: 'dns', scheme, input: dnsInputFromUrl(rest) };
      return {
        kind: 'tcp',
        scheme,
        input: { ...hostPortFromUrl(scheme, rest), ...(scheme === 'tls' && { tls: true }) },
      };
    case 'http':
    case 'https': {
      const error = httpUrlError(url);
      if (error) throw new UrlProblem(error);
      return { kind: 'http', scheme, input: { url } };
    }
    default:
      throw new UrlProblem(`unknown scheme "${scheme}:" (expected ${URL_SCHEMES.join(', ')})`);
  }
}

/** The probe block `url` stands for (and its scheme), or a ConfigError at path `url`. */
export function urlToProbeInput(url: string): UrlProbeInput {
  try {
    return probeInputFromUrl(url);
  } catch (err) {
    if (err instanceof UrlProblem) throw toConfigError([{ path: ['url'], message: err.message }]);
    throw err;
  }
}

function optionIssues(scheme: UrlScheme, opts: Record<string, unknown>): RawIssue[] {
  return Object.entries(opts)
    .filter(([, value]) => value !== undefined)
    .flatMap(([key]) => {
      // Own keys only: "constructor" or "toString" must not find Object.prototype's members.
      const schemes = Object.hasOwn(OPTION_SCHEMES, key)
        ? OPTION_SCHEMES[key as keyof TargetOptions]
        : undefined;
      if (!schemes) return [{ path: [key], message: unknownKeyMessage(key, OPTION_KEYS) }];
      if (!schemes.includes(scheme)) return [{ path: [key], message: `only for ${schemes.join(', ')} URLs` }];
      return [];
    });
}

/** Options merged into the probe block; TLS options nest under `tls` for tls:// URLs. */
function merge(target: UrlProbeInput, opts: Record<string, unknown>): UrlProbeInput {
  const set = Object.fromEntries(
    Object.entries(opts).filter(
      ([key, value]) => value !== undefined && key !== 'timeoutMs' && key !== 'thresholds',
    ),
  );
  if (target.scheme !== 'tls') return { ...target, input: { ...target.input, ...set } } as UrlProbeInput;
  const tls = Object.fromEntries(TLS_OPTION_KEYS.filter((key) => key in set).map((key) => [key, set[key]]));
  for (const key of TLS_OPTION_KEYS) delete set[key];
  return {
    ...target,
    input: { ...target.input, ...set, tls: Object.keys(tls).length > 0 ? tls : true },
  } as UrlProbeInput;
}

function resolveBody(target: UrlProbeInput): Checked<ProbeBody> {
  switch (target.kind) {
    case 'dns':
      return safeParse(dnsInput, target.input);
    case 'tcp':
      return safeParse(tcpInput, target.input);
    case 'http':
      return safeParse(httpInput, target.input);
  }
}

/**
 * The probe block of a URL with options merged in, before the time budget. Issue paths are
 * `url` or the option's name. Used by parseTargetUrl and by `url:` monitors.
 */
export function resolveTargetBody(url: unknown, opts: Record<string, unknown> = {}): Checked<ProbeBody> {
  if (typeof url !== 'string')
    return { ok: false, issues: [{ path: ['url'], message: `expected string, got ${describe(url)}` }] };
  let target: UrlProbeInput;
  try {
    target = probeInputFromUrl(url);
  } catch (err) {
    if (err instanceof UrlProblem) return { ok: false, issues: [{ path: ['url'], message: err.message }] };
    throw err;
  }
  const misplaced = optionIssues(target.scheme, opts);
  if (misplaced.length > 0) return { ok: false, issues: misplaced };
  const body = resolveBody(merge(target, opts));
  if (body.ok || target.scheme !== 'tls') return body;
  // tls:// options were nested under `tls` for the tcp block: report them under their own names.
  return {
    ok: false,
    issues: body.issues.map((issue) => ({
      ...issue,
      path: issue.path[0] === 'tls' ? issue.path.slice(1) : issue.path,
    })),
  };
}

/**
 * A ProbeSpec from a target URL and options, or a ConfigError whose paths are `url` or the
 * option's name: `url: unknown scheme "ftp:" (expected dns, tcp, tls, http, https)`.
 */
export function parseTargetUrl(url: string, opts: TargetOptions = {}): ProbeSpec {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw toConfigError([{ path: [], message: `expected an object of options, got ${describe(opts)}` }]);
  }
  const loose = opts as Record<string, unknown>;
  const body = resolveTargetBody(url, loose);
  if (!body.ok) throw toConfigError(body.issues);
  const budget = parseOrThrow(budgetOptions, { timeoutMs: loose.timeoutMs, thresholds: loose.thresholds });
  const late = thresholdIssues(budget.thresholds, budget.timeoutMs, formatDuration);
  if (late.length > 0) throw toConfigError(late);
  return withBudget(body.value, budget.timeoutMs, budget.thresholds);
}

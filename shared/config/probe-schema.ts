/**
 * Schemas of the probe blocks users write (`dns: {...}`, `tcp: {...}`, `http: {...}`), shared by
 * the monitors config and the URL parser. Each turns its input form into the resolved spec of
 * shared/probes/spec.ts minus `timeoutMs` and `thresholds`, which come from the monitor (or the
 * CLI/API options) and are added by `withBudget`.
 */
import * as z from 'zod';
import { pathError as jsonPathError } from '../probes/json-path.ts';
import {
  DEFAULT_CERT_CRITICAL_DAYS,
  DEFAULT_CERT_WARN_DAYS,
  DEFAULT_DNSSEC_WARN_DAYS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REDIRECTS,
  type DnsServer,
  type DnsSpec,
  type HttpSpec,
  type HttpVersion,
  type IpFamily,
  type LatencyThresholds,
  type Match,
  type PartialPolicy,
  type ProbeSpec,
  type TcpSpec,
  type TlsOptions,
} from '../probes/spec.ts';
import { DNS_RECORD_TYPES } from '../probes/types.ts';
import type { PathSegment } from './errors.ts';
import { check, describe, manual, type RawIssue } from './issues.ts';
import {
  dnsNameError,
  headerNameError,
  headerValueError,
  hostError,
  httpUrlError,
  parsePort,
  pemBundleError,
  portError,
  regexError,
  splitHostPort,
  unknownKeyMessage,
} from './validate.ts';

type Body<S> = Omit<S, 'timeoutMs' | 'thresholds'>;
export type DnsBody = Body<DnsSpec>;
export type TcpBody = Body<TcpSpec>;
export type HttpBody = Body<HttpSpec>;
export type ProbeBody = DnsBody | TcpBody | HttpBody;

/** `(min)-(max)` integer with one message for every way of missing it. */
export function intRange(min: number, max: number) {
  const message = `expected ${min}-${max}`;
  return z.number().int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

// ---------------------------------------------------------------- Match

/**
 * A plain string means `equals` where whole values are compared (DNS answers, JSON values) and
 * `contains` where text is searched (bodies, banners, header values).
 */
export type MatchInput = string | { equals: string } | { contains: string } | { regex: string };
type PlainMatch = 'equals' | 'contains';

const MATCH_KEYS = ['equals', 'contains', 'regex'] as const;
type MatchKey = (typeof MATCH_KEYS)[number];
const isMatchKey = (key: string): key is MatchKey => (MATCH_KEYS as readonly string[]).includes(key);

function toMatch(
  value: unknown,
  plain: PlainMatch,
  issues: RawIssue[],
  path: PathSegment[] = [],
): Match | undefined {
  if (typeof value === 'string') return plain === 'equals' ? { equals: value } : { contains: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({
      path,
      message: `expected a string or {equals}, {contains} or {regex}, got ${describe(value)}`,
    });
    return undefined;
  }
  const entries = Object.entries(value);
  const unknown = entries.filter(([key]) => !isMatchKey(key));
  for (const [key] of unknown)
    issues.push({ path: [...path, key], message: unknownKeyMessage(key, MATCH_KEYS) });
  const known = entries.filter(([key]) => isMatchKey(key));
  const [first] = known;
  if (known.length !== 1 || !first) {
    if (unknown.length === 0)
      issues.push({ path, message: 'expected exactly one of equals, contains, regex' });
    return undefined;
  }
  const [key, text] = first;
  if (typeof text !== 'string') {
    issues.push({ path: [...path, key], message: `expected string, got ${describe(text)}` });
    return undefined;
  }
  if (key === 'regex') {
    const error = regexError(text);
    if (error) issues.push({ path: [...path, key], message: error });
    return { regex: text };
  }
  return key === 'equals' ? { equals: text } : { contains: text };
}

export const matchInput = (plain: PlainMatch) =>
  manual<MatchInput, Match>((value, issues) => toMatch(value, plain, issues) as Match);

/** One matcher or a list of them, all of which must match. */
export const matchListInput = (plain: PlainMatch) =>
  manual<MatchInput | MatchInput[], Match[]>((value, issues) => {
    if (!Array.isArray(value)) return [toMatch(value, plain, issues)].filter((m) => m !== undefined);
    return value.map((item, index) => toMatch(item, plain, issues, [index])).filter((m) => m !== undefined);
  });

// ---------------------------------------------------------------- shared pieces

export const dnsName = z.string().superRefine(check(dnsNameError));
/** Host names are case-insensitive: lowercased, so one target has one spelling in findings and subjects. */
export const host = z
  .string()
  .min(1)
  .superRefine(check(hostError))
  .transform((h) => h.toLowerCase());
export const port = z.number().superRefine(check(portError));
export const pem = z.string().superRefine(check(pemBundleError));

/** Request headers: valid names, no CR/LF in values, no name given twice in different case. */
const headersInput = manual<Record<string, string>, Record<string, string>>((value, issues) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: [], message: `expected object, got ${describe(value)}` });
    return {};
  }
  const seen = new Map<string, string>();
  for (const [name, text] of Object.entries(value)) {
    const error = headerNameError(name) ?? (typeof text === 'string' ? headerValueError(text) : undefined);
    if (typeof text !== 'string')
      issues.push({ path: [name], message: `expected string, got ${describe(text)}` });
    else if (error) issues.push({ path: [name], message: error });
    const first = seen.get(name.toLowerCase());
    if (first !== undefined)
      issues.push({ path: [name], message: `duplicate of header ${JSON.stringify(first)}` });
    seen.set(name.toLowerCase(), name);
  }
  return value;
});

/** What one address failing among healthy ones makes of the result: down (default) or degraded. */
export const partialPolicy = z.enum(['down', 'degraded']).default('down');

/** The IP family a probe uses: 'auto' (default), 4, 6 or 'both'. */
export const ipFamily = z
  .union([z.literal('auto'), z.literal(4), z.literal(6), z.literal('both')], {
    error: "expected 'auto', 4, 6 or 'both'",
  })
  .default('auto');

/** The spec fields of `family` and `partial`, present only when not the default. */
function familyFields(v: { family: IpFamily; partial: PartialPolicy }): {
  family?: IpFamily;
  partial?: PartialPolicy;
} {
  return {
    ...(v.family !== 'auto' && { family: v.family }),
    ...(v.partial !== 'down' && { partial: v.partial }),
  };
}

// ---------------------------------------------------------------- TLS

/** TLS options as written (flat in an `http` block, nested as `tcp.tls`). */
export const tlsFields = {
  insecure: z.boolean().default(false),
  ca: pem.optional(),
  serverName: dnsName.optional(),
  certWarnDays: intRange(0, 3650).default(DEFAULT_CERT_WARN_DAYS),
  certCriticalDays: intRange(0, 3650).default(DEFAULT_CERT_CRITICAL_DAYS),
};

const tlsObject = z.strictObject(tlsFields);

/** Shared by `tcp.tls` and the flat TLS fields of an `http` block (hence the minimal ctx type). */
function toTlsOptions(v: z.output<typeof tlsObject>, ctx: { issues: z.core.$ZodRawIssue[] }): TlsOptions {
  if (v.certCriticalDays > v.certWarnDays) {
    ctx.issues.push({
      code: 'custom',
      path: ['certCriticalDays'],
      message: `must not exceed certWarnDays (${v.certWarnDays})`,
      input: v.certCriticalDays,
    });
  }
  return {
    insecure: v.insecure,
    ...(v.ca !== undefined && { ca: v.ca }),
    ...(v.serverName !== undefined && { serverName: v.serverName }),
    certWarnDays: v.certWarnDays,
    certCriticalDays: v.certCriticalDays,
  };
}

export const tlsInput = tlsObject.transform(toTlsOptions);

/** `tls: true` on a tcp block. */
export const DEFAULT_TLS_OPTIONS: TlsOptions = {
  insecure: false,
  certWarnDays: DEFAULT_CERT_WARN_DAYS,
  certCriticalDays: DEFAULT_CERT_CRITICAL_DAYS,
};

// ---------------------------------------------------------------- DNS

const upper = (s: string) => s.toUpperCase();
export const recordType = z.string().transform(upper).pipe(z.enum(DNS_RECORD_TYPES));
export const DNS_RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
] as const;
const rcode = z.string().transform(upper).pipe(z.enum(DNS_RCODES));

export const DNS_PORT = 53;

/** "1.1.1.1", "1.1.1.1:5353", "[2606:4700::1]:53", "::1", "ns1.example.net" or {host, port?}. */
export type DnsServerInput = string | { host: string; port?: number };

function toDnsServer(value: DnsServerInput, issues: RawIssue[]): DnsServer {
  const fail = (message: string, path: PathSegment[] = []) => {
    issues.push({ path, message });
    return { host: '', port: DNS_PORT };
  };
  if (typeof value === 'string') {
    const split = splitHostPort(value);
    if ('error' in split) return fail(split.error);
    const error = hostError(split.host);
    if (error) return fail(error);
    const host = split.host.toLowerCase();
    if (split.port === undefined) return { host, port: DNS_PORT };
    const parsed = parsePort(split.port);
    return 'error' in parsed ? fail(parsed.error) : { host, port: parsed.port };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`expected "host[:port]" or {host, port}, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'host' && key !== 'port') fail(unknownKeyMessage(key, ['host', 'port']), [key]);
  }
  const serverHost: unknown = value.host;
  const serverPort: unknown = value.port ?? DNS_PORT;
  if (typeof serverHost !== 'string')
    return fail(serverHost === undefined ? 'required' : 'expected string', ['host']);
  const hostProblem = hostError(serverHost);
  if (hostProblem) return fail(hostProblem, ['host']);
  if (typeof serverPort !== 'number') return fail(`expected number, got ${describe(serverPort)}`, ['port']);
  const portProblem = portError(serverPort);
  if (portProblem) return fail(portProblem, ['port']);
  return { host: serverHost.toLowerCase(), port: serverPort };
}

export const dnsAssertInput = z.strictObject({
  answers: matchListInput('equals').optional(),
  rcode: rcode.optional(),
  minTtl: intRange(0, 2_147_483_647).optional(),
});

export const dnsInput = z
  .strictObject({
    name: dnsName,
    type: recordType.default('A'),
    server: manual<DnsServerInput, DnsServer>(toDnsServer).optional(),
    mode: z.enum(['recursive', 'authoritative']).default('recursive'),
    nsPort: port.optional(),
    recursionDesired: z.boolean().default(true),
    family: ipFamily,
    partial: partialPolicy,
    dnssec: z.boolean().default(false),
    dnssecWarnDays: intRange(0, 365).default(DEFAULT_DNSSEC_WARN_DAYS),
    assert: dnsAssertInput.default({}),
  })
  .refine((v) => v.nsPort === undefined || v.mode === 'authoritative', {
    path: ['nsPort'],
    message: 'only applies to mode authoritative (the port the discovered nameservers are asked on)',
  })
  .transform(
    (v): DnsBody => ({
      kind: 'dns',
      name: v.name,
      type: v.type,
      ...(v.server !== undefined && { server: v.server }),
      mode: v.mode,
      ...(v.nsPort !== undefined && { nsPort: v.nsPort }),
      recursionDesired: v.recursionDesired,
      ...familyFields(v),
      ...(v.dnssec && { dnssec: true }),
      ...(v.dnssecWarnDays !== DEFAULT_DNSSEC_WARN_DAYS && { dnssecWarnDays: v.dnssecWarnDays }),
      assert: v.assert,
    }),
  );

// ---------------------------------------------------------------- TCP

export const tcpInput = z
  .strictObject({
    host,
    port,
    allAddresses: z.boolean().default(false),
    partial: partialPolicy,
    family: ipFamily,
    tls: z
      .union([z.boolean(), tlsInput], { error: 'expected true, false or TLS options {insecure, ca, …}' })
      .default(false),
    send: z.string().min(1).optional(),
    expect: matchInput('contains').optional(),
  })
  .transform(
    (v): TcpBody => ({
      kind: 'tcp',
      host: v.host,
      port: v.port,
      allAddresses: v.allAddresses,
      ...familyFields(v),
      ...(v.tls !== false && { tls: v.tls === true ? DEFAULT_TLS_OPTIONS : v.tls }),
      ...(v.send !== undefined && { send: v.send }),
      ...(v.expect !== undefined && { expect: v.expect }),
    }),
  );

// ---------------------------------------------------------------- HTTP

type StatusItem = number | [number, number];
/** 200, "2xx", "200-299", [200, 299], or a list of those. A bare [200, 299] is the list 200 and 299. */
export type StatusInput = number | string | (number | string | [number, number])[];

const STATUS_HINT = 'use 200, "2xx", "200-299" or [200, 299]';

function toStatus(value: unknown, issues: RawIssue[], path: PathSegment[]): StatusItem | undefined {
  const code = (n: unknown, at: PathSegment[]): number | undefined => {
    if (typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599) return n;
    issues.push({ path: at, message: 'expected 100-599' });
    return undefined;
  };
  const range = (low: number | undefined, high: number | undefined): StatusItem | undefined => {
    if (low === undefined || high === undefined) return undefined;
    if (low > high) {
      issues.push({ path, message: `range ${low}-${high} is empty` });
      return undefined;
    }
    return [low, high];
  };
  if (typeof value === 'number') return code(value, path);
  if (typeof value === 'string') {
    const cls = /^([1-5])xx$/i.exec(value);
    if (cls) return [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99];
    const span = /^(\d{3})-(\d{3})$/.exec(value);
    if (span) return range(code(Number(span[1]), path), code(Number(span[2]), path));
    if (/^\d{3}$/.test(value)) return code(Number(value), path);
    issues.push({ path, message: `${JSON.stringify(value)} is not a status (${STATUS_HINT})` });
    return undefined;
  }
  if (Array.isArray(value) && value.length === 2) {
    return range(code(value[0], [...path, 0]), code(value[1], [...path, 1]));
  }
  issues.push({ path, message: `expected a status (${STATUS_HINT}), got ${describe(value)}` });
  return undefined;
}

const statusInput = manual<StatusInput, StatusItem[]>((value, issues) => {
  const items = Array.isArray(value)
    ? value.map((item, i) => toStatus(item, issues, [i]))
    : [toStatus(value, issues, [])];
  if (Array.isArray(value) && value.length === 0) issues.push({ path: [], message: 'must not be empty' });
  return items.filter((item) => item !== undefined);
});

const assertHeadersInput = manual<Record<string, MatchInput>, Record<string, Match>>((value, issues) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: [], message: `expected object, got ${describe(value)}` });
    return {};
  }
  const out: Record<string, Match> = {};
  for (const [name, match] of Object.entries(value)) {
    const error = headerNameError(name);
    if (error) issues.push({ path: [name], message: error });
    const parsed = toMatch(match, 'contains', issues, [name]);
    // Response header names arrive lower-cased: normalise here so the probe compares directly.
    if (parsed) out[name.toLowerCase()] = parsed;
  }
  return out;
});

const jsonAssertion = z.strictObject({
  path: z.string().superRefine(check(jsonPathError)),
  match: matchInput('equals'),
});

export const httpAssertInput = z.strictObject({
  status: statusInput.optional(),
  headers: assertHeadersInput.optional(),
  body: matchListInput('contains').optional(),
  json: z.array(jsonAssertion).optional(),
});

export const MAX_BODY_BYTES_LIMIT = 64 * 1024 * 1024;

export const httpInput = z
  .strictObject({
    url: z.string().superRefine(check(httpUrlError)),
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, { error: 'expected an HTTP method like GET or POST' })
      .transform(upper)
      .default('GET'),
    headers: headersInput.default({}),
    body: z.string().optional(),
    maxRedirects: intRange(0, 30).default(DEFAULT_MAX_REDIRECTS),
    maxBodyBytes: intRange(0, MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
    allAddresses: z.boolean().default(false),
    partial: partialPolicy,
    family: ipFamily,
    httpVersion: z.enum(['1.1', '2', 'auto']).default('1.1'),
    ...tlsFields,
    assert: httpAssertInput.default({}),
  })
  .transform(
    (v, ctx): HttpBody => ({
      kind: 'http',
      // The WHATWG form: lower-case host, explicit path, punycode; what the probe will request.
      url: new URL(v.url).href,
      ...httpVersionOf(v, ctx),
      method: v.method,
      headers: v.headers,
      ...(v.body !== undefined && { body: v.body }),
      maxRedirects: v.maxRedirects,
      maxBodyBytes: v.maxBodyBytes,
      ...(v.allAddresses && { allAddresses: true }),
      ...familyFields(v),
      tls: toTlsOptions(v, ctx),
      assert: v.assert,
    }),
  );

/** HTTP/2 is negotiated through TLS (ALPN): h2c, HTTP/2 in clear text on http://, is refused. */
function httpVersionOf(
  v: { url: string; httpVersion: HttpVersion },
  ctx: { issues: z.core.$ZodRawIssue[] },
): { httpVersion?: HttpVersion } {
  if (v.httpVersion === '1.1') return {};
  if (new URL(v.url).protocol === 'http:') {
    ctx.issues.push({
      code: 'custom',
      path: ['httpVersion'],
      message: `HTTP/2 needs https:// (h2 is negotiated through TLS; h2c on http:// is not supported), got ${JSON.stringify(v.httpVersion)} for an http:// URL`,
      input: v.httpVersion,
    });
    return {};
  }
  return { httpVersion: v.httpVersion };
}

// ---------------------------------------------------------------- budget: timeout and thresholds

/** Per-phase thresholds (phases of shared/probes/types.ts PHASES), each an optional `value`. */
export function thresholdsOf<S extends z.ZodType>(value: S) {
  return z.strictObject({
    dns: value.optional(),
    connect: value.optional(),
    tls: value.optional(),
    ttfb: value.optional(),
    transfer: value.optional(),
    total: value.optional(),
  });
}

/** Thresholds that could never fire (the probe times out first) are configuration mistakes. */
export function thresholdIssues(
  thresholds: LatencyThresholds,
  timeoutMs: number,
  show: (ms: number) => string,
): RawIssue[] {
  return Object.entries(thresholds)
    .filter(([, ms]) => ms !== undefined && ms >= timeoutMs)
    .map(([phase, ms]) => ({
      path: ['thresholds', phase],
      message: `${show(ms ?? 0)} is not below the timeout (${show(timeoutMs)})`,
    }));
}

export function withBudget(body: ProbeBody, timeoutMs: number, thresholds: LatencyThresholds): ProbeSpec {
  return { ...body, timeoutMs, thresholds };
}

// ---------------------------------------------------------------- input types

export type DnsInput = z.input<typeof dnsInput>;
export type TcpInput = z.input<typeof tcpInput>;
export type HttpInput = z.input<typeof httpInput>;
export type TlsInput = z.input<typeof tlsInput>;
export type DnsAssertInput = z.input<typeof dnsAssertInput>;
export type HttpAssertInput = z.input<typeof httpAssertInput>;

/**
 * `netprobe check <url> [flags]` → a ProbeSpec, through the same parseTargetUrl the probe API uses,
 * so a URL with options means exactly the same thing from the CLI and from the API. This module only
 * turns flag text into TargetOptions and speaks in flag names: a flag that means nothing for the
 * URL's probe (`--expect-status` on dns://) is a usage error rather than silently ignored, and a
 * schema problem at `assert.status[0]` is reported as `--expect-status`.
 */
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../shared/config/duration.ts';
import { ConfigError, type ConfigIssue } from '../shared/config/errors.ts';
import { parseTargetUrl, type TargetOptions, type UrlScheme, urlToProbeInput } from '../shared/config/url.ts';
import { isSecretName } from '../shared/probes/http-redact.ts';
import type { LatencyThresholds, ProbeSpec } from '../shared/probes/spec.ts';
import { PHASES, type Phase } from '../shared/probes/types.ts';
import { UsageError } from './exit.ts';

/** What commander hands the action (names follow the flags, camel-cased). */
export interface CheckFlags {
  timeout?: string;
  maxLatency: string[];
  insecure?: boolean;
  ca?: string;
  servername?: string;
  certWarnDays?: string;
  method?: string;
  header: string[];
  data?: string;
  maxRedirects?: string;
  expectStatus?: string;
  expectBody: string[];
  expectHeader: string[];
  expectJson: string[];
  expectAnswer: string[];
  expectRcode?: string;
  minTtl?: string;
  send?: string;
  expectBanner?: string;
  allAddresses?: boolean;
  partial?: string;
  family?: string;
  httpVersion?: string;
  dnssec?: boolean;
}

const HTTP: readonly UrlScheme[] = ['http', 'https'];
const TLS: readonly UrlScheme[] = ['tls', 'http', 'https'];
const TCP: readonly UrlScheme[] = ['tcp', 'tls'];
const DNS: readonly UrlScheme[] = ['dns'];

/**
 * Each scheme-specific flag: its name, the schemes it applies to, and the TargetOptions path it
 * sets, so schema issues can be reported under the flag the user typed.
 */
const FLAGS: Partial<
  Record<keyof CheckFlags, { flag: string; schemes: readonly UrlScheme[]; option: string }>
> = {
  insecure: { flag: '--insecure', schemes: TLS, option: 'insecure' },
  ca: { flag: '--ca', schemes: TLS, option: 'ca' },
  servername: { flag: '--servername', schemes: TLS, option: 'serverName' },
  certWarnDays: { flag: '--cert-warn-days', schemes: TLS, option: 'certWarnDays' },
  method: { flag: '--method', schemes: HTTP, option: 'method' },
  header: { flag: '--header', schemes: HTTP, option: 'headers' },
  data: { flag: '--data', schemes: HTTP, option: 'body' },
  maxRedirects: { flag: '--max-redirects', schemes: HTTP, option: 'maxRedirects' },
  expectStatus: { flag: '--expect-status', schemes: HTTP, option: 'assert.status' },
  expectBody: { flag: '--expect-body', schemes: HTTP, option: 'assert.body' },
  expectHeader: { flag: '--expect-header', schemes: HTTP, option: 'assert.headers' },
  expectJson: { flag: '--expect-json', schemes: HTTP, option: 'assert.json' },
  expectAnswer: { flag: '--expect-answer', schemes: DNS, option: 'assert.answers' },
  expectRcode: { flag: '--expect-rcode', schemes: DNS, option: 'assert.rcode' },
  minTtl: { flag: '--min-ttl', schemes: DNS, option: 'assert.minTtl' },
  send: { flag: '--send', schemes: TCP, option: 'send' },
  expectBanner: { flag: '--expect-banner', schemes: TCP, option: 'expect' },
  allAddresses: { flag: '--all-addresses', schemes: [...TCP, ...HTTP], option: 'allAddresses' },
  partial: { flag: '--partial', schemes: [...TCP, ...HTTP, ...DNS], option: 'partial' },
  family: { flag: '--family', schemes: [...TCP, ...HTTP, ...DNS], option: 'family' },
  httpVersion: { flag: '--http-version', schemes: HTTP, option: 'httpVersion' },
  dnssec: { flag: '--dnssec', schemes: DNS, option: 'dnssec' },
};
const BUDGET_FLAGS = [
  { flag: '--timeout', option: 'timeoutMs' },
  { flag: '--max-latency', option: 'thresholds' },
];

/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isSet(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
}

function schemeWords(schemes: readonly UrlScheme[]): string {
  return schemes.map((s) => `${s}://`).join(', ');
}

/** Refuses flags that do not apply to the URL's probe, naming the flag and where it does apply. */
function assertApplicable(flags: CheckFlags, scheme: UrlScheme): void {
  for (const [key, rule] of Object.entries(FLAGS)) {
    if (rule && isSet(flags[key as keyof CheckFlags]) && !rule.schemes.includes(scheme)) {
      throw new UsageError(`${rule.flag} applies to ${schemeWords(rule.schemes)} targets, not ${scheme}://`);
    }
  }
}

/** The spec for `url` refined by the flags. Reads the --ca file. Throws UsageError or ConfigError. */
export async function checkSpec(url: string, flags: CheckFlags): Promise<ProbeSpec> {
  const { scheme } = withSchemeHint(url, () => urlToProbeInput(url));
  assertApplicable(flags, scheme);
  const options = await targetOptions(flags, scheme);
  try {
    return parseTargetUrl(url, options);
  } catch (err) {
    throw err instanceof ConfigError ? new ConfigError(err.issues.map(toFlagIssue)) : err;
  }
}

/** `host:port` without a scheme reads as the scheme "host:": say which URL was probably meant. */
const HOST_PORT = /^\[?[A-Za-z0-9.:_-]+?\]?:\d{1,5}$/;

function withSchemeHint<T>(url: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof ConfigError) || !HOST_PORT.test(url)) throw err;
    const hint = `did you mean tcp://${url} (a TCP port) or http://${url}/?`;
    throw new ConfigError(err.issues.map((issue) => ({ ...issue, message: `${issue.message}; ${hint}` })));
  }
}

/** `assert.status[0]: expected 100-599` → `--expect-status: expected 100-599`. */
function toFlagIssue(issue: ConfigIssue): ConfigIssue {
  const rule = [...Object.values(FLAGS), ...BUDGET_FLAGS].find((r) => r && isUnder(issue.path, r.option));
  return rule ? { path: rule.flag, message: issue.message } : issue;
}

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && /^[.[]/.test(path.slice(prefix.length)));
}

async function targetOptions(flags: CheckFlags, scheme: UrlScheme): Promise<TargetOptions> {
  const thresholds = latencyThresholds(flags.maxLatency);
  const options: TargetOptions = {
    ...(flags.timeout !== undefined && { timeoutMs: positiveDuration(flags.timeout, '--timeout') }),
    ...(Object.keys(thresholds).length > 0 && { thresholds }),
    ...(flags.insecure && { insecure: true }),
    ...(flags.ca !== undefined && { ca: await readCaBundle(flags.ca) }),
    ...(flags.servername !== undefined && { serverName: flags.servername }),
    ...(flags.certWarnDays !== undefined && {
      certWarnDays: wholeNumber(flags.certWarnDays, '--cert-warn-days'),
    }),
    ...(flags.send !== undefined && { send: flags.send }),
    ...(flags.expectBanner !== undefined && { expect: { contains: flags.expectBanner } }),
    ...(flags.allAddresses && { allAddresses: true }),
    ...(flags.dnssec && { dnssec: true }),
    ...(flags.partial !== undefined && { partial: flags.partial as TargetOptions['partial'] }),
    // 4 and 6 are numbers in the config; anything else goes to the schema as typed, to be named there.
    ...(flags.family !== undefined && {
      family: (/^[46]$/.test(flags.family) ? Number(flags.family) : flags.family) as TargetOptions['family'],
    }),
  };
  if (scheme === 'dns') {
    const assert = {
      ...(flags.expectAnswer.length > 0 && { answers: flags.expectAnswer.map(answerMatch) }),
      ...(flags.expectRcode !== undefined && { rcode: flags.expectRcode }),
      ...(flags.minTtl !== undefined && { minTtl: wholeNumber(flags.minTtl, '--min-ttl') }),
    };
    if (Object.keys(assert).length > 0) options.assert = assert;
  }
  if (HTTP.includes(scheme)) {
    const headers = parseHeaders(flags.header);
    if (Object.keys(headers).length > 0) options.headers = headers;
    // As with curl -d: a body without an explicit method is a POST.
    const method = flags.method ?? (flags.data !== undefined ? 'POST' : undefined);
    if (method !== undefined) options.method = method;
    if (flags.data !== undefined) options.body = flags.data;
    if (flags.httpVersion !== undefined)
      options.httpVersion = flags.httpVersion as TargetOptions['httpVersion'];
    if (flags.maxRedirects !== undefined)
      options.maxRedirects = wholeNumber(flags.maxRedirects, '--max-redirects');
    const assert = {
      ...(flags.expectStatus !== undefined && { status: flags.expectStatus.split(',').map((s) => s.trim()) }),
      ...(flags.expectBody.length > 0 && { body: flags.expectBody.map((text) => ({ contains: text })) }),
      ...(flags.expectHeader.length > 0 && { headers: parseExpectHeaders(flags.expectHeader) }),
      ...(flags.expectJson.length > 0 && { json: flags.expectJson.map(parseExpectJson) }),
    };
    if (Object.keys(assert).length > 0) options.assert = assert;
  }
  return options;
}

export async function readCaBundle(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`--ca ${path}: cannot read the CA bundle (${reason})`);
  }
}

/** `300ms` caps total; `ttfb=200ms` caps one phase. Over the cap the result is degraded (LATENCY_HIGH). */
export function latencyThresholds(values: string[]): LatencyThresholds {
  const out: LatencyThresholds = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const phase = (eq === -1 ? 'total' : value.slice(0, eq)) as Phase;
    if (!PHASES.includes(phase)) {
      throw new UsageError(
        `--max-latency: unknown phase ${JSON.stringify(phase)} (use one of ${PHASES.join(', ')})`,
      );
    }
    out[phase] = positiveDuration(value.slice(eq + 1), '--max-latency');
  }
  return out;
}

/**
 * `--header 'Name: value'`, repeatable. Errors name the header's position, never its value: the value
 * may be a credential and the message is printed.
 */
export function parseHeaders(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  values.forEach((raw, i) => {
    const colon = raw.indexOf(':');
    const name = colon === -1 ? '' : raw.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) {
      throw new UsageError(`--header #${i + 1}: expected "Name: value" with a valid header name`);
    }
    out[name] = raw.slice(colon + 1).trim();
  });
  return out;
}

/** The values of secret-looking headers, and the credential after an auth scheme ("Bearer <token>"). */
export function headerSecrets(values: string[]): string[] {
  const out: string[] = [];
  for (const raw of values) {
    const colon = raw.indexOf(':');
    // Malformed: never printed by us, but scrub it whole in case anything else echoes it.
    if (colon === -1) {
      out.push(raw);
      continue;
    }
    if (!isSecretName(raw.slice(0, colon).trim())) continue;
    const value = raw.slice(colon + 1).trim();
    out.push(value);
    const credential = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (credential) out.push(credential);
  }
  return out;
}

/** `name:value` → the response header must contain value. */
function parseExpectHeaders(values: string[]): Record<string, { contains: string }> {
  const out: Record<string, { contains: string }> = {};
  for (const raw of values) {
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new UsageError(`--expect-header: ${JSON.stringify(raw)} is not "name:value"`);
    out[raw.slice(0, colon).trim()] = { contains: raw.slice(colon + 1).trim() };
  }
  return out;
}

/** `$.status=ok` → the JSON value at the path must equal "ok" (compared as a string). */
function parseExpectJson(raw: string): { path: string; match: { equals: string } } {
  const eq = raw.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(
      `--expect-json: ${JSON.stringify(raw)} is not "<json path>=<value>" (e.g. $.status=ok)`,
    );
  }
  return { path: raw.slice(0, eq).trim(), match: { equals: raw.slice(eq + 1) } };
}

/** An answer's presentation form exactly ("192.0.2.1"), or a regex between slashes ("/^10\\./"). */
function answerMatch(raw: string): { equals: string } | { regex: string } {
  return raw.length > 2 && raw.startsWith('/') && raw.endsWith('/')
    ? { regex: raw.slice(1, -1) }
    : { equals: raw };
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms <= 0) throw new UsageError(`${flag}: must be more than 0 ms`);
  return ms;
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a whole number`);
  return Number(text);
}

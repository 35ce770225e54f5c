/**
 * One plain sentence a responder can act on, from a non-up result and the triage steps run below its
 * failed layer (docs/errors.md "Diagnosis"). Pure: a stored finding (result + `triage`) re-derives the
 * same sentence, so replays and tests need no network.
 *
 * Shape: what is known fine below; what broke, naming the address, name or certificate; what to check.
 */
import { expiryLevel, expiryWords, soonestExpiring } from '../probes/cert-expiry.ts';
import { formatAddress } from '../probes/net-errors.ts';
import type { ProbeSpec, TlsOptions } from '../probes/spec.ts';
import type {
  ConnectAttempt,
  ErrorCode,
  Layer,
  NameserverResult,
  Phase,
  ProbeError,
  ProbeResult,
  TlsInfo,
  TriageStep,
} from '../probes/types.ts';
import { failedLayer } from './classify.ts';

/** Where a probe connects: the host as written (no brackets), its port, and TLS options when it speaks TLS. */
export interface Endpoint {
  host: string;
  port: number;
  tls: TlsOptions | undefined;
  /** The host is an IP literal: no DNS involved. */
  literal: boolean;
}

/** Endpoint of an HTTP or TCP spec; null for DNS specs (they talk to a resolver, not a service). */
export function endpointOf(spec: ProbeSpec): Endpoint | null {
  if (spec.kind === 'dns') return null;
  if (spec.kind === 'tcp') {
    return { host: spec.host, port: spec.port, tls: spec.tls, literal: isIpLiteral(spec.host) };
  }
  // An unparsable URL is the probe's to report (PROBE_ERROR); here it only means "no endpoint".
  if (!URL.canParse(spec.url)) return null;
  const url = new URL(spec.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const https = url.protocol === 'https:';
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  return { host, port, tls: https ? spec.tls : undefined, literal: isIpLiteral(host) };
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** A failure as seen by the probe or by a triage step: the sentence builders take either. */
interface Failure {
  code: ErrorCode;
  message: string;
  ms: number;
  attempts?: ConnectAttempt[];
  tls?: TlsInfo;
}

const LAYER_ORDER: Record<Layer, number> = { dns: 0, transport: 1, tls: 2, application: 3 };
const LAYER_NAME: Record<Layer, string> = { dns: 'DNS', transport: 'TCP', tls: 'TLS', application: 'HTTP' };

export function diagnose(
  spec: ProbeSpec,
  result: ProbeResult,
  steps: readonly TriageStep[] = result.triage ?? [],
): string | null {
  const layer = failedLayer(result);
  if (result.status === 'up' || result.error === null || layer === null) return null;
  const error = result.error;
  if (error.code === 'PROBE_ERROR') {
    return sentence(
      `netprobe's ${result.probe} probe failed internally (${error.message})`,
      'this is a netprobe bug, not the target: report it',
    );
  }
  if (error.code === 'LATENCY_HIGH') return slowSentence(spec, result);

  // A check below the failed layer that fails too is the root cause: a 503 means little if the
  // re-check cannot even connect.
  const root = rootCause(spec, steps, layer);
  if (root !== null) return layerSentence(spec, result, steps, root.layer, root.failure, true);
  return layerSentence(spec, result, steps, layer, failureOfResult(result), false);
}

function layerSentence(
  spec: ProbeSpec,
  result: ProbeResult,
  steps: readonly TriageStep[],
  layer: Layer,
  failure: Failure,
  fromTriage: boolean,
): string {
  const prefix = fineBelow(spec, result, steps, layer);
  const note = fromTriage ? ` (the probe itself reported ${result.error?.code})` : '';
  switch (layer) {
    case 'dns':
      return dnsSentence(spec, result, steps, failure);
    case 'transport':
      return transportSentence(spec, steps, failure, prefix, note);
    case 'tls':
      return tlsSentence(spec, failure, prefix, note);
    case 'application':
      return applicationSentence(spec, result, failure, prefix);
  }
}

function failureOfResult(result: ProbeResult): Failure {
  const error = result.error as ProbeError;
  const details = result.details;
  return {
    code: error.code,
    message: error.message,
    ms: result.timings.total,
    attempts: details.kind === 'tcp' ? details.attempts : undefined,
    tls: details.kind === 'dns' ? undefined : details.tls,
  };
}

function failureOfStep(step: TriageStep): Failure | null {
  if (step.status === 'up' || step.error === null) return null;
  return {
    code: step.error.code,
    message: step.error.message,
    ms: step.ms,
    attempts: step.attempts,
    tls: step.tls,
  };
}

/** The lowest failed check strictly below `layer`. DNS counts only through the system resolver, the path the probe took. */
function rootCause(
  spec: ProbeSpec,
  steps: readonly TriageStep[],
  layer: Layer,
): { layer: Layer; failure: Failure } | null {
  if (spec.kind === 'dns') return null;
  const below = steps
    .filter((s) => LAYER_ORDER[s.layer] < LAYER_ORDER[layer])
    .filter((s) => s.layer !== 'dns' || s.server === 'system')
    .sort((a, b) => LAYER_ORDER[a.layer] - LAYER_ORDER[b.layer]);
  for (const step of below) {
    // Degraded checks (an expiring certificate seen during triage) do not explain a hard failure above them.
    if (step.status !== 'down') continue;
    const failure = failureOfStep(step);
    if (failure !== null) return { layer: step.layer, failure };
  }
  return null;
}

/** "DNS fine (12 ms)", "DNS and TCP fine", "DNS, TCP and TLS fine", or "" when nothing below is known good. */
function fineBelow(spec: ProbeSpec, result: ProbeResult, steps: readonly TriageStep[], layer: Layer): string {
  const endpoint = endpointOf(spec);
  if (endpoint === null) return '';
  const fine: { name: string; ms: number | undefined }[] = [];
  const check = (l: Layer, phase: Phase, applies: boolean) => {
    if (!applies || LAYER_ORDER[l] >= LAYER_ORDER[layer]) return;
    const step = steps.find((s) => s.layer === l && (l !== 'dns' || s.server === 'system'));
    if (step !== undefined) {
      if (step.status === 'up') fine.push({ name: LAYER_NAME[l], ms: step.ms });
      return;
    }
    // Without triage, a phase the probe completed is evidence enough that its layer worked.
    const ms = result.timings[phase];
    if (ms !== undefined) fine.push({ name: LAYER_NAME[l], ms });
  };
  check('dns', 'dns', !endpoint.literal);
  check('transport', 'connect', true);
  check('tls', 'tls', endpoint.tls !== undefined);
  if (fine.length === 0) return '';
  if (fine.length === 1) {
    const only = fine[0] as { name: string; ms: number | undefined };
    return `${only.name} fine${only.ms === undefined ? '' : ` (${formatMs(only.ms)})`}`;
  }
  return `${listWords(fine.map((f) => f.name))} fine`;
}

// ---------------------------------------------------------------- DNS

function dnsSentence(
  spec: ProbeSpec,
  result: ProbeResult,
  steps: readonly TriageStep[],
  failure: Failure,
): string {
  const details = result.details;
  if (details.kind === 'dns' && details.nameservers !== undefined && isNameserverCode(failure.code)) {
    return nameserverSentence(details.nameservers, failure);
  }
  // Who answered for the probe: the query's server for a DNS probe, getaddrinfo for HTTP and TCP.
  const server = details.kind === 'dns' ? details.query.server : 'system';
  const who = server === 'system' ? 'the system resolver' : `resolver ${server}`;
  const question =
    spec.kind === 'dns' ? `${spec.name} ${spec.type}` : (endpointOf(spec)?.host ?? result.target);
  const what = dnsFailureWords(
    failure,
    who,
    question,
    details.kind === 'dns' ? details.query.rcode : undefined,
  );
  const others = steps.filter((s) => s.layer === 'dns' && s.server !== server);
  const compared = others.map((s) => otherResolverWords(s, question));
  const tcp53 = steps.find((s) => s.layer === 'transport' && spec.kind === 'dns');
  if (tcp53 !== undefined) compared.push(tcp53Words(tcp53));
  const otherOk = others.some((s) => s.status === 'up');
  return sentence([what, ...compared].join('; '), dnsAdvice(failure.code, who, otherOk, tcp53));
}

function dnsFailureWords(failure: Failure, who: string, question: string, rcode: string | undefined): string {
  const took = formatMs(failure.ms);
  switch (failure.code) {
    case 'DNS_NXDOMAIN':
    case 'DNS_SERVFAIL':
    case 'DNS_REFUSED':
      return `${who} answered ${rcode ?? failure.code.slice(4)} for ${question} (${took})`;
    case 'DNS_TIMEOUT':
      return `${who} did not answer for ${question} within ${took}`;
    case 'DNS_NO_ANSWER':
      return `${who} has no record for ${question} (NOERROR, empty answer)`;
    default:
      return failure.message;
  }
}

function otherResolverWords(step: TriageStep, question: string): string {
  const who = step.server === 'system' ? 'the system resolver' : `resolver ${step.server ?? step.target}`;
  if (step.status === 'up') {
    const found =
      step.addresses !== undefined && step.addresses.length > 0 ? step.addresses.join(', ') : 'an answer';
    return `${who} resolves ${question} to ${found} (${formatMs(step.ms)})`;
  }
  const why =
    step.rcode !== undefined && step.rcode !== 'NOERROR' ? step.rcode : (step.error?.code ?? 'failure');
  return `${who} fails too (${why})`;
}

function tcp53Words(step: TriageStep): string {
  const where = step.target.replace(/^tcp:\/\//, '');
  if (step.status === 'up') return `TCP to ${where} connects (${formatMs(step.ms)}), so the host is up`;
  if (step.error?.code === 'TCP_REFUSED') return `TCP to ${where} is refused, so nothing listens there`;
  if (step.error?.code === 'TCP_TIMEOUT') return `TCP to ${where} times out too, so packets are dropped`;
  return `TCP to ${where} fails too (${step.error?.code ?? 'failure'})`;
}

function dnsAdvice(code: ErrorCode, who: string, otherOk: boolean, tcp53: TriageStep | undefined): string {
  // Nothing listening on TCP either is the most specific clue there is.
  if (code === 'DNS_TIMEOUT' && tcp53?.error?.code === 'TCP_REFUSED') {
    return `check that the DNS service on ${who} is running`;
  }
  if (otherOk) return `only ${who} fails: check that resolver, its zone data or its cache`;
  switch (code) {
    case 'DNS_NXDOMAIN':
      return 'check that the record exists and the zone is delegated';
    case 'DNS_SERVFAIL':
      return "check the zone's authoritative servers and its DNSSEC signatures";
    case 'DNS_REFUSED':
      return `check that ${who} allows queries from here (ACL, recursion) and serves this zone`;
    case 'DNS_TIMEOUT':
      return `check that ${who} is up and that UDP/TCP 53 reach it (security group, NACL)`;
    case 'DNS_NO_ANSWER':
      return 'add the record, or check the record type';
    default:
      return 'check the record (a recent change, or a stale cache?)';
  }
}

function isNameserverCode(code: ErrorCode): boolean {
  return code === 'DNS_NS_TIMEOUT' || code === 'DNS_NS_DISAGREE' || code === 'DNS_SERIAL_MISMATCH';
}

/** NS host names as people say them: without the root's trailing dot. */
function nsName(ns: NameserverResult): string {
  return ns.nameserver.endsWith('.') ? ns.nameserver.slice(0, -1) : ns.nameserver;
}

/** The guide's "primary NS timeout, secondary responding, SOA stale". */
function nameserverSentence(nameservers: NameserverResult[], failure: Failure): string {
  const silent = nameservers.filter((ns) => ns.error?.code === 'DNS_TIMEOUT').map((ns) => nsName(ns));
  const serials = nameservers.filter((ns) => ns.soaSerial !== undefined) as (NameserverResult & {
    soaSerial: number;
  })[];
  const newest = Math.max(...serials.map((ns) => ns.soaSerial));
  const stale = serials.filter((ns) => ns.soaSerial < newest).map((ns) => nsName(ns));
  const parts: string[] = [];
  if (silent.length > 0)
    parts.push(`${plural(silent, 'Nameserver', 'Nameservers')} ${listWords(silent)} timed out`);
  if (stale.length > 0) {
    const bySerial = serials.map((ns) => `${nsName(ns)} ${ns.soaSerial}`).join(', ');
    parts.push(`SOA serials differ (${bySerial})`);
    return sentence(
      parts.join('; '),
      `${listWords(stale)} ${stale.length === 1 ? 'is' : 'are'} stale: check zone transfers from the primary`,
    );
  }
  if (failure.code === 'DNS_NS_DISAGREE') {
    const answers = nameservers
      .filter((ns) => ns.error === undefined)
      .map((ns) => `${nsName(ns)} says ${ns.answers.map((a) => a.data).join(', ') || 'nothing'}`);
    parts.push(`nameservers disagree: ${answers.join('; ')}`);
    return sentence(parts.join('; '), 'check which copy of the zone is current and resync the others');
  }
  const answering = nameservers.filter((ns) => ns.error === undefined).map((ns) => nsName(ns));
  if (answering.length > 0) parts.push(`${listWords(answering)} answered`);
  if (parts.length === 0) parts.push(failure.message);
  return sentence(
    parts.join(', '),
    `check ${silent.length > 0 ? listWords(silent) : 'the nameservers'} and that UDP/TCP 53 reach them`,
  );
}

// ---------------------------------------------------------------- transport

/** How a connect failure reads for one address (`one`) and for several (`many … on both addresses`). */
const CONNECT_WORDS: Partial<
  Record<ErrorCode, { one: (where: string) => string; many: string; advice: string }>
> = {
  TCP_REFUSED: {
    one: (where) => `connect refused by ${where}`,
    many: 'connect refused',
    advice: 'check the listener or security group',
  },
  TCP_TIMEOUT: {
    one: (where) => `connect to ${where} timed out`,
    many: 'connect timed out',
    advice: 'packets are dropped: check security groups, NACLs and routes',
  },
  TCP_UNREACHABLE: {
    one: (where) => `${where} unreachable`,
    many: 'unreachable',
    advice: "check routes and the subnet's route table",
  },
  TCP_RESET: {
    one: (where) => `connection reset by ${where}`,
    many: 'connection reset',
    advice: 'check the service and any load balancer in front of it',
  },
};

function transportSentence(
  spec: ProbeSpec,
  steps: readonly TriageStep[],
  failure: Failure,
  prefix: string,
  note: string,
): string {
  const words = CONNECT_WORDS[failure.code];
  const endpoint = endpointOf(spec);
  // The re-check connects to every address; the probe itself may have tried only the first.
  const recheck = steps.find((s) => s.layer === 'transport');
  const attempts = recheck?.attempts ?? failure.attempts ?? [];
  const failed = attempts.filter((a) => a.error !== undefined);
  const ok = attempts.filter((a) => a.error === undefined);
  if (words === undefined || endpoint === null || attempts.length === 0) {
    return sentence(
      joinParts(prefix, failure.message + note),
      words?.advice ?? 'check the path to the target',
    );
  }
  if (failed.length === 0) {
    const what = `${failure.message} during the probe, but every address accepted a connection on re-check`;
    return sentence(joinParts(prefix, what), "intermittent: check the listener's health and backlog");
  }
  const where = failed.map((a) => formatAddress(a.address, a.port));
  const sameCode = failed.every((a) => a.error?.code === failure.code);
  let what: string;
  if (failed.length === 1) what = words.one(where[0] as string);
  else if (sameCode)
    what = `${words.many} on ${failed.length === 2 ? 'both' : `all ${failed.length}`} addresses (${where.join(', ')})`;
  else what = failed.map((a) => `${formatAddress(a.address, a.port)}: ${a.error?.code}`).join(', ');
  if (ok.length > 0) {
    const good = ok.map(
      (a) => `${formatAddress(a.address, a.port)} connected in ${formatMs(a.connectMs ?? 0)}`,
    );
    return sentence(
      joinParts(prefix, `${what}${note}; ${good.join(', ')}`),
      `${words.advice} on the failing address, or take it out of DNS`,
    );
  }
  return sentence(joinParts(prefix, what + note), words.advice);
}

// ---------------------------------------------------------------- TLS

function tlsSentence(spec: ProbeSpec, failure: Failure, prefix: string, note: string): string {
  const endpoint = endpointOf(spec);
  const name = endpoint?.tls?.serverName ?? endpoint?.host ?? '';
  const cert = failure.tls?.certificate;
  if (cert !== undefined) {
    // Expiry follows the chain's first certificate to lapse, which may be an intermediate: name it.
    const soonest = soonestExpiring(failure.tls ?? {}) ?? { certificate: cert, depth: 0 };
    const lapsing =
      soonest.depth === 0
        ? `Certificate for ${name}`
        : `Intermediate certificate ${soonest.certificate.subject} in the chain served for ${name}`;
    const { daysLeft } = soonest.certificate;
    const date = soonest.certificate.notAfter.slice(0, 10);
    switch (failure.code) {
      case 'TLS_CERT_EXPIRED':
        return sentence(`${lapsing} ${expiryWords(daysLeft)} (notAfter ${date})${note}`, 'renew it');
      case 'TLS_CERT_EXPIRING': {
        // The prober's own rule, so "renew it now" appears exactly when its message says "critical".
        const critical = endpoint?.tls !== undefined && expiryLevel(daysLeft, endpoint.tls) === 'critical';
        return sentence(
          `${lapsing} ${expiryWords(daysLeft)} (notAfter ${date})`,
          critical ? 'renew it now' : 'renew it',
        );
      }
      case 'TLS_HOSTNAME_MISMATCH':
        return sentence(
          `Certificate served for ${name} covers ${cert.sans.length > 0 ? cert.sans.join(', ') : cert.subject}, not ${name}${note}`,
          `reissue it with ${name} as a subjectAltName, or fix the routing that sends ${name} there`,
        );
      case 'TLS_CERT_UNTRUSTED':
        return sentence(
          `${failure.message} (issuer ${cert.issuer})${note}`,
          'serve the full chain from a trusted CA, or trust its CA with --ca',
        );
      default:
        break;
    }
  }
  return sentence(
    joinParts(prefix, failure.message + note),
    "check the TLS listener's certificate, protocols and ciphers",
  );
}

// ---------------------------------------------------------------- application

function applicationSentence(spec: ProbeSpec, result: ProbeResult, failure: Failure, prefix: string): string {
  const details = result.details;
  const took = formatMs(result.timings.total);
  if (details.kind !== 'http') {
    const where = endpointOf(spec);
    const service = where === null ? result.target : formatAddress(where.host, where.port);
    return sentence(joinParts(prefix, failure.message), `check the service on ${service}`);
  }
  const status = details.statusCode;
  const via = details.cdn === undefined ? '' : cdnWords(details.cdn);
  switch (failure.code) {
    case 'HTTP_STATUS': {
      const advice =
        status !== undefined && status >= 500
          ? via === ''
            ? 'check the application'
            : 'check the origin behind the CDN'
          : status !== undefined && status >= 400
            ? 'check the URL, method and credentials'
            : 'check the redirect target or the accepted status list';
      return sentence(
        joinParts(prefix, `server answered ${status ?? 'an unexpected status'} after ${took}${via}`),
        advice,
      );
    }
    case 'HTTP_TIMEOUT': {
      const what =
        result.timings.ttfb === undefined
          ? `no response within ${took} of starting the probe`
          : `the body was still arriving after ${took}`;
      return sentence(joinParts(prefix, what + via), 'check the application: it is hung or overloaded');
    }
    case 'HTTP_TOO_MANY_REDIRECTS': {
      // Hops that repeat are a loop: name the URLs it cycles through, once each.
      const urls = details.redirects.map((hop) => hop.url);
      const cycle = [...new Set(urls)];
      const loop = cycle.length < urls.length ? `; it loops between ${listWords(cycle)}` : '';
      return sentence(joinParts(prefix, failure.message + loop), 'check the redirect rules');
    }
    case 'HTTP_BODY_TOO_LARGE':
      return sentence(
        joinParts(prefix, failure.message),
        "check the endpoint, or raise the monitor's maxBodyBytes",
      );
    case 'HTTP_PROTOCOL_ERROR': {
      const where = endpointOf(spec);
      const target = where === null ? result.target : formatAddress(where.host, where.port);
      return sentence(
        joinParts(prefix, failure.message),
        `check that ${target} serves HTTP, and any proxy in front of it`,
      );
    }
    default: {
      const answered = status === undefined ? '' : `server answered ${status} but `;
      return sentence(
        joinParts(prefix, answered + failure.message + via),
        "check the application's response",
      );
    }
  }
}

function cdnWords(cdn: NonNullable<Extract<ProbeResult['details'], { kind: 'http' }>['cdn']>): string {
  const provider = cdn.provider ?? 'the CDN';
  return ` through ${provider} (cache ${cdn.cache}${cdn.pop === undefined ? '' : ` at ${cdn.pop}`})`;
}

// ---------------------------------------------------------------- latency

const SLOW_ADVICE: Record<Phase, string> = {
  dns: "check the resolver's load and the path to it",
  connect: 'check the network path (latency, packet loss, a saturated listener backlog)',
  tls: 'check TLS termination (CPU, certificate chain size, OCSP)',
  ttfb: "check the application's response time",
  transfer: 'check the response size and the bandwidth to it',
  total: 'check the slowest phase',
};

function slowSentence(spec: ProbeSpec, result: ProbeResult): string {
  const thresholds = spec.thresholds;
  const order: Phase[] = ['dns', 'connect', 'tls', 'ttfb', 'transfer', 'total'];
  const crossed = order.find((p) => {
    const limit = thresholds[p];
    const took = result.timings[p];
    return limit !== undefined && took !== undefined && took > limit;
  });
  if (crossed === undefined) {
    return sentence(`Works but slow: ${(result.error as ProbeError).message}`, SLOW_ADVICE.total);
  }
  const took = result.timings[crossed] as number;
  const limit = thresholds[crossed] as number;
  const label = spec.kind === 'dns' && crossed === 'dns' ? 'query' : crossed;
  let advice = SLOW_ADVICE[crossed];
  if (crossed === 'total') {
    const slowest = order
      .filter((p) => p !== 'total' && result.timings[p] !== undefined)
      .sort((a, b) => (result.timings[b] ?? 0) - (result.timings[a] ?? 0))[0];
    if (slowest !== undefined)
      advice = `${SLOW_ADVICE[slowest]} (${slowest} took ${formatMs(result.timings[slowest] ?? 0)})`;
  }
  return sentence(
    `Works but slow: ${label} took ${formatMs(took)}, over the ${formatMs(limit)} threshold`,
    advice,
  );
}

// ---------------------------------------------------------------- words

/** 0.4 ms, 12 ms, 2.1 s: the precision a responder reads at a glance. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

function plural(items: unknown[], one: string, many: string): string {
  return items.length === 1 ? one : many;
}

/** "a", "a and b", "a, b and c". */
function listWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function joinParts(prefix: string, what: string): string {
  return prefix === '' ? what : `${prefix}; ${what}`;
}

/** "<finding>; <advice>." with a capital first letter, as one sentence. */
function sentence(finding: string, advice: string): string {
  const text = `${finding}; ${advice}.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The DNS layer's sentence: which resolver or nameserver failed, what the others said, what to check. */
import type { ProbeSpec } from '../../probes/spec.ts';
import type {
  DnsQueryResult,
  ErrorCode,
  NameserverResult,
  ProbeResult,
  TriageStep,
} from '../../probes/types.ts';
import { endpointOf } from './endpoint.ts';
import type { Failure } from './failure.ts';
import { formatMs, listWords, plural, sentence } from './words.ts';

export function dnsSentence(
  spec: ProbeSpec,
  result: ProbeResult,
  steps: readonly TriageStep[],
  failure: Failure,
): string {
  const details = result.details;
  if (details.kind === 'dns' && details.nameservers !== undefined) {
    if (isNameserverCode(failure.code)) return nameserverSentence(details.nameservers, failure);
    // The resolver found the zone and its nameservers, so it is not the one that failed to answer.
    if (noNameserverAnswered(details.nameservers)) {
      return unansweredSentence(spec, details.query, details.nameservers, details.zone);
    }
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
    case 'DNS_DNSSEC_INVALID':
      return "re-sign the zone (check the signer's clock and key rollover), or publish the signing key";
    case 'DNS_DNSSEC_EXPIRING':
      return 'check that the signer re-signs the zone before the signatures expire';
    default:
      return 'check the record (a recent change, or a stale cache?)';
  }
}

function isNameserverCode(code: ErrorCode): boolean {
  return code === 'DNS_NS_TIMEOUT' || code === 'DNS_NS_DISAGREE' || code === 'DNS_SERIAL_MISMATCH';
}

/** Where nameservers listen (RFC 1035 §4.2), and where authoritative mode asks them without nsPort. */
const NAMESERVER_PORT = 53;

function noNameserverAnswered(nameservers: readonly NameserverResult[]): boolean {
  return nameservers.length > 0 && nameservers.every((ns) => ns.rcode === undefined);
}

/**
 * Authoritative mode where the resolver answered and no nameserver did: names where each one was
 * asked (address and port, as error.message does) and the port to check, not the resolver.
 */
function unansweredSentence(
  spec: ProbeSpec,
  query: DnsQueryResult,
  nameservers: readonly NameserverResult[],
  zone: string | undefined,
): string {
  const port = spec.kind === 'dns' ? (spec.nsPort ?? NAMESERVER_PORT) : NAMESERVER_PORT;
  const where = nameservers.map((ns) =>
    ns.address === undefined ? `${nsName(ns)} (no address)` : `${nsName(ns)} at ${ns.server}`,
  );
  const resolver = `resolver ${query.server} found them${query.queryTimeMs === undefined ? '' : ` (${formatMs(query.queryTimeMs)})`}`;
  const what = `no nameserver of ${zone === undefined ? 'the zone' : zone.replace(/\.$/, '')} answered: ${where.join(', ')}; ${resolver}`;
  const advice =
    port === NAMESERVER_PORT
      ? 'check that they are up and that UDP/TCP 53 reach them (nameservers of a lab on another port: nsPort)'
      : `check that they are up and listen on port ${port} (nsPort)`;
  return sentence(what, advice);
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

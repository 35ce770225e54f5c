/**
 * Authoritative mode: ask every nameserver of the zone directly, the way `dig +nssearch` does, to catch
 * what a recursive answer hides: a dead nameserver, a secondary serving a stale zone (SOA serial behind),
 * nameservers giving different answers.
 *
 * 1. Zone apex: ask SOA for the name through the configured server, walking up one label at a time; a
 *    negative answer's authority-section SOA names the apex at once (RFC 2308 §3).
 * 2. NS set of the apex, then each nameserver's address (A, else AAAA), all through the configured server.
 * 3. Every nameserver, in parallel and with RD=0: the name/type, and the zone SOA for its serial.
 *    Nameservers are asked on port 53, where nameservers listen, not on the configured server's port
 *    (a resolver on 15353 says nothing of where the zone's nameservers are); `nsPort` moves them for
 *    labs (several nameservers on 127.0.0.2/.3 sharing one ephemeral port).
 * 4. Verdict (judgeNameservers).
 */

import { checkDnssec, DEFAULT_DNSSEC_WARN_DAYS } from './dns-dnssec.ts';
import { evaluateResponse, rcodeErrorCode } from './dns-evaluate.ts';
import { canonicalName, fqdn } from './dns-rdata.ts';
import { ask, type Upstream } from './dns-upstream.ts';
import { exchange, type WireResponse } from './dns-wire.ts';
import type { DnsSpec } from './spec.ts';
import { guardFor } from './tcp.ts';
import type { ConnectGuard, DnsQueryResult, NameserverResult, ProbeError, Status } from './types.ts';

export interface Verdict {
  status: Exclude<Status, 'up'>;
  error: ProbeError;
}

export interface AuthoritativeOutcome {
  zone?: string;
  nameservers?: NameserverResult[];
  /** null when every nameserver answered, passed the assertions and agreed. */
  verdict: Verdict | null;
}

function down(error: ProbeError): AuthoritativeOutcome {
  return { verdict: { status: 'down', error } };
}

/** Why a response is unusable for the discovery steps: no answer, or an error rcode. */
function discoveryError(r: DnsQueryResult, what: string): ProbeError | undefined {
  if (r.error) return { code: r.error.code, message: `${what}: ${r.error.message}` };
  const code = r.rcode ? rcodeErrorCode(r.rcode) : undefined;
  return code ? { code, message: `${what}: ${r.server} answered ${r.rcode}` } : undefined;
}

/** The SOA owner that proves `candidate` belongs to a zone: in the answer, or in the authority section. */
function apexFrom(response: WireResponse, candidate: string): string | undefined {
  const packet = response.packet;
  if (!packet) return undefined;
  const own = packet.answers?.find((a) => a.type === 'SOA' && canonicalName(a.name) === candidate);
  if (own) return candidate;
  const authority = packet.authorities?.find((a) => a.type === 'SOA');
  if (!authority) return undefined;
  const owner = canonicalName(authority.name);
  return candidate === owner || candidate.endsWith(`.${owner}`) ? owner : undefined;
}

async function findApex(
  spec: DnsSpec,
  upstream: Upstream,
): Promise<{ apex: string } | { error: ProbeError }> {
  const labels = canonicalName(spec.name).split('.');
  let lastError: ProbeError | undefined;
  // Down to the top-level domain: the root zone is never the one being monitored.
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join('.');
    const response = await ask(upstream, candidate, 'SOA', spec.recursionDesired);
    const apex = apexFrom(response, candidate);
    if (apex !== undefined) return { apex };
    lastError = discoveryError(response.result, `looking for the zone of ${spec.name} (SOA ${candidate})`);
    // Without an answer there is no point walking up: the server is not responding.
    if (response.result.error) return { error: lastError as ProbeError };
  }
  return {
    error: lastError ?? {
      code: 'DNS_NO_ANSWER',
      message: `no SOA record found for ${spec.name} or any parent domain`,
    },
  };
}

/** First address of a nameserver through the configured server: A, then AAAA. */
async function nameserverAddress(
  upstream: Upstream,
  nameserver: string,
  recursionDesired: boolean,
): Promise<{ address: string } | { error: ProbeError }> {
  let error: ProbeError | undefined;
  for (const type of ['A', 'AAAA'] as const) {
    const { result } = await ask(upstream, nameserver, type, recursionDesired);
    const found = result.answers.find((a) => a.type === type);
    if (found) return { address: found.data };
    error = discoveryError(result, `address of nameserver ${nameserver}`);
    if (result.error) break;
  }
  return {
    error: error ?? { code: 'DNS_NO_ANSWER', message: `nameserver ${nameserver} has no A or AAAA record` },
  };
}

/**
 * A nameserver of the NS set that answers without AA does not serve the zone (a lame delegation):
 * its data comes from a cache at best. Resolvers give up on it, and a zone with only such servers
 * ends in SERVFAIL for its users, hence the code.
 */
function lameError(r: DnsQueryResult, apex: string): ProbeError | undefined {
  const definitive = r.rcode === 'NOERROR' || r.rcode === 'NXDOMAIN';
  if (r.error || !definitive || r.flags?.aa) return undefined;
  return {
    code: 'DNS_SERVFAIL',
    message: `${r.server} answered ${r.rcode} without AA: not authoritative for ${fqdn(apex)} (lame delegation)`,
  };
}

async function queryNameserver(
  spec: DnsSpec,
  upstream: Upstream,
  apex: string,
  nameserver: string,
  port: number,
  connectGuard: ConnectGuard | undefined,
): Promise<NameserverResult> {
  const located = await nameserverAddress(upstream, nameserver, spec.recursionDesired);
  if ('error' in located) {
    return { nameserver, server: nameserver, transport: 'udp', answers: [], error: located.error };
  }
  // The NS set and its addresses are whatever the zone's owner publishes: guarded like any target.
  const guard = guardFor(connectGuard, nameserver, 'nameserver');
  const server = { host: located.address, port, ...(guard ? { guard } : {}) };
  const dnssec = spec.dnssec === true;
  const [main, soa] = await Promise.all([
    exchange({
      server,
      name: spec.name,
      type: spec.type,
      recursionDesired: false,
      signal: upstream.signal,
      dnssec,
    }),
    exchange({ server, name: apex, type: 'SOA', recursionDesired: false, signal: upstream.signal }),
  ]);
  const soaRecord = soa.packet?.answers?.find((a) => a.type === 'SOA' && canonicalName(a.name) === apex);
  const soaSerial = soaRecord?.type === 'SOA' ? soaRecord.data.serial : undefined;
  const error = lameError(main.result, apex) ?? evaluateResponse(spec, main.result);
  // dnssec: this nameserver's signatures, against the DNSKEY set it serves itself.
  const signed =
    dnssec && !error && main.packet
      ? await checkDnssec(
          main.packet,
          spec.name,
          { ...upstream, servers: [server] },
          spec.dnssecWarnDays ?? DEFAULT_DNSSEC_WARN_DAYS,
          false,
        )
      : undefined;
  return {
    ...main.result,
    nameserver,
    address: located.address,
    ...(soaSerial !== undefined ? { soaSerial } : {}),
    ...(signed ? { dnssec: signed.info } : {}),
    ...(error ? { error } : {}),
  };
}

/** A nameserver and where it was asked, port included: the port is half of "did not answer there". */
function who(ns: NameserverResult): string {
  return ns.address ? `${ns.nameserver} (${ns.server})` : ns.nameserver;
}

/** A nameserver without an answer: silent at its address, or no address to ask at all. */
function unreached(ns: NameserverResult): string {
  return ns.address
    ? `${who(ns)} did not answer`
    : `${ns.nameserver} could not be located (${ns.error?.message})`;
}

/** What an answer says, TTLs aside: the sorted "TYPE data" list, so RRset order does not matter. */
function answerKey(ns: NameserverResult): string {
  return ns.answers
    .map((a) => `${a.type} ${a.data}`)
    .sort()
    .join(' | ');
}

/**
 * The verdict over all nameservers:
 * - none answered → down DNS_TIMEOUT (or the address-lookup error when no address could be found);
 * - every one that answered failed the assertions → down with the first one's code (NXDOMAIN, …);
 * - otherwise degraded, first of: DNS_NS_TIMEOUT (some silent), DNS_SERIAL_MISMATCH (SOA serials
 *   differ: a stale secondary explains a disagreement too), DNS_NS_DISAGREE (answers or verdicts
 *   differ); the message lists every problem found.
 */
export function judgeNameservers(zone: string, nameservers: NameserverResult[]): Verdict | null {
  const silent = nameservers.filter((ns) => ns.rcode === undefined);
  const answered = nameservers.filter((ns) => ns.rcode !== undefined);
  if (answered.length === 0) {
    const reasons = nameservers.map((ns) => `${who(ns)}: ${ns.error?.message ?? 'no answer'}`).join('; ');
    const anyAddress = nameservers.some((ns) => ns.address !== undefined);
    return {
      status: 'down',
      error: {
        code: anyAddress ? 'DNS_TIMEOUT' : (nameservers[0]?.error?.code ?? 'DNS_TIMEOUT'),
        message: `no nameserver of ${fqdn(zone)} answered: ${reasons}`,
      },
    };
  }
  const failing = answered.filter((ns) => ns.error !== undefined);
  const passing = answered.filter((ns) => ns.error === undefined);
  const first = failing[0];
  if (passing.length === 0 && first?.error) {
    const detail = failing.map((ns) => `${who(ns)}: ${ns.error?.message}`).join('; ');
    return {
      status: 'down',
      error: { code: first.error.code, message: `every nameserver that answered failed: ${detail}` },
    };
  }

  const problems: ProbeError[] = [];
  if (silent.length > 0) {
    problems.push({
      code: 'DNS_NS_TIMEOUT',
      message: `${silent.map(unreached).join(', ')}; ${passing.map(who).join(', ')} answered`,
    });
  }
  const withSerial = nameservers.filter((ns) => ns.soaSerial !== undefined);
  if (new Set(withSerial.map((ns) => ns.soaSerial)).size > 1) {
    problems.push({
      code: 'DNS_SERIAL_MISMATCH',
      message: `SOA serials of ${fqdn(zone)} differ: ${withSerial.map((ns) => `${ns.soaSerial} at ${ns.nameserver}`).join(', ')}`,
    });
  }
  const distinct = new Set(passing.map(answerKey));
  if (failing.length > 0 || distinct.size > 1) {
    const says = answered.map(
      (ns) => `${ns.nameserver}: ${ns.error ? ns.error.message : answerKey(ns) || 'no records'}`,
    );
    problems.push({ code: 'DNS_NS_DISAGREE', message: `nameservers disagree: ${says.join('; ')}` });
  }
  const [head] = problems;
  if (!head) return null;
  return {
    status: 'degraded',
    error: { code: head.code, message: problems.map((p) => p.message).join('; ') },
  };
}

export async function checkAuthoritative(
  spec: DnsSpec,
  upstream: Upstream,
  port: number,
  connectGuard?: ConnectGuard,
): Promise<AuthoritativeOutcome> {
  const found = await findApex(spec, upstream);
  if ('error' in found) return down(found.error);
  const { apex } = found;
  const zone = fqdn(apex);

  const { result } = await ask(upstream, apex, 'NS', spec.recursionDesired);
  const nsError = discoveryError(result, `NS records of ${zone}`);
  if (nsError) return { zone, ...down(nsError) };
  const names = [
    ...new Set(
      result.answers
        .filter((a) => a.type === 'NS' && canonicalName(a.name) === apex)
        .map((a) => a.data.toLowerCase()),
    ),
  ].sort();
  if (names.length === 0) {
    return {
      zone,
      ...down({ code: 'DNS_NO_ANSWER', message: `${zone} has no NS records at ${result.server}` }),
    };
  }

  const nameservers = await Promise.all(
    names.map((ns) => queryNameserver(spec, upstream, apex, ns, port, connectGuard)),
  );
  return { zone, nameservers, verdict: judgeNameservers(apex, nameservers) };
}

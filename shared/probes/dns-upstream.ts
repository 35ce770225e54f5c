/**
 * The server(s) a DNS check asks: the spec's server, or else the nameservers the system resolver is
 * configured with (node:dns getServers(), i.e. /etc/resolv.conf), queried with the same wire client so
 * rcode and flags are reported. Only when no nameserver is configured at all does the check fall back
 * to getaddrinfo (transport 'system'), which answers A/AAAA only, without TTL, rcode or flags.
 */
// The default export, not named imports: node:dns named exports are snapshots taken at load time and
// miss a later dns.setServers(); the module object always has the live configuration.
import dns from 'node:dns';
import { isIP, isIPv4 } from 'node:net';
import { fqdn } from './dns-rdata.ts';
import { exchange, type WireResponse, type WireServer } from './dns-wire.ts';
import type { DnsServer } from './spec.ts';
import type { DnsQueryResult, DnsRecordType, ErrorCode } from './types.ts';

export const DNS_PORT = 53;
/** Largest delay node timers accept (2^31-1 ms, ~24.8 days). */
const MAX_TIMER_MS = 0x7fffffff;

export interface Upstream {
  /** The spec's server (its address pinned, guarded) or the system's configured nameservers (exempt). */
  servers: WireServer[];
  signal: AbortSignal;
  /** performance.now() time at which `signal` fires. */
  deadline: number;
}

/** An AbortSignal firing after `ms`, for any number: timers only take whole, bounded, non-negative delays. */
export function timeoutSignal(ms: number): AbortSignal {
  const delay = Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(ms)));
  return AbortSignal.timeout(delay);
}

/** Parses node:dns getServers() entries: "10.0.0.2", "10.0.0.2:5353", "fd00::2", "[fd00::2]:5353". */
export function parseServerEntry(entry: string): DnsServer | undefined {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(entry);
  if (bracketed?.[1] && bracketed[2]) return { host: bracketed[1], port: Number(bracketed[2]) };
  if (isIP(entry)) return { host: entry, port: DNS_PORT };
  const withPort = /^(.+):(\d+)$/.exec(entry);
  if (withPort?.[1] && withPort[2] && isIPv4(withPort[1]))
    return { host: withPort[1], port: Number(withPort[2]) };
  return undefined;
}

export function systemNameservers(): DnsServer[] {
  return dns
    .getServers()
    .map(parseServerEntry)
    .filter((s): s is DnsServer => s !== undefined);
}

/** Worth asking the next configured server, as the libc stub resolver does (res_send). */
function tryNext(r: WireResponse): boolean {
  const rcode = r.result.rcode;
  return r.result.error !== undefined || rcode === 'SERVFAIL' || rcode === 'REFUSED';
}

/**
 * Asks the configured servers in order until one gives a usable answer; each gets an equal share of
 * the time left, so a dead first server still leaves time for the others. With one server (the usual
 * case, and always with spec.server) it simply gets the whole budget. Never throws.
 */
export async function ask(
  upstream: Upstream,
  name: string,
  type: DnsRecordType | 'DNSKEY',
  recursionDesired: boolean,
  dnssec = false,
): Promise<WireResponse> {
  const { servers } = upstream;
  let best: WireResponse | undefined;
  for (const [index, server] of servers.entries()) {
    const share = (upstream.deadline - performance.now()) / (servers.length - index);
    const signal =
      index === servers.length - 1
        ? upstream.signal
        : AbortSignal.any([upstream.signal, timeoutSignal(share)]);
    const response = await exchange({ server, name, type, recursionDesired, signal, dnssec });
    // An answer, even SERVFAIL, says more than a later server's silence.
    if (!best || best.result.error || !response.result.error) best = response;
    if (!tryNext(response) || upstream.signal.aborted) break;
  }
  return best ?? { result: { server: 'system', transport: 'system', answers: [], error: noServerError() } };
}

function noServerError(): { code: ErrorCode; message: string } {
  return { code: 'DNS_SERVFAIL', message: 'no nameserver configured (node:dns getServers() is empty)' };
}

/** getaddrinfo error codes (as node:dns reports them) → probe error codes. */
function lookupErrorCode(code: string | undefined): ErrorCode {
  switch (code) {
    case 'ENOTFOUND':
    case 'ENODATA':
      return 'DNS_NXDOMAIN';
    case 'EAI_AGAIN':
    case 'ETIMEOUT':
      return 'DNS_TIMEOUT';
    default:
      return 'DNS_SERVFAIL';
  }
}

/**
 * The fallback when no nameserver is configured: getaddrinfo through the OS (nsswitch, /etc/hosts).
 * It cannot be cancelled, so an abort returns at once and the lookup finishes unobserved.
 */
export async function askSystem(
  name: string,
  type: DnsRecordType,
  signal: AbortSignal,
): Promise<DnsQueryResult> {
  const base = { server: 'system', transport: 'system' as const, answers: [] };
  if (type !== 'A' && type !== 'AAAA') {
    return {
      ...base,
      error: {
        ...noServerError(),
        message: `${noServerError().message}: the OS resolver only answers A/AAAA`,
      },
    };
  }
  const start = performance.now();
  let onAbort = (): void => {};
  const aborted = new Promise<DnsQueryResult>((resolve) => {
    onAbort = () =>
      resolve({
        ...base,
        error: {
          code: 'DNS_TIMEOUT',
          message: `system resolver gave no answer after ${Math.round(performance.now() - start)} ms`,
        },
      });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const looked = dns.promises.lookup(name, { all: true, family: type === 'A' ? 4 : 6 }).then(
    (addresses): DnsQueryResult => ({
      ...base,
      rcode: 'NOERROR',
      // getaddrinfo reports no TTL: 0 here, and minTtl assertions refuse to judge it.
      answers: addresses.map((a) => ({ name: fqdn(name), type, ttl: 0, data: a.address })),
      queryTimeMs: performance.now() - start,
    }),
    (err: NodeJS.ErrnoException): DnsQueryResult => ({
      ...base,
      error: {
        code: lookupErrorCode(err.code),
        message: `system resolver: ${name} ${type}: ${err.code ?? err.message}`,
      },
    }),
  );
  try {
    return await Promise.race([looked, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

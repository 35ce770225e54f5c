/**
 * Layered triage (the guide's OSI flow, docs/errors.md "Triage"): after a non-up result, which layers
 * below the one that failed to check, and what each check's outcome says. Pure: this module plans the
 * checks as data and reads their results; shared/engine/triage.ts runs them (real probes, one small
 * budget, never past the caller's deadline).
 *
 *   HTTP / TCP failure: resolve the host through the system resolver (getaddrinfo, what the probe used)
 *     and by a direct query to the configured resolver; connect to every resolved address; the TLS
 *     handshake when the failure is above TLS.
 *   DNS failure: ask the other resolver (the system's when the spec names a server, getaddrinfo when it
 *     does not); after a timeout from a named server, try TCP to it (is anything there at all?).
 */
import { formatAddress } from '../probes/net-errors.ts';
import type { DnsServer, DnsSpec, ProbeSpec, TcpSpec, TlsOptions } from '../probes/spec.ts';
import type { DnsQueryResult, DnsRecordType, Layer, ProbeResult, TriageStep } from '../probes/types.ts';
import { failedLayer } from './classify.ts';
import { type Endpoint, endpointOf } from './diagnosis/endpoint.ts';

export interface TriagePlanOptions {
  /** What every check may take (the engine's budget, already capped by the caller's deadline). */
  budgetMs: number;
  /**
   * The resolver for direct queries. Default: the system's configured nameservers (/etc/resolv.conf).
   * An empty list skips direct queries.
   */
  resolvers?: DnsServer[];
}

/**
 * One check the engine runs for the domain: probes run at once whose results the domain reads into
 * steps, or a getaddrinfo lookup (how every client on the host resolves) read the same way.
 */
export type TriageCheck =
  | { run: 'probes'; specs: ProbeSpec[]; read: (results: ProbeResult[]) => TriageStep[] }
  | {
      run: 'system-lookup';
      name: string;
      type: DnsRecordType;
      read: (answer: DnsQueryResult, ms: number) => TriageStep[];
    };

const LAYER_ORDER: Record<Layer, number> = { dns: 0, transport: 1, tls: 2, application: 3 };
/** Codes whose evidence is already in the details: nameservers asked, or signatures checked. */
const NAMESERVER_CODES = new Set([
  'DNS_NS_TIMEOUT',
  'DNS_NS_DISAGREE',
  'DNS_SERIAL_MISMATCH',
  'DNS_DNSSEC_INVALID',
  'DNS_DNSSEC_EXPIRING',
]);

/** The checks below `result`'s failed layer; empty when up or nothing to check. */
export function planTriage(spec: ProbeSpec, result: ProbeResult, opts: TriagePlanOptions): TriageCheck[] {
  const layer = failedLayer(result);
  if (layer === null) return [];
  return spec.kind === 'dns' ? dnsChecks(spec, result, opts) : serviceChecks(spec, layer, opts);
}

/** Bottom-up, as a responder reads them: DNS, then transport, TLS, application. */
export function orderSteps(steps: readonly TriageStep[]): TriageStep[] {
  return [...steps].sort((a, b) => LAYER_ORDER[a.layer] - LAYER_ORDER[b.layer]);
}

// ---------------------------------------------------------------- HTTP and TCP

function serviceChecks(spec: ProbeSpec, layer: Layer, opts: TriagePlanOptions): TriageCheck[] {
  const endpoint = endpointOf(spec);
  if (endpoint === null) return [];
  const checks: TriageCheck[] = [];
  const directResolver = opts.resolvers === undefined ? undefined : opts.resolvers[0];
  // The system's resolvers cannot know a special-use name (/etc/hosts, mDNS or a lab serve it):
  // their NXDOMAIN for it would be evidence against a name that is fine. Named resolvers are asked.
  const askable = opts.resolvers !== undefined || publicName(endpoint.host);
  if (!endpoint.literal && askable && !(opts.resolvers !== undefined && directResolver === undefined)) {
    checks.push(directQuery(endpoint.host, directResolver, opts.budgetMs));
  }
  // A name that does not resolve leaves nothing to connect to: the comparison of resolvers is the triage.
  if (layer === 'dns') return checks;
  checks.push(connectEveryAddress(endpoint, opts.budgetMs));
  if (endpoint.tls !== undefined && LAYER_ORDER[layer] > LAYER_ORDER.tls)
    checks.push(tlsHandshake(endpoint, endpoint.tls, opts.budgetMs));
  return checks;
}

/** Special-use names no public resolver answers for (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal). */
const NON_PUBLIC_SUFFIXES = ['localhost', 'local', 'test', 'invalid', 'internal', 'home.arpa', 'lan'];

/** A name a public resolver can know: more than one label, and not under a special-use suffix. */
export function publicName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!name.includes('.')) return false;
  return !NON_PUBLIC_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/** One tcp probe to every address: its resolve phase is the system-resolver check, its attempts the connect check. */
function connectEveryAddress(endpoint: Endpoint, budgetMs: number): TriageCheck {
  const spec = tcpSpec(endpoint, budgetMs, { allAddresses: true });
  return { run: 'probes', specs: [spec], read: ([r]) => readConnect(endpoint, r) };
}

function readConnect(endpoint: Endpoint, r: ProbeResult | undefined): TriageStep[] {
  if (r?.details.kind !== 'tcp') return [];
  const steps: TriageStep[] = [];
  const dnsFailed = r.layer === 'dns';
  if (!endpoint.literal) {
    steps.push({
      layer: 'dns',
      check: 'system resolver (getaddrinfo)',
      target: `dns:${endpoint.host}`,
      server: 'system',
      status: dnsFailed ? 'down' : 'up',
      ms: r.timings.dns ?? r.timings.total,
      error: dnsFailed ? r.error : null,
      addresses: r.details.addresses,
    });
  }
  if (dnsFailed) return steps;
  const attempts = r.details.attempts;
  const failed = attempts.filter((a) => a.error !== undefined);
  // Down only when no address connects: one bad address of several is a warning, not a root cause.
  const status =
    attempts.length === 0 || failed.length === attempts.length
      ? 'down'
      : failed.length > 0
        ? 'degraded'
        : 'up';
  steps.push({
    layer: 'transport',
    check: 'connect to every address',
    target: r.target,
    status,
    ms: r.timings.connect ?? r.timings.total,
    error: status === 'up' ? null : (failed[0]?.error ?? r.error),
    attempts,
  });
  return steps;
}

function tlsHandshake(endpoint: Endpoint, tls: TlsOptions, budgetMs: number): TriageCheck {
  const spec = tcpSpec(endpoint, budgetMs, { allAddresses: false, tls });
  return { run: 'probes', specs: [spec], read: ([r]) => readHandshake(r) };
}

function readHandshake(r: ProbeResult | undefined): TriageStep[] {
  if (r?.details.kind !== 'tcp') return [];
  // Failed below TLS: the connect check already says why; this check learned nothing about TLS.
  if (r.status === 'down' && r.layer !== 'tls') return [];
  return [
    {
      layer: 'tls',
      check: 'TLS handshake',
      target: r.target,
      status: r.status,
      ms: r.timings.tls ?? r.timings.total,
      error: r.error,
      tls: r.details.tls,
    },
  ];
}

function tcpSpec(
  endpoint: Endpoint,
  timeoutMs: number,
  extra: Pick<TcpSpec, 'allAddresses' | 'tls'>,
): TcpSpec {
  return { kind: 'tcp', host: endpoint.host, port: endpoint.port, timeoutMs, thresholds: {}, ...extra };
}

/** A and AAAA straight to a resolver (not getaddrinfo): does DNS itself agree with what the host sees? */
function directQuery(host: string, server: DnsServer | undefined, budgetMs: number): TriageCheck {
  const specs = (['A', 'AAAA'] as const).map((type) => dnsSpec(host, type, server, budgetMs));
  return { run: 'probes', specs, read: ([a, aaaa]) => readDirect(a, aaaa) };
}

function readDirect(a: ProbeResult | undefined, aaaa: ProbeResult | undefined): TriageStep[] {
  if (a === undefined || aaaa === undefined || a.details.kind !== 'dns' || aaaa.details.kind !== 'dns')
    return [];
  const addresses = [...addressesOf(a), ...addressesOf(aaaa)];
  const answered = addresses.length > 0;
  return [
    {
      layer: 'dns',
      check: `direct query to ${a.details.query.server}`,
      target: a.target,
      server: a.details.query.server,
      rcode: a.details.query.rcode,
      status: answered ? 'up' : 'down',
      ms: Math.max(a.timings.total, aaaa.timings.total),
      error: answered ? null : a.error,
      addresses,
    },
  ];
}

function addressesOf(r: ProbeResult): string[] {
  if (r.details.kind !== 'dns') return [];
  return r.details.query.answers.filter((x) => x.type === 'A' || x.type === 'AAAA').map((x) => x.data);
}

function dnsSpec(
  name: string,
  type: DnsRecordType,
  server: DnsServer | undefined,
  timeoutMs: number,
): DnsSpec {
  return {
    kind: 'dns',
    name,
    type,
    server,
    mode: 'recursive',
    recursionDesired: true,
    timeoutMs,
    assert: {},
    thresholds: {},
  };
}

// ---------------------------------------------------------------- DNS

function dnsChecks(spec: DnsSpec, result: ProbeResult, opts: TriagePlanOptions): TriageCheck[] {
  // Authoritative mode already asked every nameserver, and a DNSSEC check read the signatures: the
  // details are the triage (another resolver would not say more about a zone's signatures).
  if (result.error !== null && NAMESERVER_CODES.has(result.error.code)) return [];
  const checks: TriageCheck[] = [];
  if (spec.server !== undefined) {
    const other = opts.resolvers === undefined ? undefined : opts.resolvers[0];
    if (opts.resolvers === undefined || other !== undefined)
      checks.push(otherResolver(spec, other, opts.budgetMs));
    if (result.error?.code === 'DNS_TIMEOUT') checks.push(tcpToServer(spec.server, opts.budgetMs));
  } else if (spec.type === 'A' || spec.type === 'AAAA') {
    checks.push(systemLookup(spec));
  }
  return checks;
}

/** The same question to another resolver (the system's configured one unless `server` is given). */
function otherResolver(spec: DnsSpec, server: DnsServer | undefined, budgetMs: number): TriageCheck {
  const same = {
    ...dnsSpec(spec.name, spec.type, server, budgetMs),
    recursionDesired: spec.recursionDesired,
  };
  return { run: 'probes', specs: [same], read: ([r]) => readOther(r) };
}

function readOther(r: ProbeResult | undefined): TriageStep[] {
  if (r?.details.kind !== 'dns') return [];
  return [
    {
      layer: 'dns',
      check: `same query to ${r.details.query.server}`,
      target: r.target,
      server: r.details.query.server,
      rcode: r.details.query.rcode,
      status: r.status === 'down' ? 'down' : 'up',
      ms: r.timings.total,
      error: r.status === 'down' ? r.error : null,
      addresses: r.details.query.answers.map((x) => x.data),
    },
  ];
}

/** getaddrinfo, as every client on the host resolves: /etc/hosts, nsswitch, the stub resolver. */
function systemLookup(spec: DnsSpec): TriageCheck {
  return { run: 'system-lookup', name: spec.name, type: spec.type, read: (q, ms) => readSystem(spec, q, ms) };
}

function readSystem(spec: DnsSpec, q: DnsQueryResult, ms: number): TriageStep[] {
  return [
    {
      layer: 'dns',
      check: 'system resolver (getaddrinfo)',
      target: `dns:${spec.name}?type=${spec.type}`,
      server: 'system',
      rcode: q.rcode,
      status: q.error === undefined ? 'up' : 'down',
      ms,
      error: q.error ?? null,
      addresses: q.answers.map((x) => x.data),
    },
  ];
}

/** After a UDP timeout: does anything answer TCP on the resolver's port (RFC 7766 requires TCP)? */
function tcpToServer(server: DnsServer, budgetMs: number): TriageCheck {
  const endpoint: Endpoint = { host: server.host, port: server.port, tls: undefined, literal: true };
  const spec = tcpSpec(endpoint, budgetMs, { allAddresses: false });
  return { run: 'probes', specs: [spec], read: ([r]) => readTcpToServer(server, r) };
}

function readTcpToServer(server: DnsServer, r: ProbeResult | undefined): TriageStep[] {
  if (r === undefined) return [];
  return [
    {
      layer: 'transport',
      check: `TCP connect to ${formatAddress(server.host, server.port)}`,
      target: r.target,
      status: r.status === 'down' ? 'down' : 'up',
      ms: r.timings.connect ?? r.timings.total,
      error: r.status === 'down' ? r.error : null,
      attempts: r.details.kind === 'tcp' ? r.details.attempts : undefined,
    },
  ];
}

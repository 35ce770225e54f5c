/**
 * Layered triage (the guide's OSI flow, docs/errors.md "Triage"): after a non-up result, check the
 * layers below the one that failed with the real probes, so the diagnosis can say what is fine and
 * what is not. All checks run at once under one small budget (TRIAGE_BUDGET_MS, and never past the
 * caller's deadline), through runProbe, so triage cannot hang either. Never throws.
 *
 *   HTTP / TCP failure: resolve the host through the system resolver (getaddrinfo, what the probe used)
 *     and by a direct query to the configured resolver; connect to every resolved address; the TLS
 *     handshake when the failure is above TLS.
 *   DNS failure: ask the other resolver (the system's when the spec names a server, getaddrinfo when it
 *     does not); after a timeout from a named server, try TCP to it (is anything there at all?).
 */
import { askSystem } from '../probes/dns-upstream.ts';
import { type ProbeRegistry, runProbe } from '../probes/index.ts';
import { formatAddress } from '../probes/net-errors.ts';
import type { DnsServer, DnsSpec, ProbeSpec, TcpSpec, TlsOptions } from '../probes/spec.ts';
import type { DnsRecordType, Layer, ProbeResult, TriageStep } from '../probes/types.ts';
import { failedLayer } from './classify.ts';
import { type Endpoint, endpointOf } from './diagnosis.ts';

/** Upper bound on the whole triage: a responder wants the finding now, and a Lambda has a budget. */
export const TRIAGE_BUDGET_MS = 3000;
/** Below this, no check can say anything useful: skip triage rather than report timeouts of our own making. */
const MIN_TRIAGE_MS = 50;

export interface TriageOptions {
  /** The caller's budget (a Lambda's remaining time): aborting it ends every check. */
  signal?: AbortSignal;
  /** performance.now() time triage must end by. */
  deadline?: number;
  /** Default TRIAGE_BUDGET_MS. */
  budgetMs?: number;
  /**
   * The resolver for direct queries. Default: the system's configured nameservers (node:dns
   * getServers(), i.e. /etc/resolv.conf). An empty list skips direct queries.
   */
  resolvers?: DnsServer[];
  /** Probers to use instead of the registry's (tests). */
  probes?: ProbeRegistry;
}

const LAYER_ORDER: Record<Layer, number> = { dns: 0, transport: 1, tls: 2, application: 3 };
const NAMESERVER_CODES = new Set(['DNS_NS_TIMEOUT', 'DNS_NS_DISAGREE', 'DNS_SERIAL_MISMATCH']);

type Check = (run: Runner) => Promise<TriageStep[]>;

interface Runner {
  budgetMs: number;
  signal: AbortSignal | undefined;
  probe(spec: ProbeSpec): Promise<ProbeResult>;
}

/** The checks below `result`'s failed layer, bottom-up; empty when up, out of time, or nothing to check. */
export async function triage(
  spec: ProbeSpec,
  result: ProbeResult,
  opts: TriageOptions = {},
): Promise<TriageStep[]> {
  const layer = failedLayer(result);
  if (layer === null || opts.signal?.aborted) return [];
  const start = performance.now();
  const end = Math.min(
    start + (opts.budgetMs ?? TRIAGE_BUDGET_MS),
    opts.deadline ?? Number.POSITIVE_INFINITY,
  );
  const budgetMs = Math.floor(end - start);
  if (budgetMs < MIN_TRIAGE_MS) return [];

  const runner: Runner = {
    budgetMs,
    signal: opts.signal,
    probe: (s) => runProbe(s, { signal: opts.signal, deadline: end, probes: opts.probes }),
  };
  const checks = spec.kind === 'dns' ? dnsChecks(spec, result, opts) : serviceChecks(spec, layer, opts);
  const steps = (await Promise.all(checks.map((check) => check(runner)))).flat();
  return steps.sort((a, b) => LAYER_ORDER[a.layer] - LAYER_ORDER[b.layer]);
}

// ---------------------------------------------------------------- HTTP and TCP

function serviceChecks(spec: ProbeSpec, layer: Layer, opts: TriageOptions): Check[] {
  const endpoint = endpointOf(spec);
  if (endpoint === null) return [];
  const checks: Check[] = [];
  const directResolver = opts.resolvers === undefined ? undefined : opts.resolvers[0];
  if (!endpoint.literal && !(opts.resolvers !== undefined && directResolver === undefined)) {
    checks.push(directQuery(endpoint.host, directResolver));
  }
  // A name that does not resolve leaves nothing to connect to: the comparison of resolvers is the triage.
  if (layer === 'dns') return checks;
  checks.push(connectEveryAddress(endpoint));
  if (endpoint.tls !== undefined && LAYER_ORDER[layer] > LAYER_ORDER.tls)
    checks.push(tlsHandshake(endpoint, endpoint.tls));
  return checks;
}

/** One tcp probe to every address: its resolve phase is the system-resolver check, its attempts the connect check. */
function connectEveryAddress(endpoint: Endpoint): Check {
  return async (run) => {
    const r = await run.probe(tcpSpec(endpoint, run.budgetMs, { allAddresses: true }));
    if (r.details.kind !== 'tcp') return [];
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
  };
}

function tlsHandshake(endpoint: Endpoint, tls: TlsOptions): Check {
  return async (run) => {
    const r = await run.probe(tcpSpec(endpoint, run.budgetMs, { allAddresses: false, tls }));
    if (r.details.kind !== 'tcp') return [];
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
  };
}

function tcpSpec(
  endpoint: Endpoint,
  timeoutMs: number,
  extra: Pick<TcpSpec, 'allAddresses' | 'tls'>,
): TcpSpec {
  return { kind: 'tcp', host: endpoint.host, port: endpoint.port, timeoutMs, thresholds: {}, ...extra };
}

/** A and AAAA straight to a resolver (not getaddrinfo): does DNS itself agree with what the host sees? */
function directQuery(host: string, server: DnsServer | undefined): Check {
  return async (run) => {
    const [a, aaaa] = await Promise.all(
      (['A', 'AAAA'] as const).map((type) => run.probe(dnsSpec(host, type, server, run.budgetMs))),
    );
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
  };
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

function dnsChecks(spec: DnsSpec, result: ProbeResult, opts: TriageOptions): Check[] {
  // Authoritative mode already asked every nameserver; its details are the triage.
  if (result.error !== null && NAMESERVER_CODES.has(result.error.code)) return [];
  const checks: Check[] = [];
  if (spec.server !== undefined) {
    const other = opts.resolvers === undefined ? undefined : opts.resolvers[0];
    if (opts.resolvers === undefined || other !== undefined) checks.push(otherResolver(spec, other));
    if (result.error?.code === 'DNS_TIMEOUT') checks.push(tcpToServer(spec.server));
  } else if (spec.type === 'A' || spec.type === 'AAAA') {
    checks.push(systemLookup(spec));
  }
  return checks;
}

/** The same question to another resolver (the system's configured one unless `server` is given). */
function otherResolver(spec: DnsSpec, server: DnsServer | undefined): Check {
  return async (run) => {
    const r = await run.probe({
      ...dnsSpec(spec.name, spec.type, server, run.budgetMs),
      recursionDesired: spec.recursionDesired,
    });
    if (r.details.kind !== 'dns') return [];
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
  };
}

/** getaddrinfo, as every client on the host resolves: /etc/hosts, nsswitch, the stub resolver. */
function systemLookup(spec: DnsSpec): Check {
  return async (run) => {
    const started = performance.now();
    const signal = run.signal
      ? AbortSignal.any([run.signal, AbortSignal.timeout(run.budgetMs)])
      : AbortSignal.timeout(run.budgetMs);
    const q = await askSystem(spec.name, spec.type, signal);
    return [
      {
        layer: 'dns',
        check: 'system resolver (getaddrinfo)',
        target: `dns:${spec.name}?type=${spec.type}`,
        server: 'system',
        rcode: q.rcode,
        status: q.error === undefined ? 'up' : 'down',
        ms: performance.now() - started,
        error: q.error ?? null,
        addresses: q.answers.map((x) => x.data),
      },
    ];
  };
}

/** After a UDP timeout: does anything answer TCP on the resolver's port (RFC 7766 requires TCP)? */
function tcpToServer(server: DnsServer): Check {
  return async (run) => {
    const endpoint: Endpoint = { host: server.host, port: server.port, tls: undefined, literal: true };
    const r = await run.probe(tcpSpec(endpoint, run.budgetMs, { allAddresses: false }));
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
  };
}

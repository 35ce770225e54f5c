/**
 * The DNS prober. Recursive mode: one query (UDP, TCP after a truncation) to spec.server or to the
 * system's configured nameservers, judged by evaluateResponse. Authoritative mode: the same query for
 * the `query` field, then every nameserver of the zone asked directly (dns-authoritative.ts).
 * Never throws; returns by the deadline (spec.timeoutMs, or the caller's ctx, whichever is first).
 * See docs/dns.md.
 */
import { isIP, isIPv6 } from 'node:net';
import { foldAddressRuns, missingRun } from './addresses.ts';
import { checkAuthoritative } from './dns-authoritative.ts';
import { checkDnssec, DEFAULT_DNSSEC_WARN_DAYS, judgeDnssec } from './dns-dnssec.ts';
import { evaluateResponse, latencyProblem } from './dns-evaluate.ts';
import { ask, askSystem, DNS_PORT, systemNameservers, timeoutSignal, type Upstream } from './dns-upstream.ts';
import { serverLabel, type WireServer } from './dns-wire.ts';
import { firstOfEachFamily, pickFamily } from './family.ts';
import type { DnsServer, DnsSpec } from './spec.ts';
import { guardFor, type LookupAll, type ResolvedAddress, resolveHost } from './tcp.ts';
import type {
  DnsDetails,
  DnsQueryResult,
  Probe,
  ProbeContext,
  ProbeError,
  ProbeResult,
  Status,
  Timings,
} from './types.ts';

/** RFC 4501 form: "dns://127.0.0.1:5353/www.example.test?type=A", "dns:www.example.test?type=MX". */
export function dnsTarget(spec: Pick<DnsSpec, 'name' | 'type' | 'server' | 'mode' | 'nsPort'>): string {
  const name = spec.name.endsWith('.') && spec.name !== '.' ? spec.name.slice(0, -1) : spec.name;
  const nsPort = spec.nsPort === undefined ? '' : `&nsPort=${spec.nsPort}`;
  const query = `?type=${spec.type}${spec.mode === 'authoritative' ? `&mode=authoritative${nsPort}` : ''}`;
  if (!spec.server) return `dns:${name}${query}`;
  const host = isIPv6(spec.server.host) ? `[${spec.server.host}]` : spec.server.host;
  const port = spec.server.port === DNS_PORT ? '' : `:${spec.server.port}`;
  return `dns://${host}${port}/${name}${query}`;
}

/** The one budget of a run: spec.timeoutMs from the start, cut short by the caller's deadline/abort. */
function budget(spec: DnsSpec, ctx: { signal: AbortSignal; deadline: number }, start: number) {
  const deadline = Math.min(ctx.deadline, start + spec.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeoutSignal(deadline - performance.now())]);
  return { signal, deadline };
}

async function queryConfigured(spec: DnsSpec, upstream: Upstream): Promise<DnsQueryResult> {
  if (upstream.servers.length === 0) return askSystem(spec.name, spec.type, upstream.signal);
  const { result } = await ask(upstream, spec.name, spec.type, spec.recursionDesired);
  return result;
}

function resultOf(
  spec: DnsSpec,
  start: number,
  details: DnsDetails,
  problem: { status: Exclude<Status, 'up'>; error: ProbeError } | null,
  queryTimes: number[],
): ProbeResult {
  const timings: Timings = { total: performance.now() - start };
  if (details.query.queryTimeMs !== undefined) timings.dns = details.query.queryTimeMs;
  const latency = problem ? null : latencyProblem(spec, timings, queryTimes);
  const verdict = problem ?? (latency ? { status: 'degraded' as const, error: latency } : null);
  return {
    probe: 'dns',
    target: dnsTarget(spec),
    status: verdict?.status ?? 'up',
    timings,
    error: verdict?.error ?? null,
    layer: verdict ? 'dns' : null,
    details,
  };
}

/**
 * The spec's server as the wire client dials it: a name is resolved here, once, and the address the
 * guard judges is the one every query goes to (no second lookup by the socket). A name that does not
 * resolve is the check's failure.
 */
async function pinnedServer(
  server: DnsServer,
  family: DnsSpec['family'],
  ctx: ProbeContext,
  signal: AbortSignal,
  lookup: LookupAll | undefined,
): Promise<WireServer | ProbeError> {
  const resolved = await resolveHost(server.host, signal, lookup);
  // The family used to reach the server (4 or 6; 'both' runs once per family, see everyFamily).
  const picked = resolved.ok ? pickFamily(resolved.addresses, family, server.host) : resolved;
  if (!picked.ok) return { code: picked.failure.code, message: `DNS server: ${picked.failure.message}` };
  const [first] = picked.addresses;
  return {
    ...server,
    ...(first && first.address !== server.host ? { address: first.address } : {}),
    ...(ctx.connectGuard ? { guard: guardFor(ctx.connectGuard, server.host, 'target') } : {}),
  };
}

export interface DnsProbeDeps {
  /** Resolves a DNS server given by name; default the system resolver (tcp.ts resolveHost). */
  lookup?: LookupAll;
}

export function createDnsProbe(deps: DnsProbeDeps = {}): Probe<DnsSpec> {
  return (spec, ctx) => probeDns(spec, ctx, deps);
}

export const dnsProbe: Probe<DnsSpec> = createDnsProbe();

/**
 * family 'both' with a server given by name: the server's name is resolved once, and the query asked
 * over its first address of each family, each run on its own and folded like addresses (addresses.ts):
 * the result is the first family's, with the folded verdict and both runs in details.addressResults.
 */
async function everyFamily(
  spec: DnsSpec & { server: DnsServer },
  ctx: ProbeContext,
  deps: DnsProbeDeps,
): Promise<ProbeResult> {
  const start = performance.now();
  const resolved = await resolveHost(spec.server.host, budget(spec, ctx, start).signal, deps.lookup);
  const dns = performance.now() - start;
  if (!resolved.ok) return probeDns({ ...spec, family: 'auto' }, ctx, deps);
  const picked = pickFamily(resolved.addresses, 'both', spec.server.host);
  const targets = picked.ok ? firstOfEachFamily(picked.addresses) : [];
  const missing = picked.ok ? picked.missing : [];
  // Each run keeps the server's name (its label, and the host the connect guard judges the address
  // for) with its resolution pinned to that family's address: no second lookup.
  const runs = await Promise.all(
    targets.map((t) =>
      probeDns({ ...spec, family: 'auto' }, ctx, { ...deps, lookup: async () => [{ ...t }] }),
    ),
  );
  const folded = foldAddressRuns(
    [
      ...runs.map((r, i) => ({
        ...(targets[i] as ResolvedAddress),
        status: r.status,
        error: r.error && { ...r.error, layer: r.layer ?? ('dns' as const) },
        timings: r.timings,
      })),
      ...missing.map(({ family, failure }) => missingRun(spec.server.host, family, failure, dns)),
    ],
    spec.partial,
  );
  const first = runs[0] as ProbeResult;
  return {
    ...first,
    target: dnsTarget(spec),
    status: folded.status,
    error: folded.error && { code: folded.error.code, message: folded.error.message },
    layer: folded.error ? 'dns' : null,
    details: { ...(first.details as DnsDetails), addressResults: folded.addressResults },
  };
}

async function probeDns(spec: DnsSpec, ctx: ProbeContext, deps: DnsProbeDeps): Promise<ProbeResult> {
  if (spec.family === 'both' && spec.server !== undefined && isIP(spec.server.host) === 0)
    return everyFamily({ ...spec, server: spec.server }, ctx, deps);
  const start = performance.now();
  const details = (query: DnsQueryResult, extra: Partial<DnsDetails> = {}): DnsDetails => ({
    kind: 'dns',
    name: spec.name,
    type: spec.type,
    query,
    ...extra,
  });
  const limits = budget(spec, ctx, start);
  const server = spec.server
    ? await pinnedServer(spec.server, spec.family, ctx, limits.signal, deps.lookup)
    : undefined;
  if (server && 'code' in server) {
    const query: DnsQueryResult = {
      server: serverLabel(spec.server as DnsServer),
      transport: 'udp',
      answers: [],
      error: server,
    };
    return resultOf(spec, start, details(query), { status: 'down', error: server }, []);
  }
  // The system's nameservers come from the runtime's own resolver configuration: not guarded.
  const upstream: Upstream = { servers: server ? [server] : systemNameservers(), ...limits };

  if (spec.mode !== 'authoritative' && spec.dnssec && upstream.servers.length > 0) {
    // With the DO bit, then the signer's DNSKEY set from the same server (dns-dnssec.ts).
    const response = await ask(upstream, spec.name, spec.type, spec.recursionDesired, true);
    const query = response.result;
    const error = evaluateResponse(spec, query);
    if (error || response.packet === undefined)
      return resultOf(
        spec,
        start,
        details(query),
        error ? { status: 'down', error } : null,
        timesOf([query]),
      );
    const warnDays = spec.dnssecWarnDays ?? DEFAULT_DNSSEC_WARN_DAYS;
    const dnssec = await checkDnssec(response.packet, spec.name, upstream, warnDays, spec.recursionDesired);
    return resultOf(spec, start, details(query, { dnssec: dnssec.info }), dnssec.problem, timesOf([query]));
  }

  if (spec.mode !== 'authoritative') {
    const query = await queryConfigured(spec, upstream);
    const error = evaluateResponse(spec, query);
    return resultOf(spec, start, details(query), error ? { status: 'down', error } : null, timesOf([query]));
  }

  if (upstream.servers.length === 0) {
    const query = await askSystem(spec.name, spec.type, upstream.signal);
    const error: ProbeError = {
      code: 'DNS_SERVFAIL',
      message: 'authoritative mode needs a nameserver to find the zone: none is configured and none given',
    };
    return resultOf(spec, start, details(query), { status: 'down', error }, []);
  }
  const [query, outcome] = await Promise.all([
    queryConfigured(spec, upstream),
    // Nameservers listen on 53, whatever port the resolver that found them listens on.
    checkAuthoritative(spec, upstream, spec.nsPort ?? DNS_PORT, ctx.connectGuard),
  ]);
  const extra: Partial<DnsDetails> = {};
  if (outcome.zone !== undefined) extra.zone = outcome.zone;
  if (outcome.nameservers) extra.nameservers = outcome.nameservers;
  const queryTimes = timesOf([query, ...(outcome.nameservers ?? [])]);
  return resultOf(spec, start, details(query, extra), withDnssec(spec, outcome), queryTimes);
}

/**
 * Authoritative mode with dnssec: every nameserver's signatures count. A nameserver whose signatures
 * are invalid makes the result down (unless the nameservers already failed harder); one expiring,
 * degraded, after any hard failure.
 */
function withDnssec(spec: DnsSpec, outcome: Awaited<ReturnType<typeof checkAuthoritative>>) {
  const verdict = outcome.verdict;
  if (!spec.dnssec || verdict?.status === 'down') return verdict;
  const warnDays = spec.dnssecWarnDays ?? DEFAULT_DNSSEC_WARN_DAYS;
  const problems = (outcome.nameservers ?? []).flatMap((ns) => {
    const problem = ns.dnssec && judgeDnssec(ns.dnssec, warnDays, `${ns.nameserver} (${ns.server})`);
    return problem ? [problem] : [];
  });
  return problems.find((p) => p.status === 'down') ?? verdict ?? problems[0] ?? null;
}

function timesOf(results: DnsQueryResult[]): number[] {
  return results.map((r) => r.queryTimeMs).filter((t): t is number => t !== undefined);
}

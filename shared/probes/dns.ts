/**
 * The DNS prober. Recursive mode: one query (UDP, TCP after a truncation) to spec.server or to the
 * system's configured nameservers, judged by evaluateResponse. Authoritative mode: the same query for
 * the `query` field, then every nameserver of the zone asked directly (dns-authoritative.ts).
 * Never throws; returns by the deadline (spec.timeoutMs, or the caller's ctx, whichever is first).
 * See docs/dns.md.
 */
import { isIPv6 } from 'node:net';
import { checkAuthoritative } from './dns-authoritative.ts';
import { evaluateResponse, latencyProblem } from './dns-evaluate.ts';
import { ask, askSystem, DNS_PORT, systemNameservers, timeoutSignal, type Upstream } from './dns-upstream.ts';
import type { DnsSpec } from './spec.ts';
import type { DnsDetails, DnsQueryResult, Probe, ProbeError, ProbeResult, Status, Timings } from './types.ts';

/** RFC 4501 form: "dns://127.0.0.1:5353/www.example.test?type=A", "dns:www.example.test?type=MX". */
export function dnsTarget(spec: Pick<DnsSpec, 'name' | 'type' | 'server' | 'mode'>): string {
  const name = spec.name.endsWith('.') && spec.name !== '.' ? spec.name.slice(0, -1) : spec.name;
  const query = `?type=${spec.type}${spec.mode === 'authoritative' ? '&mode=authoritative' : ''}`;
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

export const dnsProbe: Probe<DnsSpec> = async (spec, ctx) => {
  const start = performance.now();
  const upstream: Upstream = {
    servers: spec.server ? [spec.server] : systemNameservers(),
    ...budget(spec, ctx, start),
  };
  const details = (query: DnsQueryResult, extra: Partial<DnsDetails> = {}): DnsDetails => ({
    kind: 'dns',
    name: spec.name,
    type: spec.type,
    query,
    ...extra,
  });

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
    checkAuthoritative(spec, upstream, spec.server?.port ?? DNS_PORT),
  ]);
  const extra: Partial<DnsDetails> = {};
  if (outcome.zone !== undefined) extra.zone = outcome.zone;
  if (outcome.nameservers) extra.nameservers = outcome.nameservers;
  const queryTimes = timesOf([query, ...(outcome.nameservers ?? [])]);
  return resultOf(spec, start, details(query, extra), outcome.verdict, queryTimes);
};

function timesOf(results: DnsQueryResult[]): number[] {
  return results.map((r) => r.queryTimeMs).filter((t): t is number => t !== undefined);
}

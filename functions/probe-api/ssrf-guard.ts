/**
 * The SSRF guard of ad-hoc checks, wired into the probes. The address policy (shared/domain/ssrf.ts)
 * is asked by the probers themselves right before every connect (ProbeContext.connectGuard), through
 * a registry that hands the guard to each probe, so the check itself, its redirects and the triage
 * after a failure are all guarded. The first refusal aborts the whole check: a target that resolves
 * to a forbidden address at all is refused, whatever else it resolves to.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressPolicy, Refusal } from '../../shared/domain/ssrf.ts';
import type { ProbeRegistry } from '../../shared/probes/index.ts';
import type { ProbeSpec } from '../../shared/probes/spec.ts';
import type { ConnectGuard, ProbeContext } from '../../shared/probes/types.ts';
import { ApiError } from './http.ts';

/** The system resolver's shape (dns.promises.lookup with all: true), injectable for tests. */
export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;
export const systemLookup: LookupAll = (host) => lookup(host, { all: true });

/** Every probe of `base`, called with `guard` in its context. */
export function guardedProbes(base: ProbeRegistry, guard: ConnectGuard): ProbeRegistry {
  const guarded = (ctx: ProbeContext): ProbeContext => ({ ...ctx, connectGuard: guard });
  return {
    dns: (spec, ctx) => base.dns(spec, guarded(ctx)),
    tcp: (spec, ctx) => base.tcp(spec, guarded(ctx)),
    http: (spec, ctx) => base.http(spec, guarded(ctx)),
  };
}

export interface CheckGuard {
  guard: ConnectGuard;
  /** Aborted at the first refusal. */
  signal: AbortSignal;
  refusals: Refusal[];
}

/** A guard for one check: refusals are recorded and stop the check at once. */
export function checkGuard(policy: AddressPolicy): CheckGuard {
  const stop = new AbortController();
  const refusals: Refusal[] = [];
  return {
    signal: stop.signal,
    refusals,
    guard: (address, port, host) => {
      const refusal = policy.check(address, port, host);
      if (!refusal) return null;
      refusals.push(refusal);
      stop.abort();
      return { code: 'TCP_UNREACHABLE', message: refusal.message };
    },
  };
}

/**
 * The nameserver of a dns:// check with an explicit server, judged before the query: DNS queries go
 * over UDP, which the connect guard does not see. A name is resolved and every address judged.
 */
export async function dnsServerRefusal(
  spec: ProbeSpec,
  policy: AddressPolicy,
  lookupAll: LookupAll = systemLookup,
): Promise<Refusal | null> {
  if (spec.kind !== 'dns' || !spec.server) return null;
  const { host, port } = spec.server;
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookupAll(host)).map((a) => a.address);
    } catch (error) {
      throw new ApiError(
        400,
        `body.url: the DNS server ${host} does not resolve: ${(error as Error).message}`,
      );
    }
  }
  for (const address of addresses) {
    const refusal = policy.check(address, port, host);
    if (refusal) return refusal;
  }
  return null;
}

/** The 403 for a refused check: the first refusal's sentence, and any other address refused. */
export function forbidden(refusals: readonly Refusal[]): ApiError {
  const [first, ...rest] = refusals;
  const others = [...new Set(rest.map((r) => r.address))].filter((a) => a !== first?.address);
  const more = others.length > 0 ? ` (also refused: ${others.join(', ')})` : '';
  return new ApiError(403, `${first?.message ?? 'refused'}${more}`);
}

/**
 * The SSRF guard of the probe API, wired into the probes. The address policy (shared/domain/ssrf.ts)
 * is asked by the probers themselves right before the first byte to any address
 * (ProbeContext.connectGuard): TCP connects, DNS queries over UDP and TCP, every redirect hop, every
 * nameserver authoritative mode discovers, and the triage after a failure, through a registry that
 * hands the guard to each probe. The first refusal aborts the whole run: a target that resolves to a
 * forbidden address at all is refused, whatever else it resolves to.
 *
 * POST /check judges every address (the target is the caller's). POST /monitors/{id}/run judges only
 * the addresses found at run time (redirect hops, discovered nameservers): the configured target is
 * the operators' own, but where it points next is up to whoever controls its answers.
 */
import { createAddressPolicy, type Refusal } from '../../shared/domain/ssrf.ts';
import type { ProbeRegistry } from '../../shared/probes/index.ts';
import {
  ADDRESS_ORIGINS,
  type AddressOrigin,
  type ConnectGuard,
  type ProbeContext,
} from '../../shared/probes/types.ts';
import { ApiError } from './http.ts';

/** What a route's guard judges (every address, or only those found at run time), and how its refusals say so. */
export interface GuardScope {
  origins: readonly AddressOrigin[];
  subject: string;
}

export const GUARD_SCOPES = {
  check: { origins: ADDRESS_ORIGINS, subject: 'ad-hoc checks' },
  runMonitor: { origins: ['redirect', 'nameserver'], subject: 'redirects and discovered nameservers' },
} as const satisfies Record<string, GuardScope>;

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

/**
 * A guard for one run: addresses of the scope's origins are judged by the policy with `allow`
 * (config.allowPrivateTargets) as exceptions; a refusal is recorded and stops the run at once.
 */
export function checkGuard(allow: readonly string[], scope: GuardScope): CheckGuard {
  const policy = createAddressPolicy(allow, scope.subject);
  const stop = new AbortController();
  const refusals: Refusal[] = [];
  return {
    signal: stop.signal,
    refusals,
    guard: (address, port, host, origin) => {
      if (!scope.origins.includes(origin)) return null;
      const refusal = policy.check(address, port, host);
      if (!refusal) return null;
      refusals.push(refusal);
      stop.abort();
      return { code: 'TCP_UNREACHABLE', message: refusal.message };
    },
  };
}

/** The 403 for a refused check: the first refusal's sentence, and any other address refused. */
export function forbidden(refusals: readonly Refusal[]): ApiError {
  const [first, ...rest] = refusals;
  const others = [...new Set(rest.map((r) => r.address))].filter((a) => a !== first?.address);
  const more = others.length > 0 ? ` (also refused: ${others.join(', ')})` : '';
  return new ApiError(403, `${first?.message ?? 'refused'}${more}`);
}

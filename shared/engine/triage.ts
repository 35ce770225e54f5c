/**
 * Runs the triage the domain plans (shared/domain/triage.ts): every check at once, through runProbe
 * and the system resolver, under one small budget (TRIAGE_BUDGET_MS, never past the caller's
 * deadline), so triage cannot hang either. Never throws.
 */
import { orderSteps, planTriage, type TriageCheck, type TriagePlanOptions } from '../domain/triage.ts';
import { askSystem } from '../probes/dns-upstream.ts';
import { type ProbeRegistry, runProbe } from '../probes/index.ts';
import type { ProbeSpec } from '../probes/spec.ts';
import type { ProbeResult, TriageStep } from '../probes/types.ts';

/** Upper bound on the whole triage: a responder wants the finding now, and a Lambda has a budget. */
export const TRIAGE_BUDGET_MS = 3000;
/** Below this, no check can say anything useful: skip triage rather than report timeouts of our own making. */
export const MIN_TRIAGE_MS = 50;

export interface TriageOptions extends Pick<TriagePlanOptions, 'resolvers'> {
  /** The caller's budget (a Lambda's remaining time): aborting it ends every check. */
  signal?: AbortSignal;
  /** performance.now() time triage must end by. */
  deadline?: number;
  /** Default TRIAGE_BUDGET_MS. */
  budgetMs?: number;
  /** Probers to use instead of the registry's (tests). */
  probes?: ProbeRegistry;
}

/** The checks below `result`'s failed layer, bottom-up; empty when up, out of time, or nothing to check. */
export async function triage(
  spec: ProbeSpec,
  result: ProbeResult,
  opts: TriageOptions = {},
): Promise<TriageStep[]> {
  if (result.status === 'up' || opts.signal?.aborted) return [];
  const start = performance.now();
  const end = Math.min(
    start + (opts.budgetMs ?? TRIAGE_BUDGET_MS),
    opts.deadline ?? Number.POSITIVE_INFINITY,
  );
  const budgetMs = Math.floor(end - start);
  if (budgetMs < MIN_TRIAGE_MS) return [];

  const checks = planTriage(spec, result, { budgetMs, resolvers: opts.resolvers });
  const steps = await Promise.all(checks.map((check) => runCheck(check, end, budgetMs, opts)));
  return orderSteps(steps.flat());
}

async function runCheck(
  check: TriageCheck,
  end: number,
  budgetMs: number,
  opts: TriageOptions,
): Promise<TriageStep[]> {
  if (check.run === 'probes') {
    const context = { signal: opts.signal, deadline: end, probes: opts.probes };
    return check.read(await Promise.all(check.specs.map((spec) => runProbe(spec, context))));
  }
  const started = performance.now();
  const timeout = AbortSignal.timeout(budgetMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const answer = await askSystem(check.name, check.type, signal);
  return check.read(answer, performance.now() - started);
}

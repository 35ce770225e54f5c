/**
 * Spread starts. Probes started together reach each phase together, and their callbacks then queue
 * behind one another on the one JS thread, so the later ones read their first byte late: 1000 HTTP
 * probes at once measured p99 ttfb +37 ms over a lone probe, and +20 ms through a limit of 50 (each
 * wave of 50 starts and ends together). The pacer starts probes no closer together than the CPU each
 * kind costs divided by PACE_UTILIZATION, so the thread stays about half idle and a response rarely
 * waits for it. Costs are the bench's measured CPU per probe (BENCHMARKS.md section 2), rounded up, on
 * a whole core; a process with less (a Lambda function below 1,769 MB gets that share of one vCPU)
 * spaces its starts in proportion, or its probes would queue on a thread that runs only part of the time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeSpec } from '../probes/spec.ts';

/** CPU ms per probe on the JS thread, by what the probe does (a TLS handshake is most of it). */
export const START_COST_MS = { dns: 0.3, tcp: 0.3, tls: 1.6, http: 0.6, https: 1.8 } as const;

/** Share of one core the probes' starts may use: half, so a ready callback waits little. */
export const PACE_UTILIZATION = 0.5;

/** ms of JS-thread CPU `spec` is expected to cost. */
export function startCost(spec: ProbeSpec): number {
  switch (spec.kind) {
    case 'dns':
      return START_COST_MS.dns;
    case 'tcp':
      return spec.tls ? START_COST_MS.tls : START_COST_MS.tcp;
    case 'http':
      return spec.url.startsWith('https:') ? START_COST_MS.https : START_COST_MS.http;
  }
}

/** Resolves when `spec` may start: at once when the thread has room, else after the probes before it. */
export type Pacer = (spec: ProbeSpec) => Promise<void>;

/**
 * `cpuShare`: the share of one core the process runs on, in (0, 1] (more cores do not help: the probes
 * share one JS thread). Starts are spaced by cost ÷ (utilization × cpuShare).
 */
export function createPacer(utilization = PACE_UTILIZATION, cpuShare = 1): Pacer {
  if (!(cpuShare > 0 && cpuShare <= 1))
    throw new RangeError(`pacer: cpuShare must be in (0, 1], got ${cpuShare}`);
  const rate = utilization * cpuShare;
  let next = Number.NEGATIVE_INFINITY;
  return async (spec) => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + startCost(spec) / rate;
    // Timers fire on whole milliseconds: sub-millisecond waits start at once, the schedule still holds.
    if (at - now >= 1) await sleep(at - now);
  };
}

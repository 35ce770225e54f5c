/**
 * probe-runner: runs the monitors of its region with one interval, within the invocation's remaining
 * time, then writes their findings and publishes their metrics. Deployed, it runs one shard of a run
 * the probe-dispatcher fanned out (docs/scale.md); given the plain scheduled event, it runs all of them.
 *
 * Event (the scheduled event with the interval in `detail`; events/eventbridge/scheduled-1m.json):
 *   {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "time": "…",
 *    "region": "eu-west-1", "detail": {"intervalMinutes": 1}, …}
 * A shard (events/eventbridge/shard-1m.json) adds `"shard": {"index": 0, "count": 200}` and
 * `"monitorIds": […]` to `detail`: the runner then runs those monitors only.
 *
 * Time: probes run until `remaining time − reserve` (flushReserveMs). A monitor starts only while its
 * whole timeout still fits (else it is listed in `skipped`), and each probe is cut at that deadline,
 * so the findings of whatever ran are always written before Lambda's own timeout.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { metricDatums } from '../../shared/domain/metric-data.ts';
import { runMonitors } from '../../shared/engine/run-monitors.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import type { ErrorCode, Status } from '../../shared/probes/types.ts';
import { lambdaCpuShare } from '../shared/cpu-share.ts';
import { flushReserveMs, logInvocation, persistBudget, probeDeadline } from '../shared/invocation.ts';
import { type DepsSource, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';
import type { Logger } from '../shared/logger.ts';
import { flushMetrics, metricsOf } from '../shared/metrics.ts';
import { persistFindings } from '../shared/persist-findings.ts';
import { type ProbingDeps, probingDeps } from '../shared/probing-deps.ts';
import { recordRun } from '../shared/record-run.ts';
import { parseScheduledEvent, type ScheduledRunEvent } from '../shared/scheduled-event.ts';
import { warmUpOnLambda } from '../shared/warm-up.ts';

export type ProbeRunnerDeps = ProbingDeps;
export { RunEventError, type ScheduledRunEvent } from '../shared/scheduled-event.ts';

export interface RunSummary {
  region: string;
  intervalMinutes: number;
  /** Monitors of this region and interval. */
  monitors: number;
  results: { monitorId: string; status: Status; code: ErrorCode | null; totalMs: number }[];
  /** Not started: too little time left for their timeout. */
  skipped: string[];
  /** Findings written to the store (with their latest status). */
  stored: number;
  /** Findings the store did not take in time, in the spill queue for the finding-rewriter. */
  spilled: number;
  /** Datums handed to the metrics publisher (published after the handler returns). */
  datums: number;
  /** Run reports recorded for the sick-region rule (one per location and run of the shard; normally 1). */
  reports: number;
}

export async function runScheduled(
  event: unknown,
  context: Context,
  signal: AbortSignal | undefined,
  deps: ProbeRunnerDeps,
  logger: Logger,
): Promise<RunSummary> {
  const { detail } = parseScheduledEvent(event);
  const { config, region } = deps;
  const interval = detail.intervalMinutes;
  const deadline = probeDeadline(context, deps.reserveMs ?? flushReserveMs);
  const scheduled = config.monitors.filter(
    (m) => m.regions.includes(region) && m.intervalMinutes === interval,
  );
  // A shard of a dispatched run: only its monitors. An id the config does not schedule here and now
  // (a shard sent by a dispatcher running another version of the config) is said, not run.
  const shard = detail.monitorIds ? new Set(detail.monitorIds) : undefined;
  const monitors = shard ? scheduled.filter((m) => shard.has(m.id)) : scheduled;
  if (shard && monitors.length < shard.size) {
    const known = new Set(monitors.map((m) => m.id));
    logger.warn('shard names monitors this runner does not schedule here', {
      shard: detail.shard,
      unknown: [...shard].filter((id) => !known.has(id)),
    });
  }
  if (monitors.length === 0) {
    logger.warn('no monitors for this schedule', { region, intervalMinutes: interval });
  }
  const clock = deps.clock ?? systemClock;
  const { findings, skipped } = await runMonitors(monitors, {
    location: region,
    concurrency: config.concurrency,
    cpuShare: lambdaCpuShare(),
    deadline,
    ...(signal ? { signal } : {}),
    now: () => clock.now(),
    classification: config.classification,
  });
  if (skipped.length > 0) {
    logger.warn('monitors skipped: not enough time left in the invocation', { skipped });
  }

  const datums = metricDatums(findings, config.metrics);
  metricsOf(context).add(datums);
  // What the table does not take in time goes to the spill queue; only if that fails too does the
  // invocation fail (the runner-errors alarm), with the findings in the log (FindingsLost).
  const budget = persistBudget(context);
  const { stored, spilled } = await persistFindings(
    findings,
    {
      store: deps.store,
      ...(deps.spill ? { spill: deps.spill } : {}),
      logger,
      metrics: { namespace: config.namespace, functionName: 'probe-runner' },
    },
    budget,
  );
  const key = detail.shard ? `shard-${detail.shard.index}` : 'all';
  const reports = await recordRun(findings, key, { store: deps.store, logger }, budget.writes);
  return {
    region,
    intervalMinutes: interval,
    monitors: monitors.length,
    results: findings.map((f) => ({
      monitorId: f.monitorId,
      status: f.status,
      code: f.error?.code ?? null,
      totalMs: Math.round(f.timings.total),
    })),
    skipped,
    stored,
    spilled,
    datums: datums.length,
    reports,
  };
}

export function createHandler(source: DepsSource<ProbeRunnerDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup('probe-runner', source, options);
  return (
    middy<unknown, RunSummary>()
      // Request id and cold-start flag on every line of the invocation (Powertools).
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(time.middleware())
      .use(
        logInvocation<unknown, RunSummary>(logger, {
          describeEvent: (event) => {
            const e = event as Partial<ScheduledRunEvent> | null;
            return { source: e?.source, time: e?.time, detail: e?.detail };
          },
          describeResult: (summary) => ({
            monitors: summary.monitors,
            ran: summary.results.length,
            down: summary.results.filter((r) => r.status === 'down').length,
            skipped: summary.skipped,
          }),
        }),
      )
      .use(
        flushMetrics(
          () => ({
            publisher: deps().metrics,
            namespace: deps().config.namespace,
            functionName: 'probe-runner',
          }),
          logger,
        ),
      )
      .handler((event, context, { signal }) => runScheduled(event, context, signal, deps(), logger))
  );
}

export const handler = createHandler(probingDeps);

// During Lambda's init, before the first invocation's clock: see functions/shared/warm-up.ts.
await warmUpOnLambda();

/**
 * The synth-time check that a region's probe-runner may run as many shards at once as its monitors
 * make (docs/scale.md, "Concurrency"): a shard Lambda cannot start within a minute lands in
 * `netprobe-lost-shards` and its monitors miss the interval, so a limit below the shard count would
 * lose monitors every interval, silently until the lost-shards alarm. Refused before any deploy,
 * naming the stack, the shard count and the limit, as infra/limits.ts does for template limits.
 */
import type { NetprobeConfig } from '../shared/config/types.ts';
import { planShards } from '../shared/domain/shards.ts';
import { distinctIntervals } from './constructs/probe-schedule.ts';
import { monitorsIn } from './environment.ts';

/**
 * Lambda's default quota of concurrent executions per account and region ("Lambda quotas",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Reserved concurrency is
 * taken from it, so an unreserved runner shares what netprobe's reservations leave.
 */
export const LAMBDA_LIMITS = { concurrentExecutions: 1_000 } as const;

export interface RunnerDemand {
  /** Runner executions the region's runs can need at once: the sum over its intervals below. */
  readonly shards: number;
  readonly intervals: readonly { intervalMinutes: number; monitors: number; shards: number }[];
}

/**
 * Shards per interval (planShards of the dispatcher, `concurrency` monitors each), counted as if every
 * interval's run started in the same minute (they do, on the hour), and once more for each earlier
 * run of the same interval still inside the runner's timeout (a 1-minute interval with a 120 s
 * timeout: two runs' shards at once).
 */
export function runnerDemand(config: NetprobeConfig, region: string): RunnerDemand {
  const monitors = monitorsIn(config, region);
  const intervals = distinctIntervals(monitors).map((intervalMinutes) => {
    const ids = monitors.filter((m) => m.intervalMinutes === intervalMinutes).map((m) => m.id);
    const overlapping = Math.ceil(config.lambda.probeRunner.timeoutSeconds / (intervalMinutes * 60));
    return {
      intervalMinutes,
      monitors: ids.length,
      shards: planShards(ids, config.concurrency).length * overlapping,
    };
  });
  return { shards: intervals.reduce((sum, i) => sum + i.shards, 0), intervals };
}

export interface RunnerLimit {
  readonly executions: number;
  /** Where the limit comes from, for the message. */
  readonly source: string;
}

/**
 * The runner's reserved concurrency when the config sets one; otherwise the regional quota less the
 * executions netprobe reserves for its other functions in that region (each probe-api; the home
 * region's HTTP API and escalator too).
 */
export function runnerLimit(config: NetprobeConfig, region: string): RunnerLimit {
  const { probeRunner, probeApi, escalator } = config.lambda;
  if (probeRunner.reservedConcurrency !== undefined) {
    return {
      executions: probeRunner.reservedConcurrency,
      source: 'lambda.probeRunner.reservedConcurrency',
    };
  }
  const home = region === config.homeRegion;
  const reserved = [probeApi, ...(home ? [probeApi, escalator] : [])].reduce(
    (sum, settings) => sum + (settings.reservedConcurrency ?? 0),
    0,
  );
  return {
    executions: LAMBDA_LIMITS.concurrentExecutions - reserved,
    source:
      `Lambda's default ${LAMBDA_LIMITS.concurrentExecutions.toLocaleString('en-US')} concurrent executions ` +
      `per region${reserved > 0 ? `, less the ${reserved} netprobe reserves for its other functions there` : ''}`,
  };
}

/** Throws, naming the stack, the shard count and the limit, when the runner could not run them all at once. */
export function checkRunnerConcurrency(stackName: string, config: NetprobeConfig, region: string): void {
  const demand = runnerDemand(config, region);
  const limit = runnerLimit(config, region);
  if (demand.shards <= limit.executions) return;
  const detail = demand.intervals
    .map((i) => `${i.monitors} monitor(s) every ${i.intervalMinutes} min: ${i.shards}`)
    .join('; ');
  throw new Error(
    `stack ${stackName}: its monitors need up to ${demand.shards.toLocaleString('en-US')} probe-runner shards ` +
      `at once (${detail}; shards of concurrency ${config.concurrency}), over the limit of ` +
      `${limit.executions.toLocaleString('en-US')} (${limit.source}). Raise \`concurrency\`, run fewer ` +
      'monitors in this region, or, once the account’s quota allows it, set lambda.probeRunner.reservedConcurrency ' +
      `to at least ${demand.shards}`,
  );
}

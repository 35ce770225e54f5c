/**
 * What the two probing functions run on: probe-runner on its schedule and probe-api on demand both
 * probe from this region, write findings to the home table and publish metrics to CloudWatch.
 */
import type { NetprobeConfig } from '../../shared/config/types.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { MetricsPublisher } from '../../shared/ports/metrics.ts';
import type { FindingsSpill } from '../../shared/ports/spill.ts';
import type { Store } from '../../shared/ports/store.ts';
import { cloudWatchPublisher } from './aws/cloudwatch.ts';
import { dynamoStore } from './aws/dynamo.ts';
import { sqsSpill } from './aws/sqs.ts';
import { bundledConfig } from './config.ts';
import { readEnv, readSpillQueueUrl } from './env.ts';
import type { FunctionRuntime } from './lazy.ts';

export interface ProbingDeps {
  config: NetprobeConfig;
  /** The region this function probes from (NETPROBE_REGION): its findings' location. */
  region: string;
  store: Store;
  metrics: MetricsPublisher;
  /** Where findings the store does not take go, to be written later (SPILL_QUEUE_URL). */
  spill?: FindingsSpill;
  clock?: Clock;
  /** ms kept back from the remaining time for writing results; default flushReserveMs. */
  reserveMs?: (remainingMs: number) => number;
}

/** The Lambda's: from the environment and the bundled config. */
export function probingDeps(runtime: FunctionRuntime): ProbingDeps {
  const env = readEnv();
  const config = bundledConfig();
  return {
    config,
    region: env.region,
    store: dynamoStore(env, config, runtime),
    metrics: cloudWatchPublisher(env, runtime),
    spill: sqsSpill(env, readSpillQueueUrl(), runtime),
  };
}

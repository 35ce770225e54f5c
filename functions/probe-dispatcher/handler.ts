/**
 * probe-dispatcher: woken by the EventBridge schedule of each monitor interval (in place of the
 * probe-runner), it cuts this region's monitors of that interval into shards of the runner's
 * concurrency and starts one asynchronous probe-runner invocation per shard, so every probe starts
 * within seconds of the schedule however many monitors time out (docs/scale.md). It probes nothing
 * and touches no table: its only permission is to invoke this region's probe-runner.
 *
 * Event: the scheduled event of the probe-runner (events/eventbridge/scheduled-1m.json). Each shard
 * receives that event with the shard in `detail` (ShardEvent). Returns a DispatchSummary; a shard
 * that could not be sent is logged as an error and counted (ShardsUndispatched), and the invocation
 * still succeeds, so EventBridge does not send the whole run again.
 */
import middy from '@middy/core';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { type DispatchSummary, dispatch } from '../../shared/engine/dispatch.ts';
import type { ShardInvoker } from '../../shared/ports/shard-invoker.ts';
import { lambdaShardInvoker } from '../shared/aws/lambda.ts';
import { bundledConfig } from '../shared/config.ts';
import { emitCount, OPERATIONAL_METRICS } from '../shared/emf.ts';
import { readEnv, readRunnerFunction } from '../shared/env.ts';
import { logInvocation } from '../shared/invocation.ts';
import { type DepsSource, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';
import { parseScheduledEvent, type ScheduledRunEvent } from '../shared/scheduled-event.ts';

export interface DispatcherDeps {
  config: NetprobeConfig;
  region: string;
  invoker: ShardInvoker;
  /** Where the ShardsUndispatched count goes (METRICS_NAMESPACE). */
  namespace: string;
}

export function createHandler(source: DepsSource<DispatcherDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup('probe-dispatcher', source, options);
  return middy<unknown, DispatchSummary>()
    .use(time.middleware())
    .use(
      logInvocation<unknown, DispatchSummary>(logger, {
        describeEvent: (event) => {
          const e = event as Partial<ScheduledRunEvent> | null;
          return { source: e?.source, time: e?.time, detail: e?.detail };
        },
        describeResult: (s) => ({
          monitors: s.monitors,
          shards: s.shards,
          dispatched: s.dispatched,
          undispatched: s.undispatched.length,
        }),
      }),
    )
    .handler(async (event) => {
      const scheduled = parseScheduledEvent(event);
      const { config, region, invoker } = deps();
      const summary = await dispatch(
        {
          region,
          intervalMinutes: scheduled.detail.intervalMinutes,
          time: scheduled.time ?? new Date().toISOString(),
          monitors: config.monitors,
          shardSize: config.concurrency,
        },
        invoker,
      );
      emitCount(
        logger,
        { namespace: deps().namespace, functionName: 'probe-dispatcher' },
        OPERATIONAL_METRICS.shardsUndispatched,
        summary.undispatched.length,
        summary.undispatched.length > 0
          ? 'shards not dispatched: their monitors miss this interval'
          : 'shards dispatched',
        { shards: summary.shards, undispatched: summary.undispatched },
      );
      return summary;
    });
}

export const handler = createHandler((runtime) => {
  const env = readEnv();
  return {
    config: bundledConfig(),
    region: env.region,
    invoker: lambdaShardInvoker(env, readRunnerFunction(), runtime),
    namespace: env.metricsNamespace,
  };
});

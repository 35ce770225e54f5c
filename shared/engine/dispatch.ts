/**
 * The dispatcher's run (functions/probe-dispatcher): one scheduled event for a region and interval
 * becomes one asynchronous invocation per shard, so 10,000 monitors all timing out still each get
 * their probe within seconds of the schedule (docs/scale.md). Each shard is sent once; one whose send
 * fails is sent again after the others (the SDK has retried it already), and one that still fails is
 * reported, never the whole run re-sent: a re-sent run would probe the sent shards twice.
 */
import pLimit from 'p-limit';
import type { MonitorConfig } from '../config/types.ts';
import { planShards } from '../domain/shards.ts';
import type { ShardEvent, ShardInvoker } from '../ports/shard-invoker.ts';

/** Invoke calls in flight: 200 shards are out in well under a second at ~30 ms a call. */
export const DISPATCH_CONCURRENCY = 32;
/** Rounds of sending: the first, then one more for the shards whose send failed. */
const ROUNDS = 2;

export interface DispatchRequest {
  region: string;
  intervalMinutes: number;
  /** The scheduled event's `time`, passed to every shard. */
  time: string;
  /** The config's monitors (any region, any interval): the run takes this region's of this interval. */
  monitors: readonly Pick<MonitorConfig, 'id' | 'regions' | 'intervalMinutes'>[];
  /** Monitors per shard: the runner's concurrency, so every probe of a shard starts at once. */
  shardSize: number;
}

export interface DispatchSummary {
  region: string;
  intervalMinutes: number;
  monitors: number;
  shards: number;
  /** Shards accepted for a run. */
  dispatched: number;
  /** Shards no send was accepted for: their monitors miss this interval (alarmed on). */
  undispatched: { index: number; monitorIds: string[]; error: string }[];
}

export async function dispatch(request: DispatchRequest, invoker: ShardInvoker): Promise<DispatchSummary> {
  const ids = request.monitors
    .filter((m) => m.regions.includes(request.region) && m.intervalMinutes === request.intervalMinutes)
    .map((m) => m.id);
  const shards = planShards(ids, request.shardSize);
  const event = (index: number): ShardEvent => ({
    version: '0',
    'detail-type': 'netprobe shard',
    source: 'netprobe.dispatcher',
    time: request.time,
    region: request.region,
    detail: {
      intervalMinutes: request.intervalMinutes,
      shard: { index, count: shards.length },
      monitorIds: shards[index] as string[],
    },
  });
  const limit = pLimit(DISPATCH_CONCURRENCY);
  let pending = shards.map((_, index) => index);
  const errors = new Map<number, string>();
  for (let round = 0; round < ROUNDS && pending.length > 0; round++) {
    const failed: number[] = [];
    await Promise.all(
      pending.map((index) =>
        limit(async () => {
          try {
            await invoker.invoke(event(index));
            errors.delete(index);
          } catch (error) {
            failed.push(index);
            errors.set(index, String((error as Error)?.message ?? error));
          }
        }),
      ),
    );
    pending = failed.sort((a, b) => a - b);
  }
  return {
    region: request.region,
    intervalMinutes: request.intervalMinutes,
    monitors: ids.length,
    shards: shards.length,
    dispatched: shards.length - pending.length,
    undispatched: pending.map((index) => ({
      index,
      monitorIds: shards[index] as string[],
      error: errors.get(index) ?? 'not accepted',
    })),
  };
}

/**
 * The fan-out of one scheduled run (docs/scale.md): a region's monitors of one interval cut into
 * shards small enough that every probe of a shard starts at once (a shard holds at most the
 * runner's concurrency), each run by its own invocation. Pure: the dispatcher sends the events,
 * the runner runs them.
 */

/** What a shard's invocation receives in `detail` (with the scheduled event's other fields). */
export interface ShardDetail {
  intervalMinutes: number;
  /** 0-based index and the run's number of shards. */
  shard: { index: number; count: number };
  /** The monitors this shard runs, in config order: each monitor of the run is in exactly one shard. */
  monitorIds: string[];
}

/** Consecutive slices of at most `size` ids, in order; none when there are no ids. */
export function planShards(monitorIds: readonly string[], size: number): string[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`shard size: expected an integer ≥ 1, got ${size}`);
  const shards: string[][] = [];
  for (let i = 0; i < monitorIds.length; i += size) shards.push(monitorIds.slice(i, i + size));
  return shards;
}

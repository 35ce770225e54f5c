/**
 * Which `netprobe-monitors-<n>` stack holds a monitor's alarms and dashboard row (docs/deploy.md,
 * "How the stacks split").
 *
 * A monitor's shard comes from a hash of its id, not its place in the config: adding or removing a
 * monitor moves no other monitor, so no alarm changes stack (CloudFormation would create it in its
 * new stack while its old stack still holds the name). The shard count is the smallest that lets
 * every shard fit the budget, and the hash is jump consistent hashing (Lamping and Veach, "A Fast,
 * Minimal Memory, Consistent Hash Algorithm", 2014): when the config outgrows the count and it
 * grows by one, the only monitors that move go to the new, last shard, which deploys after the
 * others have let go of them.
 */

/** What one item (a monitor's alarms and dashboard row) adds to a template. */
export interface TemplateCost {
  readonly resources: number;
  readonly bytes: number;
}

const MASK_64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits: a stable, well-spread key for a monitor id. */
export function hashId(id: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < id.length; i++) {
    hash ^= BigInt(id.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & MASK_64;
  }
  return hash;
}

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let bucket = -1;
  let next = 0;
  let k = key;
  while (next < buckets) {
    bucket = next;
    k = (k * 2862933555777941757n + 1n) & MASK_64;
    next = Math.floor((bucket + 1) * (2 ** 31 / Number((k >> 33n) + 1n)));
  }
  return bucket;
}

/** Shards tried beyond the first count that could fit before giving up. */
const MAX_EXTRA_SHARDS = 1_000;

/**
 * The items split into shards by jumpHash(hashId(idOf(item))), each shard's cost (costOf, which sees
 * the whole shard: dashboards cost by page) within the budget. Items keep their order in a shard.
 */
export function shard<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  costOf: (shard: readonly T[]) => TemplateCost,
  budget: TemplateCost,
): T[][] {
  const keys = items.map((item) => hashId(idOf(item)));
  const total = costOf(items);
  const fewest = Math.max(
    1,
    Math.ceil(total.resources / budget.resources),
    Math.ceil(total.bytes / budget.bytes),
  );
  for (let count = fewest; count <= fewest + MAX_EXTRA_SHARDS; count++) {
    const shards: T[][] = Array.from({ length: count }, () => []);
    for (const [index, item] of items.entries()) shards[jumpHash(keys[index] ?? 0n, count)]?.push(item);
    const fits = shards.every((group) => {
      const cost = costOf(group);
      return cost.resources <= budget.resources && cost.bytes <= budget.bytes;
    });
    if (fits) return shards;
  }
  throw new Error(
    `monitors: ${items.length} do not fit in ${fewest + MAX_EXTRA_SHARDS} stacks of ${budget.resources} resources`,
  );
}

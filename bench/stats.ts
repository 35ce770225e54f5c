/**
 * Order statistics for the bench. Quantiles interpolate linearly between order statistics (R type 7,
 * numpy's default), so a p99 of 20 samples lies between the two largest: read it as "about the max".
 */

/** The q-quantile (0 ≤ q ≤ 1) of `values`; NaN for an empty list. Does not reorder its input. */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within [0, 1], got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const low = sorted[lo] as number;
  return low + ((sorted[hi] as number) - low) * (pos - lo);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** |a[i] − b[i]| for paired samples (same target, same delay, taken back to back). */
export function pairedAbsDiffs(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) {
    throw new RangeError(`pairedAbsDiffs: ${a.length} samples against ${b.length}; pairs must line up`);
  }
  return a.map((x, i) => Math.abs(x - (b[i] as number)));
}

/** Number formatting for the tables: fixed decimals, "n/a" for a value that was not measured. */
export function fmt(value: number | undefined, decimals = 2): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(decimals);
}

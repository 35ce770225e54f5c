/**
 * Section 3, measurement under load: ttfb against servers that answer exactly `delayMs` after the
 * request, probed one at a time (N = 1) and all at once (N = 1000), plus N = 1000 through a concurrency
 * limit (the engine's p-limit, config.concurrency) to show what bounds the error. The targets process
 * reports how late its own timers fired, so server lateness is told apart from the prober's.
 */
import { planShards } from '../shared/domain/shards.ts';
import type { CellConfig, CellResult } from './cell.ts';
import { runCell } from './cell-runner.ts';
import { median } from './stats.ts';
import type { Lateness, Targets } from './targets.ts';

export interface LoadCell {
  scheme: 'http' | 'https';
  n: number;
  /** Probes in flight at once; undefined = all N. */
  concurrency?: number;
  /** Starts spread by the engine's pacer: with the limit, the shape runMonitors runs probes in. */
  pace?: boolean;
  /**
   * The runner's shape: the N probes cut into shards of this size by the dispatcher's own planShards,
   * each run as a probe-runner invocation runs it (its own process, the warm-up first, every probe of
   * the shard through the limit and the pacer; `warmup` rounds before, as a container reused from the
   * previous interval has run), one after the other as separate Lambda sandboxes do not share a CPU.
   * `result` pools the shards (mergeShards).
   */
  shardSize?: number;
  result: CellResult;
  /** How much later than injected the servers sent their headers (ms), for this cell's requests. */
  serverLateness: number[];
  /**
   * Measured rounds only: each probe's ttfb − delay − the lateness the server recorded for that very
   * request (paired by path and round), i.e. the part of the error on the prober's side.
   */
  proberErrors: number[];
}

/**
 * Pairs probe k of target i (path /load/i) with the server's k-th record for that path: rounds run one
 * after the other and each target is asked once per round, so the order matches. A target whose counts
 * differ (a probe that never sent its request) is left out rather than mispaired.
 */
export function proberErrors(
  ttfbByTarget: (number | null)[][],
  late: Lateness[],
  pathOf: (i: number) => string,
  delayMs: number,
  warmupRounds: number,
): number[] {
  const byPath = new Map<string, number[]>();
  for (const { path, ms } of late) {
    const list = byPath.get(path) ?? [];
    list.push(ms);
    byPath.set(path, list);
  }
  const out: number[] = [];
  ttfbByTarget.forEach((rounds, i) => {
    const server = byPath.get(pathOf(i)) ?? [];
    if (server.length !== rounds.length) return;
    rounds.forEach((ttfb, k) => {
      const serverLate = server[k];
      if (k >= warmupRounds && ttfb !== null && serverLate !== undefined)
        out.push(ttfb - delayMs - serverLate);
    });
  });
  return out;
}

export async function measureLoad(opts: {
  bundle: string;
  targets: Targets;
  delayMs: number;
  cells: {
    scheme: 'http' | 'https';
    n: number;
    concurrency?: number;
    pace?: boolean;
    shardSize?: number;
    warmup: number;
    rounds: number;
  }[];
  log: (line: string) => void;
}): Promise<LoadCell[]> {
  const out: LoadCell[] = [];
  for (const c of opts.cells) {
    const key = `${c.scheme}:${opts.delayMs}`;
    await opts.targets.lateness(key, true);
    const cellOf = (count: number, firstIndex: number, extra: Partial<CellConfig> = {}): CellConfig => ({
      groups: [
        {
          url: `${c.scheme}://127.0.0.1:{port}/load/{i}`,
          ports: opts.targets[c.scheme][opts.delayMs] ?? [],
          count,
          firstIndex,
          tls: c.scheme === 'https',
          delayMs: opts.delayMs,
        },
      ],
      warmupRounds: c.warmup,
      rounds: c.rounds,
      caFile: opts.targets.caFile,
      ...(c.concurrency === undefined ? {} : { concurrency: c.concurrency }),
      ...(c.pace ? { pace: true } : {}),
      ...extra,
    });
    const result =
      c.shardSize === undefined
        ? await runCell(opts.bundle, cellOf(c.n, 0))
        : await runShards(opts.bundle, c.n, c.shardSize, (shard) =>
            cellOf(shard.length, shard[0] ?? 0, { concurrency: shard.length, pace: true, warmUp: true }),
          );
    const late = await opts.targets.lateness(key, true);
    const cell: LoadCell = {
      scheme: c.scheme,
      n: c.n,
      result,
      serverLateness: late.map((l) => l.ms),
      proberErrors: proberErrors(
        result.ttfbByTarget[0] ?? [],
        late,
        (i) => `/load/${i}`,
        opts.delayMs,
        c.warmup,
      ),
    };
    if (c.concurrency !== undefined) cell.concurrency = c.concurrency;
    if (c.pace) cell.pace = true;
    if (c.shardSize !== undefined) cell.shardSize = c.shardSize;
    opts.log(
      `  ${c.scheme} N=${c.n}${c.concurrency ? ` concurrency ${c.concurrency}` : ''}${c.pace ? ' paced' : ''}${c.shardSize ? ` in shards of ${c.shardSize}` : ''}: done`,
    );
    out.push(cell);
  }
  return out;
}

/** Runs the N targets' shards (planShards, as the dispatcher cuts a run) one fresh cell each, and pools them. */
async function runShards(
  bundle: string,
  n: number,
  shardSize: number,
  config: (shard: number[]) => CellConfig,
): Promise<CellResult> {
  const shards = planShards(
    Array.from({ length: n }, (_, i) => String(i)),
    shardSize,
  ).map((ids) => ids.map(Number));
  const results: CellResult[] = [];
  for (const shard of shards) results.push(await runCell(bundle, config(shard)));
  return mergeShards(results);
}

/**
 * One result for the shards of a run. Per-probe values (ttfb errors, ttfb by target) are pooled in
 * target order; the cells report only quantiles of phases and loop delay, so the pooled p50 is the
 * median of the shards' and the pooled p99 and max their largest (an upper bound).
 */
export function mergeShards(results: CellResult[]): CellResult {
  const largest = (values: number[]) => Math.max(...values);
  const phases: Record<string, { p50: number; p99: number }> = {};
  for (const name of new Set(results.flatMap((r) => Object.keys(r.phases[0] ?? {})))) {
    const each = results.flatMap((r) => {
      const phase = r.phases[0]?.[name];
      return phase ? [phase] : [];
    });
    phases[name] = { p50: median(each.map((p) => p.p50)), p99: largest(each.map((p) => p.p99)) };
  }
  const failures: Record<string, number> = {};
  for (const r of results)
    for (const [code, count] of Object.entries(r.failures)) failures[code] = (failures[code] ?? 0) + count;
  return {
    warmup: results.flatMap((r) => r.warmup),
    rounds: results.flatMap((r) => r.rounds),
    ttfbErrors: [results.flatMap((r) => r.ttfbErrors[0] ?? [])],
    ttfbByTarget: [results.flatMap((r) => r.ttfbByTarget[0] ?? [])],
    phases: [phases],
    failures,
    failureSamples: results.flatMap((r) => r.failureSamples).slice(0, 5),
    maxRssMb: largest(results.map((r) => r.maxRssMb)),
    processMs: largest(results.map((r) => r.processMs)),
    loopDelay: {
      p50: median(results.map((r) => r.loopDelay.p50)),
      p99: largest(results.map((r) => r.loopDelay.p99)),
      max: largest(results.map((r) => r.loopDelay.max)),
    },
    openFilesLimit: results[0]?.openFilesLimit ?? 0,
  };
}

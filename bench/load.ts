/**
 * Section 3, measurement under load: ttfb against servers that answer exactly `delayMs` after the
 * request, probed one at a time (N = 1) and all at once (N = 1000), plus N = 1000 through a concurrency
 * limit (the engine's p-limit, config.concurrency) to show what bounds the error. The targets process
 * reports how late its own timers fired, so server lateness is told apart from the prober's.
 */
import type { CellResult } from './cell.ts';
import { runCell } from './cell-runner.ts';
import type { Lateness, Targets } from './targets.ts';

export interface LoadCell {
  scheme: 'http' | 'https';
  n: number;
  /** Probes in flight at once; undefined = all N. */
  concurrency?: number;
  /** Starts spread by the engine's pacer: with the limit, the shape runMonitors runs probes in. */
  pace?: boolean;
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
    warmup: number;
    rounds: number;
  }[];
  log: (line: string) => void;
}): Promise<LoadCell[]> {
  const out: LoadCell[] = [];
  for (const c of opts.cells) {
    const key = `${c.scheme}:${opts.delayMs}`;
    await opts.targets.lateness(key, true);
    const result = await runCell(opts.bundle, {
      groups: [
        {
          url: `${c.scheme}://127.0.0.1:{port}/load/{i}`,
          ports: opts.targets[c.scheme][opts.delayMs] ?? [],
          count: c.n,
          tls: c.scheme === 'https',
          delayMs: opts.delayMs,
        },
      ],
      warmupRounds: c.warmup,
      rounds: c.rounds,
      caFile: opts.targets.caFile,
      ...(c.concurrency === undefined ? {} : { concurrency: c.concurrency }),
      ...(c.pace ? { pace: true } : {}),
    });
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
    opts.log(
      `  ${c.scheme} N=${c.n}${c.concurrency ? ` concurrency ${c.concurrency}` : ''}${c.pace ? ' paced' : ''}: done`,
    );
    out.push(cell);
  }
  return out;
}

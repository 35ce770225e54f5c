/**
 * Section 2, cost per probe: CPU (user + sys) and wall time per probe for HTTP, HTTPS, TCP and DNS at
 * N concurrent targets in one process, netprobe (a fresh child process per cell) next to
 * blackbox_exporter (a fresh exporter per cell, driven through /probe). Every cell runs warm-up rounds
 * first (JIT, TLS contexts, Go's pools) and is measured over `rounds` rounds of N probes at once. N = 1
 * gets many rounds because /proc reports the exporter's CPU in 10 ms clock ticks.
 */
import type { BlackboxCellResult, BlackboxModule } from './blackbox.ts';
import { runBlackboxCell } from './blackbox.ts';
import type { CellGroup, CellResult } from './cell.ts';
import { runCell } from './cell-runner.ts';
import type { Targets } from './targets.ts';

export const KINDS = ['http', 'https', 'tcp', 'dns'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * Warm-up and measured rounds per N: enough probes that 10 ms ticks stay a small error. The warm-up is
 * 300 probes at N = 1 and 500 at N = 100: V8 keeps compiling hot code over a fresh process's first few
 * hundred probes (HTTPS at N = 100: rounds 2 to 4 cost 1.0–1.5 ms of CPU a probe, rounds 6 and later
 * 0.6–0.8), and the cost goal is the steady state a long-lived runner sees; the first round is reported
 * apart as "cold". Cheap cells are repeated, netprobe and exporter alternating, and pooled, so one burst
 * of load on the machine does not decide a cell alone.
 */
export const ROUNDS: Record<number, { warmup: number; rounds: number; repeats: number }> = {
  1: { warmup: 300, rounds: 300, repeats: 3 },
  100: { warmup: 5, rounds: 3, repeats: 3 },
  1000: { warmup: 1, rounds: 1, repeats: 1 },
};

/** "N=1: 300 + 300, …": the warm-up and measured rounds, as the report and docs say them. */
export function roundsWords(): string {
  return Object.entries(ROUNDS)
    .map(([n, r]) => `N=${n}: ${r.warmup} + ${r.rounds}`)
    .join(', ');
}

/** The HTTPS variant that offers blackbox_exporter's key-exchange groups: the HTTPS goal cells (report.ts). */
export const CLASSICAL_GROUPS = 'classical TLS groups';

export interface CostCell {
  kind: Kind;
  n: number;
  /** A diagnostic run of netprobe under different Node flags (not a goal cell), e.g. TLS groups. */
  variant?: string;
  netprobe: CellResult;
  blackbox?: BlackboxCellResult;
}

/** The netprobe cell group and the exporter targets probing the same servers. */
export function kindTargets(
  kind: Kind,
  n: number,
  targets: Targets,
): { group: CellGroup; module: BlackboxModule; blackbox: string[] } {
  const at = (ports: number[], i: number) => ports[i % ports.length] as number;
  switch (kind) {
    case 'http':
    case 'https': {
      const ports = targets[kind][0] ?? [];
      return {
        group: { url: `${kind}://127.0.0.1:{port}/t/{i}`, ports, count: n, tls: kind === 'https' },
        module: 'http',
        blackbox: Array.from({ length: n }, (_, i) => `${kind}://127.0.0.1:${at(ports, i)}/t/${i}`),
      };
    }
    case 'tcp':
      return {
        group: { url: 'tcp://127.0.0.1:{port}', ports: targets.tcp, count: n },
        module: 'tcp',
        blackbox: Array.from({ length: n }, (_, i) => `127.0.0.1:${at(targets.tcp, i)}`),
      };
    case 'dns': {
      const ports = targets.dns[0] ?? [];
      return {
        group: { url: 'dns://127.0.0.1:{port}/www.bench.test?type=A', ports, count: n },
        module: 'dns',
        blackbox: Array.from({ length: n }, (_, i) => `127.0.0.1:${at(ports, i)}`),
      };
    }
  }
}

export async function measureCost(opts: {
  bundle: string;
  targets: Targets;
  ns: number[];
  blackboxBin?: string;
  dir: string;
  ticksPerSecond: number;
  /** Extra netprobe-only cells: the same kind and Ns, run with other Node flags, to test a hypothesis. */
  variants?: { name: string; kind: Kind; nodeArgs: string[] }[];
  log: (line: string) => void;
}): Promise<CostCell[]> {
  const cells: CostCell[] = [];
  for (const kind of KINDS) {
    for (const n of opts.ns) {
      const { warmup, rounds, repeats } = ROUNDS[n] ?? { warmup: 1, rounds: 1, repeats: 1 };
      const { group, module, blackbox } = kindTargets(kind, n, opts.targets);
      const config = { groups: [group], warmupRounds: warmup, rounds, caFile: opts.targets.caFile };
      const variants = (opts.variants ?? []).filter((v) => v.kind === kind);
      const ours: CellResult[] = [];
      const theirs: BlackboxCellResult[] = [];
      const others: CellResult[][] = variants.map(() => []);
      // Each repeat runs netprobe, the exporter and the variants back to back, so all see the same load.
      for (let r = 0; r < repeats; r++) {
        ours.push(await runCell(opts.bundle, config));
        if (opts.blackboxBin) {
          theirs.push(
            await runBlackboxCell({
              bin: opts.blackboxBin,
              dir: opts.dir,
              caFile: opts.targets.caFile,
              module,
              targets: blackbox,
              warmupRounds: warmup,
              rounds,
              ticksPerSecond: opts.ticksPerSecond,
            }),
          );
        }
        for (const [v, variant] of variants.entries()) {
          others[v]?.push(await runCell(opts.bundle, config, variant.nodeArgs));
        }
      }
      const cell: CostCell = { kind, n, netprobe: pooled(ours) };
      if (theirs.length) cell.blackbox = pooledBlackbox(theirs);
      opts.log(
        `  ${kind.padEnd(5)} N=${String(n).padEnd(4)} netprobe ${cpuPerProbe(cell.netprobe).toFixed(3)} ms CPU/probe` +
          (cell.blackbox
            ? `, blackbox_exporter ${(cell.blackbox.cpuMs / cell.blackbox.probes).toFixed(3)}`
            : ''),
      );
      cells.push(cell);
      for (const [v, variant] of variants.entries()) {
        const other = pooled(others[v] ?? []);
        opts.log(
          `  ${kind.padEnd(5)} N=${String(n).padEnd(4)} ${variant.name}: ${cpuPerProbe(other).toFixed(3)} ms CPU/probe`,
        );
        cells.push({ kind, n, variant: variant.name, netprobe: other });
      }
    }
  }
  return cells;
}

/** Repeats of one netprobe cell as one: measured rounds pooled, warm-up and loop delay of the first, peak of the peaks. */
function pooled(runs: CellResult[]): CellResult {
  const [first, ...rest] = runs;
  if (!first) throw new Error('pooled: no runs');
  const failures = { ...first.failures };
  for (const run of rest) {
    for (const [code, count] of Object.entries(run.failures)) failures[code] = (failures[code] ?? 0) + count;
  }
  return {
    ...first,
    rounds: runs.flatMap((r) => r.rounds),
    failures,
    failureSamples: runs.flatMap((r) => r.failureSamples).slice(0, 5),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
  };
}

function pooledBlackbox(runs: BlackboxCellResult[]): BlackboxCellResult {
  return {
    rounds: runs.flatMap((r) => r.rounds),
    cpuMs: runs.reduce((sum, r) => sum + r.cpuMs, 0),
    probes: runs.reduce((sum, r) => sum + r.probes, 0),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    failureSamples: runs.flatMap((r) => r.failureSamples).slice(0, 5),
  };
}

/** CPU per probe over the measured rounds of a netprobe cell (ms). */
export function cpuPerProbe(cell: CellResult): number {
  const probes = cell.rounds.reduce((sum, r) => sum + r.probes, 0);
  return cell.rounds.reduce((sum, r) => sum + r.cpuMs, 0) / probes;
}

/** CPU per probe of the first warm-up round: a fresh process, JIT cold (ms). */
export function coldCpuPerProbe(cell: CellResult): number | undefined {
  const first = cell.warmup[0];
  return first ? first.cpuMs / first.probes : undefined;
}

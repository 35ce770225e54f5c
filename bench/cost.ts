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

/** Warm-up and measured rounds per N: enough probes that 10 ms ticks stay a small error. */
export const ROUNDS: Record<number, { warmup: number; rounds: number }> = {
  1: { warmup: 5, rounds: 300 },
  100: { warmup: 1, rounds: 3 },
  1000: { warmup: 1, rounds: 1 },
};

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
      const { warmup, rounds } = ROUNDS[n] ?? { warmup: 1, rounds: 1 };
      const { group, module, blackbox } = kindTargets(kind, n, opts.targets);
      const netprobe = await runCell(opts.bundle, {
        groups: [group],
        warmupRounds: warmup,
        rounds,
        caFile: opts.targets.caFile,
      });
      const cell: CostCell = { kind, n, netprobe };
      if (opts.blackboxBin) {
        cell.blackbox = await runBlackboxCell({
          bin: opts.blackboxBin,
          dir: opts.dir,
          caFile: opts.targets.caFile,
          module,
          targets: blackbox,
          warmupRounds: warmup,
          rounds,
          ticksPerSecond: opts.ticksPerSecond,
        });
      }
      opts.log(
        `  ${kind.padEnd(5)} N=${String(n).padEnd(4)} netprobe ${cpuPerProbe(netprobe).toFixed(3)} ms CPU/probe` +
          (cell.blackbox
            ? `, blackbox_exporter ${(cell.blackbox.cpuMs / cell.blackbox.probes).toFixed(3)}`
            : ''),
      );
      cells.push(cell);
    }
  }
  for (const variant of opts.variants ?? []) {
    for (const n of opts.ns) {
      const { warmup, rounds } = ROUNDS[n] ?? { warmup: 1, rounds: 1 };
      const { group } = kindTargets(variant.kind, n, opts.targets);
      const netprobe = await runCell(
        opts.bundle,
        { groups: [group], warmupRounds: warmup, rounds, caFile: opts.targets.caFile },
        variant.nodeArgs,
      );
      opts.log(
        `  ${variant.kind} N=${n} (${variant.name}) netprobe ${cpuPerProbe(netprobe).toFixed(3)} ms CPU/probe`,
      );
      cells.push({ kind: variant.kind, n, variant: variant.name, netprobe });
    }
  }
  return cells;
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

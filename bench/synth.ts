/**
 * Section 6: `cdk synth` at scale. Each size runs bench/synth-cell.ts in a fresh process (its CPU and
 * memory are its own) into a temporary cloud assembly directory removed after.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface SynthRun {
  monitors: number;
  stacks: number;
  monitorsStacks: number;
  dashboards: number;
  /** Constructing the stacks (config resolved, shards planned). */
  buildS: number;
  /** Writing and checking the templates. */
  synthS: number;
  cpuS: number;
  largestBytes: number;
  largestStack: string;
  mostResources: number;
  peakRssMb: number;
}

const CELL = fileURLToPath(new URL('./synth-cell.ts', import.meta.url));

export async function measureSynth(
  sizes: readonly number[],
  dir: string,
  log: (line: string) => void,
): Promise<SynthRun[]> {
  const runs: SynthRun[] = [];
  for (const monitors of sizes) {
    const outdir = mkdtempSync(join(dir, `synth-${monitors}-`));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [CELL, String(monitors), outdir], {
        maxBuffer: 1 << 20,
        timeout: 30 * 60_000,
      });
      const run = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as SynthRun;
      log(`  ${monitors} monitors: ${run.stacks} stacks in ${(run.buildS + run.synthS).toFixed(1)} s`);
      runs.push(run);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  return runs;
}

export function synthSection(runs: readonly SynthRun[]): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const rows = runs.map((r) => [
    n(r.monitors),
    `${r.stacks} (${r.monitorsStacks} monitors stacks)`,
    n(r.dashboards),
    `${(r.buildS + r.synthS).toFixed(1)} s (build ${r.buildS.toFixed(1)} + synth ${r.synthS.toFixed(1)}), CPU ${r.cpuS.toFixed(1)} s`,
    `${n(r.largestBytes)} (${r.largestStack})`,
    String(r.mostResources),
    n(Math.round(r.peakRssMb)),
  ]);
  const header = [
    'monitors (5 regions)',
    'stacks',
    'dashboards',
    'synth time',
    'largest template, bytes',
    'most resources',
    'peak RSS, MB',
  ];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    'Every stack built and synthesized as `cdk synth` does, bundling skipped (it does not grow with monitors), ' +
      'the generated config of test/fixtures/monitors-at-scale.ts. CloudFormation refuses a template over ' +
      '1,000,000 bytes or 500 resources; `cdk synth` checks both (infra/limits.ts).',
    [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'),
  ].join('\n\n');
}

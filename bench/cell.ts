/**
 * One measured cell, run in a fresh child process so its CPU time and peak RSS are netprobe's alone:
 *   node bench/cell.ts '<CellConfig JSON>'
 * Builds the specs (URL parsing is config work and stays outside the measurement), runs `warmupRounds`
 * then `rounds` rounds of all specs at once through runProbe, and prints one JSON line (CellResult).
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { parseTargetUrl } from '../shared/config/url.ts';
import { createPacer } from '../shared/engine/pace.ts';
import { runProbe } from '../shared/probes/index.ts';
import type { ProbeSpec } from '../shared/probes/spec.ts';
import type { ProbeResult } from '../shared/probes/types.ts';
import { warmUp } from '../shared/probes/warm-up.ts';
import { openFilesLimit } from './proc.ts';
import { quantile } from './stats.ts';

export interface CellGroup {
  /**
   * Target URL; "{i}" is replaced by the target's index (N targets are N different URLs) and "{port}"
   * by ports[i % ports.length] (targets spread over several servers).
   */
  url: string;
  count: number;
  ports?: number[];
  /** Trust the bench CA (https). */
  tls?: boolean;
  /** Injected server delay for HTTP targets: ttfb minus this is the measurement error. */
  delayMs?: number;
  /** Added to each target's index for "{i}": a shard's targets continue the run's numbering. */
  firstIndex?: number;
}

export interface CellConfig {
  groups: CellGroup[];
  warmupRounds: number;
  rounds: number;
  caFile?: string;
  /** Probes in flight at once, as the engine's p-limit does (config.concurrency); default: all at once. */
  concurrency?: number;
  /** Spread starts with the engine's pacer (shared/engine/pace.ts), inside the limit, as runMonitors does. */
  pace?: boolean;
  /** Run the probers' warm-up (shared/probes/warm-up.ts) before any round, as the runner's init does. */
  warmUp?: boolean;
}

export interface RoundResult {
  probes: number;
  wallMs: number;
  /** process.cpuUsage() user + system over the round, ms: every thread of the process. */
  cpuMs: number;
}

export interface CellResult {
  warmup: RoundResult[];
  rounds: RoundResult[];
  /** Per group, over the measured rounds: ttfb − delayMs of every HTTP result (ms). */
  ttfbErrors: number[][];
  /**
   * Per group with delayMs, per target, per round (warm-up rounds first): ttfb in ms, null when the probe
   * got no first byte. Lets the bench pair each probe with the server's own record of that request.
   */
  ttfbByTarget: (number | null)[][][];
  /** Per group, over the measured rounds: each phase's p50 and p99 (ms). */
  phases: Record<string, { p50: number; p99: number }>[];
  /** Non-up results by error code, all rounds. */
  failures: Record<string, number>;
  /** A few failure messages, to say what went wrong. */
  failureSamples: string[];
  /** process.resourceUsage().maxRSS, MB. */
  maxRssMb: number;
  /** From process start to the end of the last round (module loading included), ms. */
  processMs: number;
  /** Event-loop delay over the measured rounds (ms): how long a ready callback waited for the one JS thread. */
  loopDelay: { p50: number; p99: number; max: number };
  /** Soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start). */
  openFilesLimit: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as CellConfig;
  const ca = config.caFile ? readFileSync(config.caFile, 'utf8') : undefined;
  const specs = config.groups.map((group) =>
    Array.from({ length: group.count }, (_, i) =>
      parseTargetUrl(targetUrl(group, i), group.tls && ca ? { ca } : {}),
    ),
  );
  // Unbounded cells call runProbe directly, so p-limit's own bookkeeping is not billed to the probes.
  const limit = config.concurrency ? pLimit(config.concurrency) : undefined;
  const pace = config.pace ? createPacer() : undefined;
  const paced = pace
    ? async (spec: ProbeSpec) => {
        await pace(spec);
        return runProbe(spec);
      }
    : runProbe;
  const probe = (spec: ProbeSpec) => (limit ? limit(() => paced(spec)) : paced(spec));
  const failures: Record<string, number> = {};
  const failureSamples: string[] = [];
  const ttfbErrors: number[][] = config.groups.map(() => []);
  const phaseValues: Record<string, number[]>[] = config.groups.map(() => ({}));
  const ttfbByTarget: (number | null)[][][] = config.groups.map((g, i) =>
    g.delayMs === undefined ? [] : (specs[i] ?? []).map(() => []),
  );

  const round = async (measured: boolean): Promise<RoundResult> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const results = await Promise.all(specs.map((group) => Promise.all(group.map(probe))));
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    results.forEach((group, g) => {
      for (const [t, result] of group.entries()) {
        ttfbByTarget[g]?.[t]?.push(result.timings.ttfb ?? null);
        record(result, failures, failureSamples);
        if (!measured) continue;
        const values = phaseValues[g] as Record<string, number[]>;
        for (const [phase, ms] of Object.entries(result.timings)) {
          const list = values[phase] ?? [];
          list.push(ms);
          values[phase] = list;
        }
        const delay = config.groups[g]?.delayMs;
        if (delay !== undefined && result.timings.ttfb !== undefined) {
          ttfbErrors[g]?.push(result.timings.ttfb - delay);
        }
      }
    });
    return { probes: specs.flat().length, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  };

  if (config.warmUp) await warmUp(specs.flat());
  const warmup: RoundResult[] = [];
  for (let i = 0; i < config.warmupRounds; i++) warmup.push(await round(false));
  const rounds: RoundResult[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < config.rounds; i++) rounds.push(await round(true));
  loop.disable();

  const result: CellResult = {
    warmup,
    rounds,
    ttfbErrors,
    ttfbByTarget,
    phases: phaseValues.map((byPhase) =>
      Object.fromEntries(
        Object.entries(byPhase).map(([phase, v]) => [
          phase,
          { p50: quantile(v, 0.5), p99: quantile(v, 0.99) },
        ]),
      ),
    ),
    failures,
    failureSamples,
    loopDelay: {
      p50: loop.percentile(50) / 1e6,
      p99: loop.percentile(99) / 1e6,
      max: loop.max / 1e6,
    },
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    processMs: performance.now(),
    openFilesLimit: openFilesLimit(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function targetUrl(group: CellGroup, i: number): string {
  const port = group.ports?.[i % group.ports.length];
  return group.url.replaceAll('{i}', String((group.firstIndex ?? 0) + i)).replaceAll('{port}', String(port));
}

function record(result: ProbeResult, failures: Record<string, number>, samples: string[]): void {
  if (result.status === 'up' || !result.error) return;
  failures[result.error.code] = (failures[result.error.code] ?? 0) + 1;
  if (samples.length < 5) samples.push(`${result.target}: ${result.error.code} ${result.error.message}`);
}

await main();

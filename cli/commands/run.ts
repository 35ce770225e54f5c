/**
 * `netprobe run`: every configured monitor once, concurrently (bounded), from this machine. Each
 * monitor's timeout bounds its probe and triage together, so the run ends within
 * ceil(monitors ÷ concurrency) × the largest timeout. On a terminal, a line per monitor as it finishes,
 * written at the first moment no probe is timed.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../shared/config/load.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { runMonitors } from '../../shared/engine/run-monitors.ts';
import { warmUp } from '../../shared/probes/warm-up.ts';
import { EXIT, exitCodeFor, type FailOn, UsageError } from '../exit.ts';
import { findingsTable, formatMs, summaryLine } from '../format/findings.ts';
import { localLocation } from '../location.ts';
import type { Output } from '../output.ts';

export interface RunFlags {
  config?: string;
  concurrency?: number;
  json?: boolean;
  failOn?: FailOn;
}

export async function runCommand(flags: RunFlags, output: Output): Promise<number> {
  if (flags.config === undefined && !existsSync(DEFAULT_CONFIG_PATH)) {
    throw new UsageError(
      `no --config given and no ${DEFAULT_CONFIG_PATH} in ${process.cwd()}: pass --config <file>`,
    );
  }
  const config = await loadConfig(flags.config);
  // Before any clock starts: every probe then times the network, not this fresh process.
  await warmUp(config.monitors.map((m) => m.probe));
  const progress = flags.json ? undefined : output.progress;
  const { findings, skipped } = await runMonitors(config.monitors, {
    location: localLocation(),
    concurrency: flags.concurrency ?? config.concurrency,
    classification: config.classification,
    ...(progress && { onFinding: (finding: Finding) => progress.prepare(progressLine(finding))() }),
  });
  if (flags.json) {
    for (const finding of findings) output.out(JSON.stringify(finding));
  } else {
    for (const line of findingsTable(findings, output.paint)) output.out(line);
    output.out('');
    output.out(summaryLine(findings, output.paint));
  }
  // Without a run deadline nothing is skipped; should it happen, a monitor silently not probed must fail the run.
  if (skipped.length > 0) {
    output.err(`netprobe: not started (out of time): ${skipped.join(', ')}`);
    return EXIT.down;
  }
  return exitCodeFor(findings, flags.failOn);
}

/**
 * `netprobe: api-health down (TCP_TIMEOUT) 1000.2 ms`. runMonitors hands findings over only while no
 * probe is timed, so the line is formatted and written between probes, never during one.
 */
function progressLine(finding: Finding): string {
  const code = finding.error ? ` (${finding.error.code})` : '';
  return `netprobe: ${finding.monitorId} ${finding.status}${code} ${formatMs(finding.timings.total)} ms`;
}

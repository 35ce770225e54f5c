/**
 * `netprobe check <url>`: one ad-hoc probe from this machine, through the same engine as `run`.
 * `--timeout` bounds the whole command: the probe and its triage share that one deadline.
 */
import { checkOnce } from '../../shared/engine/run-monitors.ts';
import { targetOf } from '../../shared/probes/index.ts';
import { warmUp } from '../../shared/probes/warm-up.ts';
import { type CheckFlags, checkSpec } from '../check-flags.ts';
import { exitCodeFor, type FailOn } from '../exit.ts';
import { findingDetails } from '../format/details.ts';
import { findingsTable } from '../format/findings.ts';
import { triageLines } from '../format/triage.ts';
import { localLocation } from '../location.ts';
import type { Output } from '../output.ts';

export interface CheckOptions extends CheckFlags {
  json?: boolean;
  triage: boolean;
  failOn?: FailOn;
}

export async function checkCommand(url: string, opts: CheckOptions, output: Output): Promise<number> {
  const spec = await checkSpec(url, opts);
  // Before the clock: the first probe of a fresh process then times the network, not the process.
  await warmUp([spec]);
  // Said before the clock starts, never while the probe is timed (a write then would delay its marks).
  if (!opts.json) {
    output.progress?.prepare(
      `netprobe: probing ${targetOf(spec)} (gives up after ${formatSeconds(spec.timeoutMs)})…`,
    )();
  }
  const finding = await checkOnce(spec, {
    location: localLocation(),
    triage: opts.triage,
    deadline: performance.now() + spec.timeoutMs,
  });
  if (opts.json) {
    output.out(JSON.stringify(finding));
  } else {
    for (const line of findingsTable([finding], output.paint)) output.out(line);
    for (const line of findingDetails(finding, output.paint)) output.out(line);
    for (const line of triageLines(finding, output.paint)) output.out(line);
  }
  return exitCodeFor([finding], opts.failOn);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

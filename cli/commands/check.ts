/** `netprobe check <url>`: one ad-hoc probe from this machine, through the same engine as `run`. */
import { checkOnce } from '../../shared/engine/run-monitors.ts';
import { type CheckFlags, checkSpec } from '../check-flags.ts';
import { exitCodeFor } from '../exit.ts';
import { findingDetails } from '../format/details.ts';
import { findingsTable } from '../format/findings.ts';
import { triageLines } from '../format/triage.ts';
import { localLocation } from '../location.ts';
import type { Output } from '../output.ts';

export interface CheckOptions extends CheckFlags {
  json?: boolean;
  triage: boolean;
}

export async function checkCommand(url: string, opts: CheckOptions, output: Output): Promise<number> {
  const spec = await checkSpec(url, opts);
  const finding = await checkOnce(spec, { location: localLocation(), triage: opts.triage });
  if (opts.json) {
    output.out(JSON.stringify(finding));
  } else {
    for (const line of findingsTable([finding], output.paint)) output.out(line);
    for (const line of findingDetails(finding, output.paint)) output.out(line);
    for (const line of triageLines(finding, output.paint)) output.out(line);
  }
  return exitCodeFor([finding]);
}

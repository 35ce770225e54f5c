/**
 * `netprobe lab` (npm start): the offline demo. Starts the lab's servers on loopback, runs the lab's
 * monitors once through the same engine as `netprobe run`, prints what it found, stops everything.
 *
 * Exit 0 even though some lab targets are down (they are broken on purpose); exit 1 only when a
 * finding differs from what its target was built to produce, which is a netprobe bug.
 */
import { type LabRun, PERSIST_MINUTES, runLab } from '../../shared/lab/lab.ts';
import { EXIT } from '../exit.ts';
import { findingsTable, summaryLine } from '../format/findings.ts';
import { notificationsTable, timelineOrigin } from '../format/notifications.ts';
import { localLocation } from '../location.ts';
import type { Output } from '../output.ts';

export interface LabFlags {
  json?: boolean;
}

export async function labCommand(flags: LabFlags, output: Output): Promise<number> {
  const { paint } = output;
  const run = await runLab({ location: localLocation() });
  if (flags.json) {
    for (const finding of run.findings) output.out(JSON.stringify(finding));
  } else {
    output.out(
      paint(
        'bold',
        `netprobe lab: ${run.findings.length} example monitors against local targets on loopback`,
      ),
    );
    for (const note of run.lab.notes) output.out(paint('yellow', `note: ${note}`));
    output.out('');
    for (const line of findingsTable(run.findings, paint)) output.out(line);
    output.out('');
    output.out(summaryLine(run.findings, paint));
    const onPurpose = run.findings.filter((f) => f.status !== 'up');
    if (onPurpose.length > 0) {
      output.out('Broken on purpose, so the findings above show what each failure looks like:');
      for (const f of onPurpose) output.out(`  ${f.monitorId}: ${run.lab.expected[f.monitorId]?.why ?? '?'}`);
    }
  }
  if (!flags.json) printPipeline(run, output);
  for (const s of run.surprises) {
    const want = [s.expected.status, s.expected.code].filter(Boolean).join(' ');
    const got = [s.got.status, s.got.code].filter(Boolean).join(' ');
    output.err(
      `netprobe lab: ${s.monitorId}: expected ${want}, got ${got} (a netprobe bug: please report it)`,
    );
  }
  if (run.skipped.length > 0)
    output.err(`netprobe lab: not started (out of time): ${run.skipped.join(', ')}`);
  const ok = run.surprises.length === 0 && run.skipped.length === 0;
  if (!flags.json) {
    output.out('');
    output.out(
      `Lab ran in ${(run.elapsedMs / 1000).toFixed(1)} s; every lab server is stopped. ` +
        (ok
          ? 'Exit code 0: every finding is what its target was built to produce.'
          : 'Exit code 1: see above.'),
    );
  }
  return ok ? EXIT.ok : EXIT.down;
}

/** What happened after the probes: the findings in DynamoDB, and the pages the policy would send. */
function printPipeline(run: LabRun, output: Output): void {
  const { paint } = output;
  const { stored, pages } = run;
  output.out('');
  output.out(
    `${paint('bold', 'Stored')} ${stored.written} findings in the embedded DynamoDB (dynalite at ${stored.endpoint}, ` +
      `table ${stored.tableName}) and read back the latest status of ${new Set(stored.readBack.map((f) => f.monitorId)).size} monitors.`,
  );
  output.out('');
  output.out(
    `${paint('bold', 'Pages')} the escalation policy would send if these results persisted for ${PERSIST_MINUTES} minutes ` +
      '(a replay on a simulated clock: nothing is sent):',
  );
  if (pages.length === 0) {
    output.out('  none');
    return;
  }
  const origin = timelineOrigin(run.findings);
  for (const line of notificationsTable(pages, origin, paint)) output.out(`  ${line}`);
}

/**
 * `netprobe lab` (npm start): the offline demo. Starts the lab's servers on loopback, runs the lab's
 * monitors once through the same engine as `netprobe run`, prints what it found, stops everything.
 *
 * Exit 0 even though some lab targets are down (they are broken on purpose); exit 1 only when a
 * finding differs from what its target was built to produce, which is a netprobe bug.
 */
import { LocalMetricsPublisher } from '../../shared/adapters/local-metrics.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../../shared/domain/metrics.ts';
import { type LabRun, PERSIST_MINUTES, runLab } from '../../shared/lab/lab.ts';
import { EXIT } from '../exit.ts';
import { findingsTable, summaryLine } from '../format/findings.ts';
import { notificationsTable, timelineOrigin } from '../format/notifications.ts';
import { plain } from '../format/style.ts';
import { localLocation } from '../location.ts';
import type { Output } from '../output.ts';

export interface LabFlags {
  json?: boolean;
}

export async function labCommand(flags: LabFlags, output: Output): Promise<number> {
  // Metric lines are collected during the run and printed in their own section of the report.
  const metricLines: string[] = [];
  const metrics = new LocalMetricsPublisher(
    { write: (text: string) => metricLines.push(...text.trimEnd().split('\n')) },
    { namespace: DEFAULT_METRICS_NAMESPACE },
  );
  const run = await runLab({ location: localLocation(), metrics });
  const ok = run.surprises.length === 0 && run.skipped.length === 0;
  if (flags.json) {
    for (const finding of run.findings) output.out(JSON.stringify(finding));
  } else {
    printReport(run, metricLines, ok, output);
  }
  for (const s of run.surprises) {
    const want = [s.expected.status, s.expected.code].filter(Boolean).join(' ');
    const got = [s.got.status, s.got.code].filter(Boolean).join(' ');
    output.err(
      `netprobe lab: ${s.monitorId}: expected ${want}, got ${got} (a netprobe bug: please report it)`,
    );
  }
  if (run.skipped.length > 0)
    output.err(`netprobe lab: not started (out of time): ${run.skipped.join(', ')}`);
  return ok ? EXIT.ok : EXIT.down;
}

/**
 * The run in the order of the pipeline: the metrics it published, its findings (the part to read
 * first, so it comes last but one on a terminal), where they were stored, the pages they would cause.
 */
function printReport(run: LabRun, metricLines: string[], ok: boolean, output: Output): void {
  const { paint } = output;
  const { stored, pages, findings } = run;
  const section = (title: string, text: string) => {
    output.out('');
    output.out(`${paint('bold', title)} ${text}`);
  };

  output.out(
    paint('bold', `netprobe lab: ${findings.length} example monitors against local targets on loopback`),
  );
  for (const note of run.lab.notes) output.out(paint('yellow', `note: ${note}`));
  if (run.slow.length > 0) {
    output.out(
      paint(
        'yellow',
        `note: ${run.slow.join(', ')} crossed a latency threshold of the example config on this busy host; ` +
          'the lab is built for them to be up.',
      ),
    );
  }

  section(
    'Metrics',
    `the run published (${run.metrics.datums} datums, as the probe-runner sends them to CloudWatch):`,
  );
  for (const line of metricLines) output.out(`  ${line}`);

  section(
    'Stored',
    `${stored.written} findings in the embedded DynamoDB (dynalite at ${stored.endpoint}, table ${stored.tableName}) ` +
      `and read back the latest status of ${new Set(stored.readBack.map((f) => f.monitorId)).size} monitors.`,
  );

  section('Findings', `(${summaryLine(findings, plain)}):`);
  for (const line of findingsTable(findings, paint)) output.out(line);
  const onPurpose = findings.filter((f) => f.status !== 'up');
  if (onPurpose.length > 0) {
    output.out('');
    output.out('Broken on purpose, so the findings above show what each failure looks like:');
    for (const f of onPurpose) output.out(`  ${f.monitorId}: ${run.lab.expected[f.monitorId]?.why ?? '?'}`);
  }

  section(
    'Pages',
    `the escalation policy would send if these results persisted for ${PERSIST_MINUTES} minutes ` +
      '(a replay on a simulated clock: nothing is sent):',
  );
  if (pages.length === 0) output.out('  none');
  for (const line of notificationsTable(pages, timelineOrigin(findings), paint)) output.out(`  ${line}`);

  output.out('');
  output.out(
    `Lab ran in ${(run.elapsedMs / 1000).toFixed(1)} s; every lab server is stopped. ` +
      (ok
        ? 'Exit code 0: every finding is what its target was built to produce.'
        : 'Exit code 1: see stderr.'),
  );
}

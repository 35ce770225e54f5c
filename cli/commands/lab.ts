/**
 * `netprobe lab` (npm start): the offline demo. Starts the lab's servers on loopback, runs the
 * monitors of monitors.config.ts (pointed at the lab) and the lab-only ones once through the same
 * engine as `netprobe run`, takes the findings down the Lambdas' path (metrics, DynamoDB, escalation
 * engine, SNS messages), prints what happened, stops everything.
 *
 * Exit 0 even though some lab targets are down (they are broken on purpose); exit 1 only when a
 * finding differs from what its target was built to produce.
 */
import { relative } from 'node:path';
import { batchMetricData, toMetricData } from '../../shared/adapters/cloudwatch-metrics.ts';
import { LocalMetricsPublisher } from '../../shared/adapters/local-metrics.ts';
import { type LabRun, runLab } from '../../shared/lab/lab.ts';
import { longestTableMinutes } from '../../shared/lab/pages.ts';
import { EXIT } from '../exit.ts';
import { findingsTable, summaryLine } from '../format/findings.ts';
import { metricsSummary } from '../format/metrics.ts';
import { pagesReport } from '../format/pages.ts';
import { plain } from '../format/style.ts';
import { localLocation } from '../location.ts';
import type { Output } from '../output.ts';

export interface LabFlags {
  json?: boolean;
  /** Every metric datum as published, and every page's full message. */
  verbose?: boolean;
}

export async function labCommand(flags: LabFlags, output: Output): Promise<number> {
  // The datums as the local publisher prints them; shown with --verbose, summarised otherwise.
  const metricLines: string[] = [];
  const run = await runLab({
    location: localLocation(),
    metrics: (namespace) =>
      new LocalMetricsPublisher(
        { write: (text: string) => metricLines.push(...text.trimEnd().split('\n')) },
        { namespace },
      ),
  });
  const ok = run.surprises.length === 0 && run.skipped.length === 0;
  if (flags.json) {
    for (const finding of run.findings) output.out(JSON.stringify(finding));
  } else {
    printReport(run, { metricLines, verbose: flags.verbose === true, ok }, output);
  }
  for (const s of run.surprises) {
    const want = [s.expected.status, s.expected.code].filter(Boolean).join(' ');
    const got = [s.got.status, s.got.code].filter(Boolean).join(' ');
    const cause = s.expected.fromConfig
      ? 'if monitors.config.ts was edited, its assertions may not fit the lab target; otherwise a netprobe bug: please report it'
      : 'a netprobe bug: please report it';
    output.err(`netprobe lab: ${s.monitorId}: expected ${want}, got ${got} (${cause})`);
  }
  if (run.skipped.length > 0)
    output.err(`netprobe lab: not started (out of time): ${run.skipped.join(', ')}`);
  return ok ? EXIT.ok : EXIT.down;
}

interface ReportOptions {
  metricLines: string[];
  verbose: boolean;
  ok: boolean;
}

/**
 * The findings first (what a user reads), then where they went, in the order of the pipeline: the
 * DynamoDB table, the metrics, the pages the escalation engine would send.
 */
function printReport(run: LabRun, opts: ReportOptions, output: Output): void {
  const { paint } = output;
  const { stored, pages, findings, lab } = run;
  const section = (title: string, text: string) => {
    output.out('');
    output.out(`${paint('bold', title)} ${text}`);
  };
  const fromConfig = Object.values(lab.expected).filter((e) => e.fromConfig).length;
  const configPath = relative(process.cwd(), lab.configPath) || lab.configPath;
  output.out(
    paint(
      'bold',
      `netprobe lab: the ${fromConfig} monitors of ${configPath} and ${findings.length - fromConfig} lab-only ones, ` +
        'against local targets on loopback',
    ),
  );
  for (const note of lab.notes) output.out(paint('yellow', `note: ${note}`));
  if (run.slow.length > 0) {
    output.out(
      paint(
        'yellow',
        `note: ${run.slow.join(', ')} crossed a latency threshold of the example config on this busy host; ` +
          'the lab is built for them to be up.',
      ),
    );
  }

  section('Findings', `(${summaryLine(findings, plain)}):`);
  for (const line of findingsTable(findings, paint)) output.out(line);
  const onPurpose = findings.filter((f) => f.status !== 'up');
  if (onPurpose.length > 0) {
    output.out('');
    output.out('Broken on purpose, so the findings above show what each failure looks like:');
    for (const f of onPurpose) output.out(`  ${f.monitorId}: ${lab.expected[f.monitorId]?.why ?? '?'}`);
  }

  section(
    'Stored',
    `${stored.written} findings in the embedded DynamoDB (dynalite at ${stored.endpoint}, table ${stored.tableName}) ` +
      `and read back the latest status of ${new Set(stored.readBack.map((f) => f.monitorId)).size} monitors.`,
  );

  const datums = run.metrics.published;
  const namespace = lab.config.namespace;
  const requests = batchMetricData(toMetricData(datums), namespace).length;
  section(
    'Metrics',
    `${datums.length} datums, ${requests} PutMetricData request${requests === 1 ? '' : 's'} to CloudWatch ` +
      `namespace ${namespace}, as the probe-runner publishes them (Region="${findings[0]?.location ?? '?'}"):`,
  );
  const lines = opts.verbose ? opts.metricLines : metricsSummary(datums, paint);
  for (const line of lines) output.out(`  ${line}`);

  section(
    'Pages',
    `the escalation engine would send if these failures went on past the longest table time ` +
      `(${longestTableMinutes(lab.config)} min): replayed on a simulated clock on the same embedded DynamoDB ` +
      `(table ${run.replayTableName}), each as SNS would receive it, timed from its failure's first run; ` +
      'nothing is sent:',
  );
  if (pages.length === 0) output.out('  none');
  for (const line of pagesReport(pages, paint, { allMessages: opts.verbose })) output.out(line);
  // A sick probe region's notices go to the operators' topic; one location alone is never impaired.
  for (const { notice, publish } of run.notices)
    output.out(`  ${notice.kind} → ${notice.team} (${publish.TopicArn}): ${publish.Subject}`);

  output.out('');
  output.out(
    `Lab ran in ${(run.elapsedMs / 1000).toFixed(1)} s; every lab server is stopped. ` +
      (opts.ok
        ? 'Exit code 0: every finding is what its target was built to produce.'
        : 'Exit code 1: see stderr.'),
  );
}

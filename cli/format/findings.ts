/**
 * Human output for findings: one table row per finding (phases in ms with one decimal, as curl -w
 * users read them), and under every finding that is not up, the one-sentence diagnosis and the
 * probe's own error message (code: message), the evidence `--json` has.
 */
import type { Finding } from '../../shared/domain/finding.ts';
import { PHASES, type Phase, type Status } from '../../shared/probes/types.ts';
import { type Paint, STATUS_STYLE } from './style.ts';
import { type Column, type Row, renderTable } from './table.ts';

const ABSENT = '-';

export function formatMs(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? ABSENT : ms.toFixed(1);
}

export function findingsTable(findings: Finding[], paint: Paint): string[] {
  // An ad-hoc check's monitorId is its URL; a TARGET column would only repeat it.
  const showTarget = findings.some((f) => f.monitorId !== f.target);
  const columns: Column[] = [
    { header: 'MONITOR' },
    { header: 'PROBE' },
    { header: 'STATUS' },
    ...PHASES.map((phase): Column => ({ header: phase.toUpperCase(), align: 'right' })),
    { header: 'CODE' },
    ...(showTarget ? [{ header: 'TARGET' }] : []),
  ];
  const rows: Row[] = findings.map((f) => [
    f.monitorId,
    f.probe,
    { text: f.status, style: STATUS_STYLE[f.status] },
    ...PHASES.map((phase: Phase) => formatMs(f.timings[phase])),
    f.error ? { text: f.error.code, style: STATUS_STYLE[f.status] } : '',
    ...(showTarget ? [{ text: f.target, style: 'dim' as const }] : []),
  ]);
  const [header = '', ...lines] = renderTable(columns, rows, paint);
  const out = [header];
  findings.forEach((f, i) => {
    out.push(lines[i] ?? '');
    if (f.status === 'up') return;
    // The diagnosis says what to do; the probe's own message is the evidence it was drawn from.
    if (!f.diagnosis) {
      if (f.error) out.push(`  ${paint('dim', '↳')} ${f.error.message}`);
      return;
    }
    out.push(`  ${paint('dim', '↳')} ${f.diagnosis}`);
    if (f.error) out.push(`    ${paint('dim', `${f.error.code}:`)} ${f.error.message}`);
  });
  return out;
}

export function countByStatus(findings: Finding[]): Record<Status, number> {
  const counts: Record<Status, number> = { up: 0, degraded: 0, down: 0 };
  for (const f of findings) counts[f.status] += 1;
  return counts;
}

export function summaryLine(findings: Finding[], paint: Paint): string {
  const counts = countByStatus(findings);
  const noun = findings.length === 1 ? 'monitor' : 'monitors';
  const parts = (['up', 'degraded', 'down'] as const).map((s) =>
    counts[s] > 0 ? paint(STATUS_STYLE[s], `${counts[s]} ${s}`) : `${counts[s]} ${s}`,
  );
  return `${findings.length} ${noun}: ${parts.join(', ')}`;
}

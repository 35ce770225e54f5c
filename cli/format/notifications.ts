/**
 * Human output of `netprobe replay`: one row per notification the policy would send, with the time
 * since the first finding of the timeline (what a user tuning escalation times reads first).
 */
import type { Finding } from '../../shared/domain/finding.ts';
import type { ReplayLine } from '../../shared/domain/replay.ts';
import type { Paint } from './style.ts';
import { renderTable } from './table.ts';

/** "+10m", "+1h05m", "+0m30s": elapsed time, minute resolution unless seconds matter. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const totalSeconds = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const seconds = s > 0 ? `${String(s).padStart(2, '0')}s` : '';
  return h > 0 ? `${sign}${h}h${String(m).padStart(2, '0')}m${seconds}` : `${sign}${m}m${seconds}`;
}

export function notificationsTable(lines: ReplayLine[], findings: Finding[], paint: Paint): string[] {
  const starts = findings.map((f) => Date.parse(f.startedAt));
  const first = Math.min(...starts);
  const last = Math.max(...starts);
  const span =
    findings.length > 0
      ? `${findings.length} findings over ${formatOffset(last - first).slice(1)}`
      : 'no findings';
  if (lines.length === 0) return [`${span}: the policy would send no notification.`];
  const table = renderTable(
    [
      { header: 'AT' },
      { header: 'T+', align: 'right' },
      { header: 'KIND' },
      { header: 'TEAM' },
      { header: 'ISSUE' },
      { header: 'MONITOR' },
      { header: 'LOCATIONS' },
      { header: 'INCIDENT' },
    ],
    lines.map((l) => [
      l.at,
      formatOffset(Date.parse(l.at) - first),
      { text: l.kind, style: l.kind === 'escalate' ? (['red', 'bold'] as const) : 'green' },
      l.team,
      l.issueType,
      l.monitorId,
      l.locations.join(',') || '-',
      { text: l.incidentId, style: 'dim' },
    ]),
    paint,
  );
  const escalations = lines.filter((l) => l.kind === 'escalate').length;
  return [
    ...table,
    '',
    `${span}: ${escalations} escalation${escalations === 1 ? '' : 's'}, ${lines.length - escalations} resolution${lines.length - escalations === 1 ? '' : 's'}.`,
  ];
}

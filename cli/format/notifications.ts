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

/** One row per notification; T+ is the time since `originMs` (the first finding of the timeline). */
export function notificationsTable(lines: ReplayLine[], originMs: number, paint: Paint): string[] {
  return renderTable(
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
      formatOffset(Date.parse(l.at) - originMs),
      { text: l.kind, style: l.kind === 'escalate' ? (['red', 'bold'] as const) : 'green' },
      l.team,
      l.issueType,
      l.monitorId,
      l.locations.join(',') || '-',
      { text: l.incidentId, style: 'dim' },
    ]),
    paint,
  );
}

/** The first finding's start: T+ zero. */
export function timelineOrigin(findings: readonly Finding[]): number {
  return Math.min(...findings.map((f) => Date.parse(f.startedAt)));
}

/** "63 findings over 20m04s: 1 escalation, 1 resolution." */
export function replaySummary(lines: ReplayLine[], findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings: the policy would send no notification.';
  const span = Math.max(...findings.map((f) => Date.parse(f.startedAt))) - timelineOrigin(findings);
  const escalations = lines.filter((l) => l.kind === 'escalate').length;
  const resolutions = lines.length - escalations;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${findings.length} findings over ${formatOffset(span).slice(1)}: ${plural(escalations, 'escalation')}, ${plural(resolutions, 'resolution')}.`;
}

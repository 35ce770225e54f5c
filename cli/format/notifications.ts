/**
 * Human output of `netprobe replay`: one row per notification the policy would send, with the time
 * since the first finding of the timeline (what a user tuning escalation times reads first).
 */
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

/** What the summary says of a timeline: how many findings, first and last start (ms; null when none). */
export interface TimelineExtent {
  count: number;
  first: number | null;
  last: number | null;
}

/** "63 findings over 20m04s: 1 escalation, 1 resolution." */
export function replaySummary(lines: ReplayLine[], timeline: TimelineExtent): string {
  if (timeline.count === 0 || timeline.first === null || timeline.last === null)
    return 'No findings: the policy would send no notification.';
  const span = timeline.last - timeline.first;
  const escalations = lines.filter((l) => l.kind === 'escalate').length;
  const resolutions = lines.length - escalations;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${timeline.count} findings over ${formatOffset(span).slice(1)}: ${plural(escalations, 'escalation')}, ${plural(resolutions, 'resolution')}.`;
}

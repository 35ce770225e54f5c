/**
 * The one paging policy for a monitor's own CloudWatch alarms (docs/deploy.md, "Who gets which page").
 *
 * The escalator pages a team once an incident has lasted the escalation table's time for its issue
 * type. A monitor's availability and latency alarms see the same failures earlier and without the
 * type, so by default they notify the `netprobe-alarms` topic, which pages nobody unless someone
 * subscribes (`subscriptions.alarms`). A monitor with `alarmsPage: true` sends them to its team
 * instead, and then each of those alarms waits at least the longest table time among the issue types
 * it can signal and counts failing regions by the escalator's confirmation rule: it never pages
 * before the escalator would. The certificate alarm and the watchdog alarms keep their own rules.
 */
import type { MonitorConfig, NetprobeConfig } from '../shared/config/types.ts';
import type { IssueType } from '../shared/domain/finding.ts';
import { possibleIssueTypes } from '../shared/domain/route.ts';
import type { MonitorAlarmKind } from '../shared/naming.ts';

/**
 * The issue types a finding behind this alarm can be classified as, so that the alarm waits as long
 * as the slowest of them: every type the route's classify() gives a hard failure of the monitor
 * (availability) or a slow phase (latency) (shared/domain/route.ts possibleIssueTypes).
 */
export function signalledIssueTypes(
  monitor: Pick<MonitorConfig, 'probe' | 'cdn'>,
  alarm: MonitorAlarmKind,
  allLocationsDown: IssueType,
): IssueType[] {
  const failure =
    alarm.kind === 'availability' ? { kind: 'down' as const } : { kind: 'slow' as const, phase: alarm.phase };
  return possibleIssueTypes(monitor, failure, allLocationsDown);
}

export interface PagingWindow {
  /** The shortest evaluation window the alarm may have, in minutes. */
  readonly minutes: number;
  /** The issue type whose table time sets it, for messages. */
  readonly issueType: IssueType;
}

/** The table time an alarm that pages a team must wait at least: the longest among its issue types. */
export function pagingWindow(
  monitor: Pick<MonitorConfig, 'probe' | 'cdn'>,
  alarm: MonitorAlarmKind,
  config: Pick<NetprobeConfig, 'escalation' | 'classification'>,
): PagingWindow {
  const types = signalledIssueTypes(monitor, alarm, config.classification.allLocationsDown);
  return types.reduce<PagingWindow>(
    (longest, issueType) => {
      const minutes = config.escalation[issueType].escalateAfterMinutes;
      return minutes > longest.minutes ? { minutes, issueType } : longest;
    },
    { minutes: 0, issueType: types[0] ?? 'connectivity' },
  );
}

/** Consecutive intervals an alarm needs to cover a window of `minutes` (at least `atLeast`). */
export function periodsFor(minutes: number, intervalMinutes: number, atLeast: number): number {
  return Math.max(atLeast, Math.ceil(minutes / intervalMinutes));
}

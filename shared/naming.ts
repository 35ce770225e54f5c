import type { Phase } from './probes/types.ts';

/**
 * The resource names the runtime needs (an SNS topic per team, the dashboard its pages link to, the
 * monitor alarms the alarm gate recognises), in
 * the runtime's own folder so handlers and the lab never import the CDK app. infra/naming.ts builds
 * every other physical name from the same prefix and re-exports these: still one place per name.
 */

export const NAME_PREFIX = 'netprobe';

/** One SNS topic per team, in the home region. */
export function topicName(team: string): string {
  return `${NAME_PREFIX}-${team}`;
}

/** The CloudWatch dashboard the pages' console links open. */
export const DASHBOARD_NAME = NAME_PREFIX;

/** `netprobe-<monitor>-<what>`: every alarm of a monitor (availability, latency-<phase>, certificate, dnssec). */
export function monitorAlarmName(monitorId: string, what: string): string {
  return `${NAME_PREFIX}-${monitorId}-${what}`;
}

/** The alarms the paging policy governs: availability, and one latency alarm per phase threshold. */
export type MonitorAlarmKind =
  | { readonly kind: 'availability' }
  | { readonly kind: 'latency'; readonly phase: Phase };

export function alarmNameOf(monitor: { readonly id: string }, alarm: MonitorAlarmKind): string {
  return monitorAlarmName(
    monitor.id,
    alarm.kind === 'availability' ? 'availability' : `latency-${alarm.phase}`,
  );
}

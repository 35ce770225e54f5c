/**
 * What a team topic carries, read by the forwarders: the escalator's pages and resolves (the JSON of
 * shared/adapters/sns-notifier.ts, with `dedupKey`), and CloudWatch alarm notifications (the
 * monitors' alarms and the watchdog publish to the same topics). Anything else is `other` and is
 * skipped with its reason: a forwarder never turns an unreadable message into a page.
 */
import type { NotificationMessage } from '../adapters/sns-notifier.ts';

/** The fields of a CloudWatch alarm's SNS notification that the forwarders use. */
export interface AlarmMessage {
  AlarmName: string;
  AlarmDescription?: string | null;
  AlarmArn?: string;
  NewStateValue: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  NewStateReason?: string;
  StateChangeTime?: string;
  Region?: string;
}

export type TopicMessage =
  | { type: 'page'; page: NotificationMessage }
  | { type: 'alarm'; alarm: AlarmMessage }
  | { type: 'other'; reason: string };

const ALARM_STATES = new Set(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

export function readTopicMessage(text: string): TopicMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: 'other', reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { type: 'other', reason: 'not a JSON object' };
  }
  const m = value as Record<string, unknown>;
  if (typeof m.dedupKey === 'string' && typeof m.incidentId === 'string') {
    if (m.kind !== 'escalate' && m.kind !== 'resolve') {
      return { type: 'other', reason: `page of unknown kind ${JSON.stringify(m.kind)}` };
    }
    if (typeof m.subject !== 'string' || typeof m.monitor !== 'string' || typeof m.severity !== 'string') {
      return { type: 'other', reason: 'page without subject, monitor or severity' };
    }
    return { type: 'page', page: value as NotificationMessage };
  }
  if (typeof m.AlarmName === 'string' && ALARM_STATES.has(m.NewStateValue as string)) {
    return { type: 'alarm', alarm: value as AlarmMessage };
  }
  return { type: 'other', reason: 'neither a netprobe page nor a CloudWatch alarm notification' };
}

/** At most `max` characters, an ellipsis marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

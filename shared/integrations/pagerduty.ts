/**
 * PagerDuty Events API v2 (docs/integrations.md#pagerduty): a page becomes a `trigger` and its
 * resolve a `resolve`, both with `dedup_key` = the incident id, so a repeated trigger (at-least-once
 * delivery) lands on the open alert and the resolve closes it. CloudWatch alarms on the same topic
 * trigger on ALARM and resolve on OK, keyed by the alarm's ARN.
 */
import type { NotificationMessage } from '../adapters/sns-notifier.ts';
import type { EscalationRule } from '../domain/escalation-table.ts';
import { type AlarmMessage, type TopicMessage, truncate } from './topic-message.ts';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** netprobe severity → PagerDuty's ('low' is the fourth row of the escalation table's severities). */
export const PAGERDUTY_SEVERITY: Readonly<Record<EscalationRule['severity'] | 'low', PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** An alarm has no table row: it watches netprobe itself or a monitor's metric. */
export const ALARM_SEVERITY: PagerDutySeverity = 'error';

/** PagerDuty's limits: summary 1,024 characters, dedup_key 255. */
export const SUMMARY_MAX = 1_024;
export const DEDUP_KEY_MAX = 255;

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
}

function pageSummary(page: NotificationMessage): string {
  return truncate(page.diagnosis ? `${page.subject}: ${page.diagnosis}` : page.subject, SUMMARY_MAX);
}

function pageEvent(page: NotificationMessage, routingKey: string): PagerDutyEvent {
  const key = { routing_key: routingKey, dedup_key: truncate(page.incidentId, DEDUP_KEY_MAX) };
  if (page.kind === 'resolve') return { ...key, event_action: 'resolve' };
  return {
    ...key,
    event_action: 'trigger',
    client: 'netprobe',
    client_url: page.links.dashboard,
    links: [
      { href: page.links.dashboard, text: 'netprobe dashboard' },
      { href: page.links.metric, text: `${page.monitor} metrics` },
    ],
    payload: {
      summary: pageSummary(page),
      source: page.monitor,
      severity: PAGERDUTY_SEVERITY[page.severity as keyof typeof PAGERDUTY_SEVERITY] ?? 'error',
      timestamp: page.at,
      component: page.monitor,
      group: page.team,
      class: page.issueType,
      custom_details: {
        impact: page.impact,
        scope: page.scope,
        failing: page.locations.failing,
        healthy: page.locations.healthy,
        firstSeen: page.firstSeen,
        errorCodes: page.errorCodes,
        diagnosis: page.diagnosis,
        incidentId: page.incidentId,
        dedupKey: page.dedupKey,
      },
    },
  };
}

function alarmEvent(alarm: AlarmMessage, routingKey: string): PagerDutyEvent | null {
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') return null;
  const key = {
    routing_key: routingKey,
    dedup_key: truncate(alarm.AlarmArn ?? alarm.AlarmName, DEDUP_KEY_MAX),
  };
  if (alarm.NewStateValue === 'OK') return { ...key, event_action: 'resolve' };
  const reason = alarm.NewStateReason ? `: ${alarm.NewStateReason}` : '';
  return {
    ...key,
    event_action: 'trigger',
    client: 'netprobe',
    payload: {
      summary: truncate(`${alarm.AlarmName}${reason}`, SUMMARY_MAX),
      source: alarm.AlarmName,
      severity: ALARM_SEVERITY,
      ...isoTimestamp(alarm.StateChangeTime),
      class: 'cloudwatch-alarm',
      custom_details: {
        description: alarm.AlarmDescription ?? null,
        region: alarm.Region ?? null,
        reason: alarm.NewStateReason ?? null,
      },
    },
  };
}

/** CloudWatch writes `2026-03-01T12:00:00.000+0000`; PagerDuty wants ISO 8601 (and fills in the time when absent). */
function isoTimestamp(text: string | undefined): { timestamp?: string } {
  const ms = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? {} : { timestamp: new Date(ms).toISOString() };
}

/** The event to send for a topic message, or null when there is nothing to tell PagerDuty. */
export function pagerDutyEvent(message: TopicMessage, routingKey: string): PagerDutyEvent | null {
  switch (message.type) {
    case 'page':
      return pageEvent(message.page, routingKey);
    case 'alarm':
      return alarmEvent(message.alarm, routingKey);
    case 'other':
      return null;
  }
}

import type { EscalationRule } from '../domain/escalation-table.ts';
import type { IssueType } from '../domain/finding.ts';
import type { IncidentScope } from '../domain/policy.ts';
import type { ErrorCode } from '../probes/types.ts';

export const NOTIFICATION_KINDS = ['escalate', 'resolve'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Why an incident closed: the monitor recovered, or its failure turned into another issue type. */
export type CloseReason = 'recovered' | 'superseded';

/**
 * One page or one all-clear, addressed to a team. The SNS adapter turns it into a message
 * (subject + this JSON + console links) with `team`, `issueType` and `severity` attributes.
 */
export interface Notification {
  kind: NotificationKind;
  /** ISO-8601 UTC: when the engine decided to send it. */
  at: string;
  team: string;
  issueType: IssueType;
  /** global, or regional: failing in fewer than minLocations locations, named in `locations.failing`. */
  scope: IncidentScope;
  impact: string;
  severity: EscalationRule['severity'];
  monitorId: string;
  incidentId: string;
  /** Locations whose latest run failed / passed when the notification was decided. */
  locations: { failing: string[]; healthy: string[] };
  /** ISO-8601 UTC: the first failing finding of the outage (the escalation clock's origin). */
  firstSeen: string;
  /** Distinct error codes of the failing locations, most frequent first. */
  errorCodes: ErrorCode[];
  diagnosis: string | null;
  /** Readable, ≤ 100 printable ASCII characters (the SNS subject limit). */
  subject: string;
  /** resolve only. */
  reason?: CloseReason;
  /** resolve with reason superseded: the incident that took over. */
  supersededBy?: string;
}

/**
 * The key that names one notification for good: `<incidentId>:<kind>`. Delivery over SNS is
 * at-least-once (docs/escalation.md), and every copy of the same page or resolve carries the same key,
 * so a subscriber drops repeats by it. Integrations that pair a trigger with its resolve (PagerDuty's
 * `dedup_key`, Chatbot's `threadId`) use the incident id itself.
 */
export function dedupKeyOf(n: Pick<Notification, 'incidentId' | 'kind'>): string {
  return `${n.incidentId}:${n.kind}`;
}

export interface Notifier {
  /** Throws when the message was not accepted; the engine then retries it later (see docs/escalation.md). */
  publish(notification: Notification): Promise<void>;
}

/**
 * A probe region's impairment began (`impaired`) or ended (`recovered`): sent to the operators' team
 * topic, never a page to a target team (docs/escalation.md, "A sick probe region").
 */
export interface VantageNotice {
  kind: 'impaired' | 'recovered';
  at: string;
  team: string;
  location: string;
  /** ISO-8601 UTC: the first impaired run of this impairment. */
  since: string;
  /** `<location>:<kind>:<first impaired run>` (vantageDedupKey). */
  dedupKey: string;
  subject: string;
}

export interface NoticeNotifier {
  /** Throws when the message was not accepted. */
  publishNotice(notice: VantageNotice): Promise<void>;
}

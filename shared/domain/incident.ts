import type { CloseReason, Notification, NotificationKind } from '../ports/notifier.ts';
import type { ErrorCode } from '../probes/types.ts';
import type { EscalationRule } from './escalation-table.ts';
import type { IssueType } from './finding.ts';
import type { IncidentScope } from './policy.ts';

export type IncidentStatus = 'open' | 'resolved' | 'superseded';

/** A notification the engine has decided to send and claimed, not yet confirmed published. */
export interface OutboxEntry {
  /** ISO-8601 UTC of the current delivery claim; a claim older than the lease may be taken over. */
  claimedAt: string;
  notification: Notification;
}

/**
 * One incident per monitor and issue type at a time. Routing (team, severity, impact, table time)
 * is frozen when it opens, so a config change never re-routes a page that is already out.
 */
export interface Incident {
  incidentId: string;
  monitorId: string;
  issueType: IssueType;
  /** Absent on incidents stored before scopes existed: those are global (scopeOf). */
  scope?: IncidentScope;
  /** The table rule with the monitor's team override applied (a regional one a severity lower). */
  rule: EscalationRule;
  status: IncidentStatus;
  /** ISO-8601 UTC: first failing finding of the outage; escalation is due at firstSeen + rule time. */
  firstSeen: string;
  openedAt: string;
  escalatedAt?: string;
  closedAt?: string;
  closeReason?: CloseReason;
  /**
   * Re-classified incidents only: no page before this instant (opened + one monitor interval), so a
   * type seen only while one run's findings trickle in from the regions never pages anyone.
   */
  notBefore?: string;
  /** The incident this one replaced after a change of issue type, and the reverse link. */
  supersedes?: string;
  supersededBy?: string;
  /** What the monitor looked like when the incident opened. */
  failing: string[];
  healthy: string[];
  errorCodes: ErrorCode[];
  diagnosis: string | null;
  outbox: Partial<Record<NotificationKind, OutboxEntry>>;
  /** ISO-8601 UTC when each notification was confirmed published. */
  delivered: Partial<Record<NotificationKind, string>>;
}

export function scopeOf(incident: Pick<Incident, 'scope'>): IncidentScope {
  return incident.scope ?? 'global';
}

/** ISO timestamp as a compact, sortable, key-safe token: 2026-11-24T12:00:00.000Z → 20261124T120000Z. */
function compactUtc(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** FNV-1a, 32 bit: a short stable tag for a monitor id that may be a URL. */
function tag(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Deterministic, readable id (replay prints the same ids on every run). Unique because at most one
 * incident per monitor and type is open at a time and a new one opens at a later instant.
 */
export function incidentIdFor(monitorId: string, issueType: IssueType, openedAt: string): string {
  return `${compactUtc(openedAt)}-${issueType}-${tag(monitorId)}`;
}

export function escalationDueAt(incident: Pick<Incident, 'firstSeen' | 'rule' | 'notBefore'>): Date {
  const byTable = Date.parse(incident.firstSeen) + incident.rule.escalateAfterMinutes * 60_000;
  return new Date(Math.max(byTable, incident.notBefore ? Date.parse(incident.notBefore) : 0));
}

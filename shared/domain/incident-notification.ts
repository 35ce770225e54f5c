import type { CloseReason, Notification, NotificationKind } from '../ports/notifier.ts';
import { type Incident, scopeOf } from './incident.ts';
import type { Assessment } from './incident-assess.ts';

/** SNS rejects subjects over 100 characters or with control / non-ASCII characters. */
export const SUBJECT_MAX = 100;

export interface NotificationInput {
  kind: NotificationKind;
  incident: Incident;
  at: Date;
  /** The monitor now; an escalation with no failure in view uses the incident's opening picture. */
  assessment: Assessment;
  reason?: CloseReason;
  supersededBy?: string;
  /** resolve with reason superseded: the type that took over, for the subject. */
  newType?: string;
}

export function buildNotification(input: NotificationInput): Notification {
  const { kind, incident, assessment } = input;
  // An escalation decided while no fresh failure is in view (runners silent) shows the opening picture.
  const current = kind === 'resolve' || assessment.failing.length > 0;
  const failing = current ? assessment.failing : incident.failing;
  const healthy = current ? assessment.healthy : incident.healthy;
  const stillFailing = assessment.failing.length > 0;
  const notification: Notification = {
    kind,
    at: input.at.toISOString(),
    team: incident.rule.team,
    issueType: incident.issueType,
    scope: scopeOf(incident),
    impact: incident.rule.impact,
    severity: incident.rule.severity,
    monitorId: incident.monitorId,
    incidentId: incident.incidentId,
    locations: { failing, healthy },
    firstSeen: incident.firstSeen,
    errorCodes: stillFailing ? assessment.errorCodes : incident.errorCodes,
    diagnosis: stillFailing ? assessment.diagnosis : incident.diagnosis,
    subject: '',
  };
  if (kind === 'resolve') {
    notification.reason = input.reason ?? 'recovered';
    if (input.supersededBy) notification.supersededBy = input.supersededBy;
  }
  notification.subject = subjectFor(notification, input.newType);
  return notification;
}

function subjectFor(n: Notification, newType?: string): string {
  const since = n.firstSeen.slice(11, 16);
  let text: string;
  if (n.kind === 'escalate') {
    // A regional page names its region(s): that is who is hurt.
    const where =
      n.scope === 'regional'
        ? `${n.locations.failing.join(', ')} (regional)`
        : n.locations.failing.length === 1
          ? n.locations.failing[0]
          : `${n.locations.failing.length} locations`;
    text = `[${n.severity}] ${n.monitorId}: ${n.issueType} failure in ${where} since ${since}Z`;
  } else if (n.reason === 'superseded') {
    text = `[superseded] ${n.monitorId}: ${n.issueType} incident is now ${newType ?? 'another type'}`;
  } else {
    const minutes = Math.max(0, Math.round((Date.parse(n.at) - Date.parse(n.firstSeen)) / 60_000));
    text = `[resolved] ${n.monitorId}: ${n.issueType} incident recovered after ${minutes} min`;
  }
  return toSubject(text);
}

/** Printable ASCII only, one line, at most SUBJECT_MAX characters (monitor ids may be URLs). */
export function toSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}

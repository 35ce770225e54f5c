import type { ProbeResult } from '../probes/types.ts';

/** The issue types of the escalation table. */
export const ISSUE_TYPES = ['dns', 'tcp', 'cdn', 'connectivity'] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];

/**
 * A probe result placed in context: which monitor, from where, when, classified and explained.
 * This is the one shape printed by `netprobe check/run --json`, stored in DynamoDB and replayed.
 */
export interface Finding extends ProbeResult {
  /** The monitor id, or the URL for an ad-hoc `netprobe check`. */
  monitorId: string;
  /** Where it ran: an AWS region ("eu-west-1") or "local:<hostname>" for the CLI. */
  location: string;
  /** ISO-8601 UTC, when the probe started. */
  startedAt: string;
  /** Set when status is not up (classification rule in shared/domain/classify.ts). */
  issueType: IssueType | null;
  /** One sentence a responder can act on; null when up. */
  diagnosis: string | null;
}

/** Each finding object's startedAt as parsed, with the text it was parsed from. */
const parsedStarts = new WeakMap<object, { text: string; ms: number }>();

/**
 * Date.parse(finding.startedAt), parsed once per finding object: the engine reads a stored finding in
 * every evaluation of its monitor's lookback (and replay sorts, scans and tallies each one), and a
 * parse costs ~15 lookups. A finding whose startedAt was changed since is parsed again.
 */
export function startedAtMs(finding: Pick<Finding, 'startedAt'>): number {
  const seen = parsedStarts.get(finding);
  if (seen !== undefined && seen.text === finding.startedAt) return seen.ms;
  const ms = Date.parse(finding.startedAt);
  parsedStarts.set(finding, { text: finding.startedAt, ms });
  return ms;
}

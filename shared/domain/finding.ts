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

/** startedAt texts parsed lately, and their time: a replay reads each one many times. */
const parsedStarts = new Map<string, number>();
/** Far more than the findings of the engine's longest lookback; past it the memo starts over. */
const MAX_PARSED_STARTS = 100_000;

/**
 * Date.parse(finding.startedAt), remembered by the text: the engine reads a stored finding in every
 * evaluation of its monitor's lookback (and replay sorts, scans and tallies each one), and a parse
 * costs ~15 lookups.
 */
export function startedAtMs(finding: Pick<Finding, 'startedAt'>): number {
  const text = finding.startedAt;
  let ms = parsedStarts.get(text);
  if (ms === undefined) {
    ms = Date.parse(text);
    if (parsedStarts.size >= MAX_PARSED_STARTS) parsedStarts.clear();
    parsedStarts.set(text, ms);
  }
  return ms;
}

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

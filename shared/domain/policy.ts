/**
 * The escalation policy's settings, in the domain's own terms. The config (shared/config/types.ts)
 * is built from these types, never the reverse: the domain depends on nothing of the config.
 */
import type { IssueType } from './finding.ts';

export interface ConfirmationRule {
  /** An incident opens when the monitor fails in at least this many locations in one interval… */
  minLocations: number;
  /** …or, for a monitor that runs in fewer locations, this many consecutive failed runs. */
  consecutiveRuns: number;
}

/** Classification overrides: which issue type a failure maps to (see shared/domain/classify.ts). */
export interface ClassificationRule {
  /** Failures in every probing location → this type (default connectivity). */
  allLocationsDown: IssueType;
}

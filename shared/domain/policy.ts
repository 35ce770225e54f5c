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
  /**
   * A failure in fewer than minLocations of a monitor's (at least minLocations) locations that lasts
   * this many consecutive runs in a region opens a regional incident; false: never. Absent: the
   * default, DEFAULT_REGIONAL_RULE.
   */
  regional?: false | RegionalRule;
}

/**
 * global: confirmed by the location rule (or the run rule for a monitor with fewer locations);
 * regional: a failure in fewer than minLocations locations that lasted confirmation.regional's runs.
 * Every incident keeps one scope: a regional one that spreads is superseded by a global one.
 */
export type IncidentScope = 'global' | 'regional';

export interface RegionalRule {
  consecutiveRuns: number;
}

/** config `confirmation.regional` when not set. */
export const DEFAULT_REGIONAL_RULE: RegionalRule = { consecutiveRuns: 5 };

/** The regional rule in force: the configured one, the default when absent, null when switched off. */
export function regionalRule(rule: Pick<ConfirmationRule, 'regional'>): RegionalRule | null {
  if (rule.regional === false) return null;
  return rule.regional ?? DEFAULT_REGIONAL_RULE;
}

/** Classification overrides: which issue type a failure maps to (see shared/domain/classify.ts). */
export interface ClassificationRule {
  /** Failures in every probing location → this type (default connectivity). */
  allLocationsDown: IssueType;
}

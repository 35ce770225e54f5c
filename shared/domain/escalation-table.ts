import type { IssueType } from './finding.ts';

/** Most urgent first. A regional incident takes its type's severity one step lower. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface EscalationRule {
  /** Impact as the responders read it. */
  impact: string;
  /** How long an incident must last before the team is paged. */
  escalateAfterMinutes: number;
  /** Team whose SNS topic receives the page. */
  team: string;
  /** Severity attribute for SNS subscribers' filter policies (`low` is for regional incidents). */
  severity: Severity;
}

export type EscalationTable = Record<IssueType, EscalationRule>;

/** The guide's defaults; the monitors config may override any field. */
export const DEFAULT_ESCALATION_TABLE: EscalationTable = {
  dns: { impact: 'service-wide', escalateAfterMinutes: 10, team: 'network-team', severity: 'high' },
  tcp: { impact: 'application', escalateAfterMinutes: 15, team: 'performance-team', severity: 'medium' },
  cdn: { impact: 'global', escalateAfterMinutes: 5, team: 'cdn-team', severity: 'high' },
  connectivity: {
    impact: 'complete outage',
    escalateAfterMinutes: 2,
    team: 'infrastructure-team',
    severity: 'critical',
  },
};

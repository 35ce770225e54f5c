/**
 * What a monitor looks like right now, from its recent findings across locations: the pure half
 * of the escalation engine (docs/escalation.md explains every rule here).
 */
import type { ErrorCode } from '../probes/types.ts';
import type { EscalationTable } from './escalation-table.ts';
import { type Finding, ISSUE_TYPES, type IssueType, startedAtMs } from './finding.ts';
import type { MaintenanceWindow } from './maintenance.ts';
import {
  type ClassificationRule,
  type ConfirmationRule,
  type IncidentScope,
  regionalRule,
} from './policy.ts';
import { confirm, everyLocationDown, isPagingFailure, typeAmongLocations } from './route.ts';
import type { VantageRule } from './vantage.ts';

/** A location's latest run counts while it is at most this many intervals older than the newest finding. */
export const FRESH_INTERVALS = 1.5;

/** What the engine needs of a monitor (a MonitorConfig has these). */
export interface MonitorPolicy {
  id: string;
  intervalMinutes: number;
  team?: string;
  /** CDN-fronted: non-DNS failures classify as cdn (see classify.ts). */
  cdn?: boolean;
  /** Configured regions. Unknown (a replay without config): only minLocations can make an outage. */
  regions?: readonly string[];
}

/** What the engine needs of the config (a NetprobeConfig is one). */
export interface EscalationConfig {
  escalation: EscalationTable;
  confirmation: ConfirmationRule;
  classification: ClassificationRule;
  monitors: readonly MonitorPolicy[];
  /** Windows during which no escalate page goes out (maintenance.ts); absent: none. */
  maintenance?: readonly MaintenanceWindow[];
  /** Absent: DEFAULT_VANTAGE_RULE. */
  vantage?: VantageRule;
  /** Absent: DEFAULT_OPERATORS_TEAM. */
  operatorsTeam?: string;
}

/**
 * unknown: no fresh failure and too few fresh passing locations to call it clear (no data is not recovery).
 * clear: every location with a fresh run passed. failing: something fails, not confirmed. confirmed: the rule holds.
 */
export type AssessmentState = 'unknown' | 'clear' | 'failing' | 'confirmed';

export interface Assessment {
  state: AssessmentState;
  /** startedAt of the newest finding considered; freshness is measured from it, not from the wall clock. */
  asOf: string | null;
  /** confirmed: global, or regional (fewer than minLocations failing, for confirmation.regional's runs). */
  scope: IncidentScope | null;
  /** Effective type of the failure (failing/confirmed), null otherwise. */
  issueType: IssueType | null;
  /** Types that meet the confirmation rule on their own: a re-classification needs one. */
  confirmedTypes: IssueType[];
  /**
   * Every location fails hard (down) and the failure is classification.allLocationsDown (DNS failures
   * stay dns). A degraded location, slow or not, means the target answers there: never an outage.
   */
  completeOutage: boolean;
  /** Some failing location fails at DNS (a complete outage narrowing down never does). */
  dnsFailing: boolean;
  /** Earliest failing finding of the current failing streaks (failing/confirmed), null otherwise. */
  firstSeen: string | null;
  /** Fresh locations whose latest finding is a paging failure: down, or degraded with a paging code. */
  failing: string[];
  /** Fresh locations whose latest finding is up, or degraded with a code that never pages. */
  healthy: string[];
  errorCodes: ErrorCode[];
  diagnosis: string | null;
}

/** How far back the engine reads: the longer of the run rules' histories, plus freshness slack. */
export function lookbackMs(monitor: MonitorPolicy, rule: ConfirmationRule): number {
  const runs = Math.max(rule.consecutiveRuns, regionalRule(rule)?.consecutiveRuns ?? 0, 1);
  return (runs + 2) * monitor.intervalMinutes * 60_000;
}

const time = startedAtMs;

/**
 * @param findings this monitor's findings in (now - lookback, now], any order, duplicates allowed.
 * @param preferType the open incident's type: wins ties, so a split vote does not flip the incident.
 */
export function assess(
  findings: readonly Finding[],
  monitor: MonitorPolicy,
  config: Pick<EscalationConfig, 'escalation' | 'confirmation' | 'classification'>,
  preferType?: IssueType,
): Assessment {
  const intervalMs = monitor.intervalMinutes * 60_000;
  const gapMs = FRESH_INTERVALS * intervalMs;
  const byLocation = historyByLocation(findings.filter((f) => f.monitorId === monitor.id));
  if (byLocation.size === 0) return empty('unknown', null);

  const locations = [...byLocation].map(([location, history]) => ({
    location,
    history,
    latest: history[history.length - 1] as Finding,
  }));
  const asOfMs = Math.max(...locations.map((l) => time(l.latest)));
  const asOf = new Date(asOfMs).toISOString();
  const fresh = locations.filter((l) => time(l.latest) > asOfMs - gapMs);
  const failingEntries = fresh.filter((l) => isPagingFailure(l.latest));
  const failing = failingEntries.map((l) => l.location).sort();
  const healthy = fresh
    .filter((l) => !isPagingFailure(l.latest))
    .map((l) => l.location)
    .sort();
  const { minLocations } = config.confirmation;

  if (failing.length === 0) {
    const enough = healthy.length >= Math.min(minLocations, byLocation.size);
    return { ...empty(enough ? 'clear' : 'unknown', asOf), healthy };
  }

  const latestFailing = failingEntries.map((l) => l.latest);
  const outageType = config.classification.allLocationsDown;
  const view = {
    cdn: monitor.cdn ?? false,
    allDown: everyLocationDown(byLocation.size, latestFailing, monitor.regions?.length, config.confirmation),
    outageType,
  };
  const typeOf = (f: Finding): IssueType => typeAmongLocations(f, view);
  const allDown = view.allDown;
  const dnsFailing = latestFailing.some((f) => typeOf(f) === 'dns');

  const failingLocations = failingEntries.map((l) => ({
    location: l.location,
    latest: l.latest,
    streak: failingStreak(l.history, gapMs),
  }));
  const { scope, confirmedTypes, about } = confirm(
    byLocation.size,
    failingLocations,
    config.confirmation,
    typeOf,
  );
  // A regional incident is about the regions whose failure lasted; anything else about every failing one.
  const subject = scope === 'regional' ? about : failingLocations;
  const subjectLatest = subject.map((l) => l.latest);
  const issueType = pickType(subjectLatest.map(typeOf), config.escalation, preferType);
  const firstSeenMs = Math.min(...subject.map((l) => time(l.streak[0] as Finding)));
  const diagnosisSource = subjectLatest
    .filter((f) => typeOf(f) === issueType && f.diagnosis)
    .sort((a, b) => time(b) - time(a))[0];
  return {
    state: scope !== null ? 'confirmed' : 'failing',
    scope,
    asOf,
    issueType,
    confirmedTypes,
    completeOutage: allDown && issueType === outageType,
    dnsFailing,
    firstSeen: new Date(firstSeenMs).toISOString(),
    failing,
    healthy,
    errorCodes: rankCodes(latestFailing),
    diagnosis: diagnosisSource?.diagnosis ?? null,
  };
}

function empty(state: AssessmentState, asOf: string | null): Assessment {
  return {
    state,
    scope: null,
    asOf,
    issueType: null,
    confirmedTypes: [],
    completeOutage: false,
    dnsFailing: false,
    firstSeen: null,
    failing: [],
    healthy: [],
    errorCodes: [],
    diagnosis: null,
  };
}

/** Per location, oldest first, one finding per startedAt (redelivery collapses to the last copy). */
function historyByLocation(findings: readonly Finding[]): Map<string, Finding[]> {
  const unique = new Map<string, Finding>();
  for (const f of findings) unique.set(`${f.location}\u0000${time(f)}`, f);
  const out = new Map<string, Finding[]>();
  for (const f of [...unique.values()].sort((a, b) => time(a) - time(b))) {
    const list = out.get(f.location);
    if (list) list.push(f);
    else out.set(f.location, [f]);
  }
  return out;
}

/**
 * The location's trailing run of paging failures, oldest first; a gap of a missed run breaks it.
 * Degraded and down runs chain: slowness that turns into an outage is one failure, timed from its start.
 */
function failingStreak(history: readonly Finding[], gapMs: number): Finding[] {
  const streak: Finding[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const f = history[i] as Finding;
    const next = streak[0];
    if (!isPagingFailure(f) || (next && time(next) - time(f) > gapMs)) break;
    streak.unshift(f);
  }
  return streak;
}

function countBy<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Most failing locations wins; ties go to the open incident's type, then to the most urgent type. */
function pickType(types: readonly IssueType[], table: EscalationTable, prefer?: IssueType): IssueType {
  const counts = countBy(types);
  const rank = (t: IssueType) => [
    -(counts.get(t) ?? 0),
    t === prefer ? 0 : 1,
    table[t].escalateAfterMinutes,
    ISSUE_TYPES.indexOf(t),
  ];
  const candidates = [...counts.keys()].sort((a, b) => compareTuples(rank(a), rank(b)));
  return candidates[0] as IssueType;
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function rankCodes(failing: readonly Finding[]): ErrorCode[] {
  const counts = countBy(failing.flatMap((f) => (f.error ? [f.error.code] : [])));
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code]) => code);
}

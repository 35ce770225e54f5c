/**
 * From a failure to a page: the whole rule, in the order it applies (docs/escalation.md has the
 * tables). The escalator, `netprobe replay`, the CLI and the CDK app's alarm routing all call these
 * functions; nothing else decides what a failure is, what type it has, when it is confirmed, or who
 * is paged after how long.
 *
 *   1. Failing      which findings count at all (a hard failure, or a degraded one with a paging code)
 *   2. Classifying  the issue type of one finding, then of a location's failure among the others
 *   3. Confirming   when failures make an incident, and its scope: enough locations at once, enough
 *                   runs in a row, or (regional) one region failing for confirmation.regional's runs
 *   4. Routing      the table's row for the type: team (or the monitor's own), severity, table time
 *   5. Alarms       the types and the team a monitor's CloudWatch alarms stand for
 *
 * The mechanics around the rule (which findings are fresh, failing streaks, the incident lifecycle,
 * conditional writes) are in incident-assess.ts and escalation.ts; the layer of each error code in
 * classify.ts.
 */
import type { ErrorCode, Layer, Phase, ProbeKind, ProbeResult } from '../probes/types.ts';
import { failedLayer } from './classify.ts';
import { type EscalationRule, type EscalationTable, SEVERITIES, type Severity } from './escalation-table.ts';
import { type Finding, ISSUE_TYPES, type IssueType } from './finding.ts';
import { type ConfirmationRule, type IncidentScope, regionalRule } from './policy.ts';

// ---------------------------------------------------------------- 1. failing

/** A hard failure is a `down` result; `degraded` means the target works, just not well enough. */
export function isHardFailure(finding: Pick<ProbeResult, 'status'>): boolean {
  return finding.status === 'down';
}

/**
 * Degraded codes that never page. An expiring certificate is a warning days ahead, for the
 * CertDaysRemaining metric, not an incident; once it lapses, TLS_CERT_EXPIRED is down and pages.
 */
const NON_PAGING_DEGRADED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TLS_CERT_EXPIRING',
  'DNS_DNSSEC_EXPIRING',
]);

/**
 * Failing, for incidents (opening, streaks, recovery): a hard failure, or a degraded result with a
 * paging code. Sustained slowness (LATENCY_HIGH) and a silent, disagreeing or stale nameserver are
 * what the tcp and dns rows of the escalation table page for. A degraded result without a code
 * cannot be told apart from a warning, so it does not page.
 */
export function isPagingFailure(finding: Pick<ProbeResult, 'status' | 'error'>): boolean {
  if (isHardFailure(finding)) return true;
  return (
    finding.status === 'degraded' && finding.error !== null && !NON_PAGING_DEGRADED.has(finding.error.code)
  );
}

// ---------------------------------------------------------------- 2. classifying

export interface ClassifyContext {
  /** The monitor is fronted by a CDN (config `cdn: true`). CDN headers seen in the response count too. */
  cdn: boolean;
  /** The monitor failed hard (status `down`) in every location that probes it. */
  allLocationsDown: boolean;
  /** config.classification.allLocationsDown: the type for failures everywhere (default `connectivity`). */
  allLocationsDownType?: IssueType;
}

export const DEFAULT_ALL_LOCATIONS_DOWN_TYPE: IssueType = 'connectivity';

/** CDN response headers seen on the final hop mark a monitor as CDN-fronted even without the config flag. */
function cdnSeen(result: Pick<ProbeResult, 'details'>): boolean {
  return result.details.kind === 'http' && result.details.cdn !== undefined;
}

/**
 * Failures where something answered at the edge: a status, a body, redirects or a certificate. For a
 * CDN-fronted monitor that is the CDN answering, so the failure is the CDN's even in every location
 * (the table's "CDN issue, global impact"); a connect or timeout everywhere is still an outage.
 */
export const CDN_ANSWERED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HTTP_STATUS',
  'ASSERTION_FAILED',
  'HTTP_TOO_MANY_REDIRECTS',
  'HTTP_BODY_TOO_LARGE',
  'HTTP_VERSION_UNSUPPORTED',
  'TLS_CERT_EXPIRED',
  'TLS_CERT_UNTRUSTED',
  'TLS_HOSTNAME_MISMATCH',
]);

/**
 * The issue type of one result (docs/errors.md "Classification"), first match wins:
 *   up → null; DNS-layer failure → dns; CDN-fronted and the CDN answered (CDN_ANSWERED_CODES) → cdn;
 *   hard failure in every location → connectivity (configurable); CDN-fronted → cdn;
 *   anything else → tcp (application performance).
 * Degraded results are classified by the same rule (they are never hard failures). The probe runner
 * classifies each finding with what one location knows; the engine classifies again across locations
 * (typeAmongLocations) once it knows whether all of them failed.
 */
export function classify(
  result: Pick<ProbeResult, 'status' | 'layer' | 'error' | 'details'>,
  ctx: ClassifyContext,
): IssueType | null {
  const layer = failedLayer(result);
  if (result.status === 'up') return null;
  if (layer === 'dns') return 'dns';
  const cdn = ctx.cdn || cdnSeen(result);
  if (cdn && result.error !== null && CDN_ANSWERED_CODES.has(result.error.code)) return 'cdn';
  if (isHardFailure(result) && ctx.allLocationsDown) {
    return ctx.allLocationsDownType ?? DEFAULT_ALL_LOCATIONS_DOWN_TYPE;
  }
  if (cdn) return 'cdn';
  return 'tcp';
}

/** What the engine knows of a monitor's locations when it types one location's failure. */
export interface LocationsView {
  cdn: boolean;
  /** Every location fails hard (everyLocationDown). */
  allDown: boolean;
  /** config.classification.allLocationsDown. */
  outageType: IssueType;
}

/**
 * The type of one location's latest failure, knowing the others. A runner sees one location, so the
 * outage type it wrote on a finding is only trusted when every location fails here too.
 */
export function typeAmongLocations(f: Finding, view: LocationsView): IssueType {
  if (view.allDown) {
    const ctx = { cdn: view.cdn, allLocationsDown: true, allLocationsDownType: view.outageType };
    return classify(f, ctx) ?? view.outageType;
  }
  if (f.issueType && f.issueType !== view.outageType) return f.issueType;
  return classify(f, { cdn: view.cdn, allLocationsDown: false }) ?? view.outageType;
}

/**
 * Every location fails hard: the precondition of a complete outage. Slowness everywhere is still
 * slowness: only hard failures count. "Every probing location" is the monitor's own: a single-region
 * monitor hard down in its one region is a complete outage, while a multi-region one needs
 * minLocations reporting first.
 * @param reporting how many locations reported in the engine's window
 * @param latestFailing the latest finding of each failing location
 */
export function everyLocationDown(
  reporting: number,
  latestFailing: readonly Finding[],
  configuredRegions: number | undefined,
  rule: ConfirmationRule,
): boolean {
  const quorum = Math.min(rule.minLocations, configuredRegions ?? rule.minLocations);
  return (
    reporting >= quorum && latestFailing.length === reporting && latestFailing.every((f) => isHardFailure(f))
  );
}

// ---------------------------------------------------------------- 3. confirming

/** One failing location as the confirmation rule sees it. */
export interface FailingLocation {
  location: string;
  latest: Finding;
  /** Its trailing run of failures, oldest first (a missed run breaks it). */
  streak: readonly Finding[];
}

export interface Confirmation {
  /** null: not confirmed. */
  scope: IncidentScope | null;
  /** Types that meet the rule on their own: a re-classification needs one. */
  confirmedTypes: IssueType[];
  /** The failing locations the incident is about: all of them, or (regional) those that lasted. */
  about: FailingLocation[];
}

/**
 * The confirmation rule (docs/escalation.md "Confirmation"):
 * - location rule, for a monitor reporting from at least minLocations locations: global when that
 *   many fail at once; regional when fewer fail but one has failed confirmation.regional's
 *   consecutive runs (the regions hurt are named; the severity is one step lower);
 * - run rule, with fewer vantage points: only persistence can confirm, global when some location has
 *   failed consecutiveRuns runs in a row.
 */
export function confirm(
  reporting: number,
  failing: readonly FailingLocation[],
  rule: ConfirmationRule,
  typeOf: (f: Finding) => IssueType,
): Confirmation {
  const { minLocations, consecutiveRuns } = rule;
  if (reporting >= minLocations) {
    if (failing.length >= minLocations) {
      const counts = countTypes(failing.map((l) => typeOf(l.latest)));
      const confirmedTypes = ISSUE_TYPES.filter((t) => (counts.get(t) ?? 0) >= minLocations);
      return { scope: 'global', confirmedTypes, about: [...failing] };
    }
    const regional = regionalRule(rule);
    const lasting = regional ? failing.filter((l) => l.streak.length >= regional.consecutiveRuns) : [];
    if (regional === null || lasting.length === 0) return { scope: null, confirmedTypes: [], about: [] };
    return {
      scope: 'regional',
      confirmedTypes: heldTypes(lasting, regional.consecutiveRuns, typeOf),
      about: lasting,
    };
  }
  const persistent = failing.filter((l) => l.streak.length >= consecutiveRuns);
  if (persistent.length === 0) return { scope: null, confirmedTypes: [], about: [] };
  return {
    scope: 'global',
    confirmedTypes: heldTypes(persistent, consecutiveRuns, typeOf),
    about: [...failing],
  };
}

/** Types some location has shown in each of its last `runs` failures. */
function heldTypes(
  locations: readonly FailingLocation[],
  runs: number,
  typeOf: (f: Finding) => IssueType,
): IssueType[] {
  return ISSUE_TYPES.filter((t) =>
    locations.some((l) => l.streak.slice(-runs).every((f) => typeOf(f) === t)),
  );
}

function countTypes(types: readonly IssueType[]): Map<IssueType, number> {
  const counts = new Map<IssueType, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------- 4. routing

/**
 * The table's row for a type, with the monitor's own team (it replaces the table's for every type).
 * A regional incident goes to the same team at the same table time, one severity lower.
 */
export function routeFor(
  issueType: IssueType,
  monitor: { team?: string | undefined },
  table: EscalationTable,
  scope: IncidentScope = 'global',
): EscalationRule {
  const rule = table[issueType];
  const severity = scope === 'regional' ? oneLower(rule.severity) : rule.severity;
  return { ...rule, team: monitor.team ?? rule.team, severity };
}

/** critical → high → medium → low; low stays low. */
export function oneLower(severity: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.indexOf(severity) + 1, SEVERITIES.length - 1)] as Severity;
}

// ---------------------------------------------------------------- 5. alarms

/** What the alarm routing knows of a monitor at synth time. */
export interface AlarmedMonitor {
  probe: { kind: ProbeKind };
  cdn: boolean;
  team?: string | undefined;
}

/** The layers a failure of this kind of probe can break at. */
const LAYERS_OF_KIND: Record<ProbeKind, readonly Layer[]> = {
  dns: ['dns'],
  tcp: ['dns', 'transport', 'tls', 'application'],
  http: ['dns', 'transport', 'tls', 'application'],
};

/** The layer a slow phase belongs to (a slow total is the request's, the safe guess). */
const LAYER_OF_PHASE: Record<Phase, Layer> = {
  dns: 'dns',
  connect: 'transport',
  tls: 'tls',
  ttfb: 'application',
  transfer: 'application',
  total: 'application',
};

/**
 * Every type classify() can give a failure of this monitor: each layer it can break at, in one
 * location or in all of them, with CDN headers seen or not (HTTP only). A hard failure for
 * availability alarms; a slow `phase` for latency alarms (never a failure everywhere: it is degraded).
 */
export function possibleIssueTypes(
  monitor: Pick<AlarmedMonitor, 'probe' | 'cdn'>,
  failure: { kind: 'down' } | { kind: 'slow'; phase: Phase },
  allLocationsDownType: IssueType,
): IssueType[] {
  const layers =
    failure.kind === 'slow' ? [LAYER_OF_PHASE[failure.phase]] : LAYERS_OF_KIND[monitor.probe.kind];
  const status = failure.kind === 'down' ? 'down' : 'degraded';
  const found = new Set<IssueType>();
  for (const layer of monitor.probe.kind === 'dns' ? ['dns' as const] : layers) {
    for (const allLocationsDown of [true, false]) {
      for (const seen of monitor.probe.kind === 'http' ? [false, true] : [false]) {
        const details = seen
          ? ({ kind: 'http', cdn: {} } as unknown as ProbeResult['details'])
          : ({ kind: monitor.probe.kind } as ProbeResult['details']);
        const type = classify(
          { status, layer, error: null, details },
          { cdn: monitor.cdn, allLocationsDown, allLocationsDownType },
        );
        if (type !== null) found.add(type);
      }
    }
  }
  return [...found];
}

/**
 * The one type a monitor's own alarms stand for, for the team they notify. The escalator pages by the
 * type of each failure; an alarm only sees a number, so it takes the type the monitor mostly guards:
 * name resolution for DNS monitors, the CDN for CDN-fronted targets, the port for TCP monitors, and
 * reachability (a failure everywhere) for plain HTTP.
 */
export function alarmIssueType(monitor: Pick<AlarmedMonitor, 'probe' | 'cdn'>): IssueType {
  if (monitor.probe.kind === 'dns') return 'dns';
  if (monitor.cdn) return 'cdn';
  if (monitor.probe.kind === 'tcp') return 'tcp';
  return DEFAULT_ALL_LOCATIONS_DOWN_TYPE;
}

/**
 * The type of an expiring certificate (TLS_CERT_EXPIRING), as classify() types the finding: a
 * TLS-layer warning is never an outage. CDN headers only show at run time; the config's flag decides.
 */
export function certificateIssueType(monitor: Pick<AlarmedMonitor, 'cdn'>): IssueType {
  const expiring = {
    status: 'degraded',
    layer: 'tls',
    error: { code: 'TLS_CERT_EXPIRING', message: '' },
    details: { kind: 'tcp' },
  } as const;
  return (
    classify(expiring as Parameters<typeof classify>[0], { cdn: monitor.cdn, allLocationsDown: false }) ??
    'tcp'
  );
}

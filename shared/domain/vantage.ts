/**
 * Vantage-point impairment: when one probe region fails most of what the other regions see healthy,
 * the fault is the region, not the targets. Pure rules here; the decision table is in
 * docs/escalation.md ("A sick probe region").
 */
import { type Finding, startedAtMs } from './finding.ts';
import { isPagingFailure } from './route.ts';

/** config `vantage`: when a region counts as impaired for a run. */
export interface VantageRule {
  /** The region reported at least this many monitors in the run… */
  minMonitors: number;
  /** …at least this share of them failed… (and each failing one was healthy in another region). */
  failingShare: number;
}

export const DEFAULT_VANTAGE_RULE: VantageRule = { minMonitors: 3, failingShare: 0.5 };

/** config `operatorsTeam` when not set: who hears about a sick probe region. */
export const DEFAULT_OPERATORS_TEAM = 'infrastructure-team';

/** A run is one minute. */
export const RUN_MS = 60_000;

/**
 * The run a finding belongs to: the UTC minute its probe started in (every region's scheduler fires
 * on the minute, so one run of every region shares it). ISO-8601, e.g. `2026-12-02T07:00:00.000Z`.
 */
export function runOf(finding: Pick<Finding, 'startedAt'>): string {
  const ms = runMsOf(finding);
  if (ms !== lastRun.ms) lastRun = { ms, iso: new Date(ms).toISOString() };
  return lastRun.iso;
}
/** The run runOf last formatted: findings come a run at a time, so it is nearly always the one asked. */
let lastRun = { ms: Number.NaN, iso: '' };

/** runOf in epoch ms. */
function runMsOf(finding: Pick<Finding, 'startedAt'>): number {
  const ms = Math.floor(startedAtMs(finding) / RUN_MS) * RUN_MS;
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${finding.startedAt}`);
  return ms;
}

/**
 * What one location reported in one run, as one writer saw it: a runner shard's findings (or, in
 * replay, one monitor's). The store keeps one report per (run, location, key): a retry with the same
 * key replaces it, unless it is older (`at`). Reports of one location with different keys name
 * different monitors (a monitor is in one shard of a run), so the store adds them up.
 */
export interface RunReport {
  /** runOf of its findings. */
  run: string;
  location: string;
  /** Names the writer: `shard-3`, `all`, a monitor id. */
  key: string;
  /** The newest startedAt of its findings (epoch ms): an older copy of the report does not replace a newer one. */
  at: number;
  /** Monitors whose latest finding of the run failed (isPagingFailure)… */
  failing: string[];
  /** …and those whose latest finding passed. */
  healthy: string[];
}

/** One location's part of a run, added up over its reports: enough to rule out impairment cheaply. */
export interface LocationFailures {
  /** Monitors it reported. */
  reported: number;
  /** Those that failed. */
  failing: ReadonlySet<string>;
}

/** A report holds at most this many monitors (a DynamoDB item stays far below its 400 KB). */
export const MAX_REPORT_MONITORS = 1000;

/**
 * The reports of a batch of findings, one per (run, location, key) (chunks of MAX_REPORT_MONITORS
 * get `#<n>` after the key): each monitor by its latest finding, a later one winning a tie.
 */
export function runReports(findings: readonly Finding[], keyOf: (f: Finding) => string): RunReport[] {
  const groups = new Map<
    string,
    { run: string; location: string; key: string; latest: Map<string, Finding> }
  >();
  for (const f of findings) {
    const run = runOf(f);
    const key = keyOf(f);
    const id = `${run}\u0000${f.location}\u0000${key}`;
    let group = groups.get(id);
    if (!group) {
      group = { run, location: f.location, key, latest: new Map() };
      groups.set(id, group);
    }
    const seen = group.latest.get(f.monitorId);
    if (!seen || startedAtMs(seen) <= startedAtMs(f)) group.latest.set(f.monitorId, f);
  }
  // Replay reports every finding on its own: one pass over each chunk, no intermediate arrays.
  const reports: RunReport[] = [];
  for (const { run, location, key, latest } of groups.values()) {
    const all = [...latest.values()];
    const chunks = Math.ceil(all.length / MAX_REPORT_MONITORS);
    for (let n = 0; n < chunks; n++) {
      const report: RunReport = {
        run,
        location,
        key: chunks > 1 ? `${key}#${n}` : key,
        at: Number.NEGATIVE_INFINITY,
        failing: [],
        healthy: [],
      };
      for (const f of all.slice(n * MAX_REPORT_MONITORS, (n + 1) * MAX_REPORT_MONITORS)) {
        report.at = Math.max(report.at, startedAtMs(f));
        (isPagingFailure(f) ? report.failing : report.healthy).push(f.monitorId);
      }
      reports.push(report);
    }
  }
  return reports;
}

/**
 * The locations that may be impaired in a run, from counts and failing monitors only: enough
 * monitors reported, and enough of them failing. Usually none, and then nobody needs the healthy ones.
 */
export function impairmentCandidates(
  failures: ReadonlyMap<string, LocationFailures>,
  rule: VantageRule,
): string[] {
  return [...failures]
    .filter(
      ([, l]) =>
        l.reported >= rule.minMonitors &&
        l.failing.size > 0 &&
        l.failing.size >= rule.failingShare * l.reported,
    )
    .map(([location]) => location);
}

/**
 * Of the candidates, the locations impaired: each failing monitor was reported healthy by another location.
 * @param healthy location -> monitors it reported healthy in the run.
 */
export function impairedAmong(
  candidates: readonly string[],
  failures: ReadonlyMap<string, LocationFailures>,
  healthy: ReadonlyMap<string, ReadonlySet<string>>,
): Set<string> {
  const impaired = new Set<string>();
  for (const location of candidates) {
    const seenHealthyElsewhere = (monitorId: string) =>
      [...healthy].some(([other, ids]) => other !== location && ids.has(monitorId));
    if ([...(failures.get(location)?.failing ?? [])].every(seenHealthyElsewhere)) impaired.add(location);
  }
  return impaired;
}

/** One change of a region's state: `impaired` at the first impaired run, `recovered` at the first run after. */
export interface VantageChange {
  kind: 'impaired' | 'recovered';
  location: string;
  /** The run the change was seen in. */
  run: string;
  /** The first impaired run of this impairment (names it in the dedupKey). */
  since: string;
}

/** `<location>:<kind>:<first impaired run>`: every copy of one vantage notification carries it. */
export function vantageDedupKey(change: Pick<VantageChange, 'location' | 'kind' | 'since'>): string {
  return `${change.location}:${change.kind}:${change.since}`;
}

/**
 * Moves the regions' impairment from one run to the next.
 * @param current location -> first impaired run, for the regions impaired before this run.
 * @returns the state after the run and the changes it made.
 */
export function nextVantageState(
  current: ReadonlyMap<string, string>,
  run: string,
  impaired: ReadonlySet<string>,
): { state: Map<string, string>; changes: VantageChange[] } {
  const state = new Map<string, string>();
  const changes: VantageChange[] = [];
  for (const [location, since] of current) {
    if (impaired.has(location)) state.set(location, since);
    else changes.push({ kind: 'recovered', location, run, since });
  }
  for (const location of [...impaired].sort()) {
    if (current.has(location)) continue;
    state.set(location, run);
    changes.push({ kind: 'impaired', location, run, since: run });
  }
  return { state, changes };
}

/** A run is decided once every region's findings of it are in: this long after its minute ends. */
export const RUN_GRACE_MS = 30_000;
/**
 * Runs decided per engine call at most: the escalator catches up after an outage of its own a few
 * runs a tick, and never looks further back than MAX_RUNS_BEHIND (older runs can no longer matter
 * to an open incident's lookback, and their notices would be stale).
 */
export const MAX_RUNS_PER_CALL = 10;
export const MAX_RUNS_BEHIND = 240;

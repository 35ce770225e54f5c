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

const RUN_MS = 60_000;

/**
 * The run a finding belongs to: the UTC minute its probe started in (every region's scheduler fires
 * on the minute, so one run of every region shares it). ISO-8601, e.g. `2026-12-02T07:00:00.000Z`.
 */
export function runOf(finding: Pick<Finding, 'startedAt'>): string {
  return new Date(runMsOf(finding)).toISOString();
}

/** runOf in epoch ms: the engine keys its runs by number (no Date built per finding). */
function runMsOf(finding: Pick<Finding, 'startedAt'>): number {
  const ms = Math.floor(startedAtMs(finding) / RUN_MS) * RUN_MS;
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${finding.startedAt}`);
  return ms;
}

/**
 * The locations impaired in one run, from every finding of that run (all monitors, all locations).
 * A monitor reported twice by one location counts once, by its latest finding.
 */
export function impairedLocations(runFindings: readonly Finding[], rule: VantageRule): Set<string> {
  const tally = new RunTally();
  for (const f of runFindings) tally.add(f);
  return tally.impaired(rule);
}

interface Reported {
  at: string;
  failing: boolean;
}

/**
 * One run's findings as impairment reads them, kept up to date finding by finding: per location,
 * each monitor's latest state and how many of them fail. A finding costs O(1) and a decision
 * O(locations) unless a location fails enough to be checked monitor by monitor, so a run of
 * thousands of findings arriving one by one (a replay) stays linear.
 */
export class RunTally {
  /** location -> monitorId -> latest state (latest finding wins). */
  readonly #byLocation = new Map<string, Map<string, Reported>>();
  readonly #failing = new Map<string, number>();

  add(f: Finding): void {
    let monitors = this.#byLocation.get(f.location);
    if (!monitors) {
      monitors = new Map();
      this.#byLocation.set(f.location, monitors);
      this.#failing.set(f.location, 0);
    }
    const seen = monitors.get(f.monitorId);
    if (seen && seen.at > f.startedAt) return;
    const failing = isPagingFailure(f);
    const delta = (failing ? 1 : 0) - (seen?.failing ? 1 : 0);
    if (delta !== 0) this.#failing.set(f.location, (this.#failing.get(f.location) ?? 0) + delta);
    monitors.set(f.monitorId, { at: f.startedAt, failing });
  }

  impaired(rule: VantageRule): Set<string> {
    const impaired = new Set<string>();
    for (const [location, monitors] of this.#byLocation) {
      if (monitors.size < rule.minMonitors) continue;
      const failingCount = this.#failing.get(location) ?? 0;
      if (failingCount === 0 || failingCount < rule.failingShare * monitors.size) continue;
      const failing = [...monitors].filter(([, m]) => m.failing).map(([id]) => id);
      const seenHealthyElsewhere = (monitorId: string) =>
        [...this.#byLocation].some(
          ([other, ms]) => other !== location && ms.get(monitorId)?.failing === false,
        );
      if (failing.every(seenHealthyElsewhere)) impaired.add(location);
    }
    return impaired;
  }
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
/** Runs of findings kept for impairment: the engine's longest lookback needs no more. */
export const MAX_RUNS_KEPT = 240;

/**
 * The engine's view of every region's runs, fed with every finding it processes: which (location,
 * run) pairs are impaired (their findings count for no incident), and the impaired/recovered changes
 * of runs that are over. In memory and bounded by MAX_RUNS_KEPT runs. Runs are keyed by their start
 * in epoch ms (runOf as a number).
 */
export class VantageWatch {
  readonly #rule: VantageRule;
  readonly #runs = new Map<number, RunTally>();
  readonly #impaired = new Map<number, Set<string>>();
  /** Runs kept whose impaired set is not empty: none (the usual case) answers isImpaired at once. */
  #impairedRuns = 0;
  #state = new Map<string, string>();
  #decidedUpTo = Number.NEGATIVE_INFINITY;

  constructor(rule: VantageRule) {
    this.#rule = rule;
  }

  add(findings: readonly Finding[]): void {
    const touched = new Set<number>();
    for (const f of findings) {
      const run = runMsOf(f);
      // A run already decided keeps its decision: a very late finding cannot re-send notifications.
      if (run <= this.#decidedUpTo) continue;
      let tally = this.#runs.get(run);
      if (!tally) {
        tally = new RunTally();
        this.#runs.set(run, tally);
      }
      tally.add(f);
      touched.add(run);
    }
    for (const run of touched) this.#setImpaired(run, this.#runs.get(run)?.impaired(this.#rule) ?? new Set());
    if (this.#impaired.size > MAX_RUNS_KEPT) {
      const oldest = [...this.#impaired.keys()].sort((a, b) => a - b);
      for (const run of oldest.slice(0, this.#impaired.size - MAX_RUNS_KEPT)) {
        this.#setImpaired(run, undefined);
        this.#runs.delete(run);
      }
    }
  }

  /** Whether this location's findings of this run count for no incident. */
  isImpaired(finding: Pick<Finding, 'location' | 'startedAt'>): boolean {
    if (this.#impairedRuns === 0) return false;
    return this.#impaired.get(runMsOf(finding))?.has(finding.location) ?? false;
  }

  /** Decides the runs over by `now` (RUN_GRACE_MS after their minute), oldest first. */
  decide(now: Date): VantageChange[] {
    const changes: VantageChange[] = [];
    for (const run of [...this.#runs.keys()].sort((a, b) => a - b)) {
      if (run + RUN_MS + RUN_GRACE_MS > now.getTime()) break;
      const next = nextVantageState(
        this.#state,
        new Date(run).toISOString(),
        this.#impaired.get(run) ?? new Set(),
      );
      this.#state = next.state;
      changes.push(...next.changes);
      this.#decidedUpTo = run;
      // Its findings are no longer needed; its impaired set stays for the exclusion.
      this.#runs.delete(run);
    }
    return changes;
  }

  /** Sets (or, undefined, forgets) a run's impaired set, keeping #impairedRuns true. */
  #setImpaired(run: number, impaired: Set<string> | undefined): void {
    if (this.#impaired.get(run)?.size) this.#impairedRuns--;
    if (impaired === undefined) this.#impaired.delete(run);
    else this.#impaired.set(run, impaired);
    if (impaired?.size) this.#impairedRuns++;
  }
}

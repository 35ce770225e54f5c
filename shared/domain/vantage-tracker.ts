/**
 * The sick-probe-region rule (vantage.ts) applied through the store, so every escalator (every
 * container, a cold one too) sees the same thing: the runners' per-run reports are the index, each
 * run is decided once by a conditional write on the one vantage state, and the impaired/recovered
 * notices wait in that state's outbox until published (docs/escalation.md, "A sick probe region").
 * What the tracker keeps in memory is a cache: decided runs never change, live runs are re-read
 * after `refreshMs`.
 */
import type { VantageNotice } from '../ports/notifier.ts';
import type { RunDecision, Store, VantageState } from '../ports/store.ts';
import type { Finding } from './finding.ts';
import {
  impairedAmong,
  impairmentCandidates,
  type LocationFailures,
  MAX_RUNS_BEHIND,
  MAX_RUNS_PER_CALL,
  nextVantageState,
  RUN_GRACE_MS,
  RUN_MS,
  runOf,
  type VantageChange,
  type VantageRule,
  vantageDedupKey,
} from './vantage.ts';

export interface VantageTrackerOptions {
  store: Store;
  rule: VantageRule;
  operatorsTeam: string;
  /** A claimed notice not confirmed published after this long is claimed again (DELIVERY_LEASE_MS). */
  leaseMs: number;
  /**
   * How long a live run's impairment (a run not decided yet) is reused before the store is read again.
   * 0: at every call (replay, exact); the escalator reuses it within an invocation.
   */
  refreshMs: number;
}

/** A released claim: the next call may take the notice at once (a publish that failed, not one cut off). */
const RELEASED = new Date(0).toISOString();

/** Decided runs with impaired locations kept in memory at most; past that the cache starts over (one Query). */
const MAX_DECIDED_CACHED = 4 * MAX_RUNS_BEHIND;

const iso = (ms: number) => new Date(ms).toISOString();
/** The start of the run `now` is in (epoch ms). */
const minuteOf = (now: Date) => Math.floor(now.getTime() / RUN_MS) * RUN_MS;

export class VantageTracker {
  readonly #store: Store;
  readonly #options: VantageTrackerOptions;
  /** The state as last read or written by this tracker. */
  #state: VantageState | null = null;
  /** Decided runs with impaired locations; complete (absent: none impaired) over [#coveredFrom, #coveredTo]. */
  readonly #decided = new Map<string, ReadonlySet<string>>();
  #coveredFrom = '';
  #coveredTo = '';
  readonly #live = new Map<string, { readAt: number; impaired: ReadonlySet<string> }>();

  constructor(options: VantageTrackerOptions) {
    this.#store = options.store;
    this.#options = options;
  }

  /**
   * Decides the runs over by `now` (RUN_GRACE_MS after their minute), oldest first, at most
   * MAX_RUNS_PER_CALL. Returns the notices this call put in the outbox: the caller publishes them.
   * @param fresh read the state even if none of this tracker's view is due (the tick: to see the outbox).
   */
  async decide(now: Date, fresh = false): Promise<VantageNotice[]> {
    const nowMs = now.getTime();
    // The next run is over once its minute and the grace have passed.
    const due = (s: VantageState) => Date.parse(s.decidedUpTo) + 2 * RUN_MS + RUN_GRACE_MS <= nowMs;
    if (!fresh && this.#state && !due(this.#state)) return [];
    let state = await this.#readOrStart(now);
    const won: VantageNotice[] = [];
    for (let n = 0; n < MAX_RUNS_PER_CALL && due(state); n++) {
      const runMs = Math.max(
        Date.parse(state.decidedUpTo) + RUN_MS,
        minuteOf(now) - MAX_RUNS_BEHIND * RUN_MS,
      );
      const run = iso(runMs);
      const decision = await this.#store.decideRun(await this.#decisionOf(run));
      this.#remember(decision);
      const current = sinceOrder(state.impaired);
      const next = decision.reported
        ? nextVantageState(current, run, new Set(decision.impaired))
        : { state: current, changes: [] };
      const notices = next.changes.map((c) => this.#notice(c, now));
      const moved = { decidedUpTo: run, impaired: Object.fromEntries(next.state) };
      if (await this.#store.advanceVantage(state.decidedUpTo, moved, notices, now.toISOString())) {
        won.push(...notices);
        const added = notices.map((notice) => [notice.dedupKey, { claimedAt: now.toISOString(), notice }]);
        state = { ...moved, outbox: { ...state.outbox, ...Object.fromEntries(added) } };
      } else {
        // Another escalator decided it: its notices are its own to send.
        state = await this.#read();
      }
    }
    this.#state = state;
    return won;
  }

  /** Outbox notices whose claim has lapsed (a publish that failed or was cut off), now claimed by this caller. */
  async claimStale(now: Date): Promise<VantageNotice[]> {
    const claimed: VantageNotice[] = [];
    for (const [dedupKey, entry] of Object.entries(this.#state?.outbox ?? {})) {
      if (now.getTime() - Date.parse(entry.claimedAt) < this.#options.leaseMs) continue;
      if (!(await this.#store.claimNotice(dedupKey, entry.claimedAt, now.toISOString()))) continue;
      entry.claimedAt = now.toISOString();
      claimed.push(entry.notice);
    }
    return claimed;
  }

  /** The publish of a notice this caller claimed failed: the next tick may send it at once. */
  async release(notice: VantageNotice): Promise<void> {
    const entry = this.#state?.outbox[notice.dedupKey];
    if (entry && (await this.#store.claimNotice(notice.dedupKey, entry.claimedAt, RELEASED)))
      entry.claimedAt = RELEASED;
  }

  async delivered(notice: VantageNotice): Promise<void> {
    await this.#store.markNoticeDelivered(notice.dedupKey);
    if (this.#state) delete this.#state.outbox[notice.dedupKey];
  }

  /**
   * The findings that count for incidents: those of a location impaired in their run left out, by
   * the run's decision, or for a run not decided yet by what the index shows so far.
   * @param from the start of the findings' window (the evaluation's lookback).
   */
  async counted(findings: readonly Finding[], from: Date, now: Date): Promise<readonly Finding[]> {
    const state = this.#state;
    if (!state || findings.length === 0) return findings;
    const impaired = new Map<string, ReadonlySet<string>>();
    const fromRun = iso(minuteOf(from));
    if (fromRun <= state.decidedUpTo) {
      await this.#cover(fromRun, state.decidedUpTo);
      for (const [run, locations] of this.#decided)
        if (run >= fromRun && run <= state.decidedUpTo) impaired.set(run, locations);
    }
    // Findings of runs not decided yet: startedAt from the next run on (stored startedAt is canonical ISO).
    const liveFrom = iso(Date.parse(state.decidedUpTo) + RUN_MS);
    const liveRuns = new Set(findings.filter((f) => f.startedAt >= liveFrom).map((f) => runOf(f)));
    for (const run of liveRuns) {
      const locations = await this.#liveImpaired(run, now.getTime());
      if (locations.size > 0) impaired.set(run, locations);
    }
    if (impaired.size === 0) return findings;
    return findings.filter((f) => !impaired.get(runOf(f))?.has(f.location));
  }

  async #read(): Promise<VantageState> {
    const state = await this.#store.getVantageState();
    if (!state) throw new Error('the vantage state is gone from the store');
    return state;
  }

  /** The state, created on the first call ever: nothing before the current run is decided then. */
  async #readOrStart(now: Date): Promise<VantageState> {
    const state = await this.#store.getVantageState();
    if (state) return state;
    const start = { decidedUpTo: iso(minuteOf(now) - RUN_MS), impaired: {} };
    if (await this.#store.advanceVantage(null, start, [], now.toISOString())) return { ...start, outbox: {} };
    return this.#read();
  }

  async #decisionOf(run: string): Promise<RunDecision> {
    const failures = await this.#store.readRunFailures(run);
    if (failures.size === 0) return { run, reported: false, impaired: [] };
    return { run, reported: true, impaired: [...(await this.#impairedIn(run, failures))].sort() };
  }

  /** The healthy monitors are read only when some location may be impaired (usually none). */
  async #impairedIn(run: string, failures: ReadonlyMap<string, LocationFailures>): Promise<Set<string>> {
    const candidates = impairmentCandidates(failures, this.#options.rule);
    if (candidates.length === 0) return new Set();
    return impairedAmong(candidates, failures, await this.#store.readRunHealthy(run));
  }

  async #liveImpaired(run: string, nowMs: number): Promise<ReadonlySet<string>> {
    const cached = this.#live.get(run);
    if (cached && nowMs - cached.readAt < this.#options.refreshMs) return cached.impaired;
    const impaired = await this.#impairedIn(run, await this.#store.readRunFailures(run));
    this.#live.set(run, { readAt: nowMs, impaired });
    for (const old of this.#live.keys()) if (old <= (this.#state?.decidedUpTo ?? '')) this.#live.delete(old);
    return impaired;
  }

  /** A decision this tracker made or adopted: the cache covers it when it follows the covered runs. */
  #remember(decision: RunDecision): void {
    if (this.#decided.size >= MAX_DECIDED_CACHED) this.#forgetDecided();
    if (decision.impaired.length > 0) this.#decided.set(decision.run, new Set(decision.impaired));
    const follows = this.#coveredTo && Date.parse(decision.run) <= Date.parse(this.#coveredTo) + RUN_MS;
    if (follows && decision.run > this.#coveredTo) this.#coveredTo = decision.run;
  }

  /** Makes the cache complete over [fromRun, toRun]: one Query for what it does not cover yet. */
  async #cover(fromRun: string, toRun: string): Promise<void> {
    if (this.#coveredTo && this.#coveredFrom <= fromRun && toRun <= this.#coveredTo) return;
    if (this.#decided.size >= MAX_DECIDED_CACHED) this.#forgetDecided();
    for (const [run, locations] of await this.#store.listImpairedRuns(fromRun, toRun))
      this.#decided.set(run, new Set(locations));
    const overlaps = this.#coveredTo && fromRun <= this.#coveredTo && toRun >= this.#coveredFrom;
    this.#coveredFrom = overlaps && this.#coveredFrom < fromRun ? this.#coveredFrom : fromRun;
    this.#coveredTo = overlaps && this.#coveredTo > toRun ? this.#coveredTo : toRun;
  }

  #forgetDecided(): void {
    this.#decided.clear();
    this.#coveredFrom = '';
    this.#coveredTo = '';
  }

  #notice(change: VantageChange, now: Date): VantageNotice {
    return {
      kind: change.kind,
      at: now.toISOString(),
      team: this.#options.operatorsTeam,
      location: change.location,
      since: change.since,
      dedupKey: vantageDedupKey(change),
      subject:
        change.kind === 'impaired'
          ? `[impaired] probe region ${change.location}: its failures are not paged`
          : `[recovered] probe region ${change.location} counts again`,
    };
  }
}

/**
 * The impaired regions in the order their impairments began (then by name): the order the notices
 * of regions recovering in the same run go out, whatever order the store kept the record's keys in.
 */
function sinceOrder(impaired: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(impaired).sort(([a, x], [b, y]) => x.localeCompare(y) || a.localeCompare(b)));
}

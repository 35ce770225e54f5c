/**
 * The MemoryStore's part for a sick probe region: the per-run index of reports, the runs' decisions
 * and the one vantage state with its outbox. Same contract as the DynamoDB store's
 * (dynamodb-vantage.ts), kept up to date report by report so a replay feeding one finding at a time
 * reads a run's failures in O(locations + failing), not O(findings of the run).
 */
import type { LocationFailures, RunReport } from '../domain/vantage.ts';
import type { VantageNotice } from '../ports/notifier.ts';
import type { RunDecision, VantageState } from '../ports/store.ts';

interface LocationTotals {
  reported: number;
  failing: Set<string>;
  healthy: Set<string>;
}

interface RunEntry {
  /** location \0 key -> the report standing for it. */
  reports: Map<string, RunReport>;
  /** Per location, its reports added up (reports of one location name different monitors). */
  totals: Map<string, LocationTotals>;
}

export class MemoryVantage {
  /** By run, in the order runs were first reported (about time order): forgetBefore drops from the front. */
  readonly #runs = new Map<string, RunEntry>();
  readonly #decisions = new Map<string, RunDecision>();
  #state: VantageState | null = null;

  record(report: RunReport): void {
    let entry = this.#runs.get(report.run);
    if (!entry) {
      entry = { reports: new Map(), totals: new Map() };
      this.#runs.set(report.run, entry);
    }
    const key = `${report.location}\u0000${report.key}`;
    const old = entry.reports.get(key);
    if (old && old.at > report.at) return;
    let totals = entry.totals.get(report.location);
    if (!totals) {
      totals = { reported: 0, failing: new Set(), healthy: new Set() };
      entry.totals.set(report.location, totals);
    }
    if (old) {
      totals.reported -= old.failing.length + old.healthy.length;
      for (const id of old.failing) totals.failing.delete(id);
      for (const id of old.healthy) totals.healthy.delete(id);
    }
    const copy = { ...report, failing: [...report.failing], healthy: [...report.healthy] };
    entry.reports.set(key, copy);
    totals.reported += copy.failing.length + copy.healthy.length;
    for (const id of copy.failing) totals.failing.add(id);
    for (const id of copy.healthy) totals.healthy.add(id);
  }

  failures(run: string): Map<string, LocationFailures> {
    const totals = this.#runs.get(run)?.totals ?? new Map<string, LocationTotals>();
    return new Map(
      [...totals].map(([location, t]) => [location, { reported: t.reported, failing: new Set(t.failing) }]),
    );
  }

  healthy(run: string): Map<string, Set<string>> {
    const totals = this.#runs.get(run)?.totals ?? new Map<string, LocationTotals>();
    return new Map([...totals].map(([location, t]) => [location, new Set(t.healthy)]));
  }

  state(): VantageState | null {
    const s = this.#state;
    return (
      s && { decidedUpTo: s.decidedUpTo, impaired: { ...s.impaired }, outbox: structuredClone(s.outbox) }
    );
  }

  advance(
    seenDecidedUpTo: string | null,
    next: Pick<VantageState, 'decidedUpTo' | 'impaired'>,
    notices: readonly VantageNotice[],
    claimedAt: string,
  ): boolean {
    if ((this.#state?.decidedUpTo ?? null) !== seenDecidedUpTo) return false;
    const outbox = { ...this.#state?.outbox };
    for (const notice of notices) outbox[notice.dedupKey] = { claimedAt, notice: structuredClone(notice) };
    this.#state = { decidedUpTo: next.decidedUpTo, impaired: { ...next.impaired }, outbox };
    return true;
  }

  decide(decision: RunDecision): RunDecision {
    const stored = this.#decisions.get(decision.run);
    if (stored) return { ...stored, impaired: [...stored.impaired] };
    this.#decisions.set(decision.run, { ...decision, impaired: [...decision.impaired] });
    return decision;
  }

  impairedRuns(from: string, to: string): Map<string, string[]> {
    return new Map(
      [...this.#decisions.values()]
        .filter((d) => d.run >= from && d.run <= to && d.impaired.length > 0)
        .sort((a, b) => (a.run < b.run ? -1 : 1))
        .map((d) => [d.run, [...d.impaired]]),
    );
  }

  claim(dedupKey: string, seenClaimedAt: string, claimedAt: string): boolean {
    const entry = this.#state?.outbox[dedupKey];
    if (entry?.claimedAt !== seenClaimedAt) return false;
    entry.claimedAt = claimedAt;
    return true;
  }

  delivered(dedupKey: string): void {
    if (this.#state) delete this.#state.outbox[dedupKey];
  }

  /** Drops the reports and decisions of runs before `run` (ISO): a replay's memory stays flat. */
  forgetBefore(run: string): void {
    for (const key of this.#runs.keys()) {
      if (key >= run) break;
      this.#runs.delete(key);
    }
    for (const key of this.#decisions.keys()) {
      if (key >= run) break;
      this.#decisions.delete(key);
    }
  }
}

/**
 * A timeline of findings read as a stream, for `netprobe replay` at any length: the order replay
 * feeds the engine in (startedAt, then location, then file order), a window that puts a nearly
 * sorted stream into that order with bounded memory, and one pass that learns what replay needs
 * before it starts (span, order, the intervals of monitors the config does not list).
 */
import { type Finding, startedAtMs } from './finding.ts';
import type { MonitorPolicy } from './incident-assess.ts';

const MINUTE_MS = 60_000;

/** Replay's order: by startedAt, then location; equal ones keep their order (a stable sort). */
export function compareTimeline(a: Finding, b: Finding): number {
  return compareAt(startedAtMs(a), a, startedAtMs(b), b);
}

/** compareTimeline with each startedAt already parsed (`at`, epoch ms). */
function compareAt(aAt: number, a: Finding, bAt: number, b: Finding): number {
  return aAt - bAt || a.location.localeCompare(b.location);
}

interface Pending {
  at: number;
  finding: Finding;
}

/**
 * Puts a stream that is out of order by at most `windowMs` into replay's order: each finding waits
 * until one at least `windowMs` newer has arrived, so memory holds one window of findings. push()
 * returns false, taking nothing, for a finding that comes later than that: the stream is then
 * out of order by more than the window and must be sorted whole.
 */
export class SortingWindow {
  readonly #windowMs: number;
  /** In replay order from #head on; released from the front. */
  #pending: Pending[] = [];
  #head = 0;
  #newest = Number.NEGATIVE_INFINITY;
  /** startedAt of the last finding released: nothing at or before it may come any more. */
  #released = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Takes a finding; returns the findings that can no longer be overtaken, in order, or false. */
  push(finding: Finding): Finding[] | false {
    const at = startedAtMs(finding);
    if (at <= this.#released) return false;
    const pending = this.#pending;
    // Nearly sorted input: the place is at or near the end.
    let i = pending.length;
    while (i > this.#head) {
      const before = pending[i - 1] as Pending;
      if (compareAt(before.at, before.finding, at, finding) <= 0) break;
      i--;
    }
    if (i === pending.length) pending.push({ at, finding });
    else pending.splice(i, 0, { at, finding });
    if (at <= this.#newest) return [];
    this.#newest = at;
    return this.#releaseBefore(at - this.#windowMs);
  }

  /** Everything still held, in order (the stream ended). */
  drain(): Finding[] {
    return this.#releaseBefore(Number.POSITIVE_INFINITY);
  }

  #releaseBefore(cutoff: number): Finding[] {
    const pending = this.#pending;
    const out: Finding[] = [];
    while (this.#head < pending.length && (pending[this.#head] as Pending).at < cutoff) {
      const p = pending[this.#head++] as Pending;
      this.#released = p.at;
      out.push(p.finding);
    }
    // Drop the released front now and then, not on every release.
    if (this.#head > 1024 && this.#head * 2 > pending.length) {
      this.#pending = pending.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}

/**
 * What one pass over a timeline in replay order learns: how many findings, first and last start,
 * and each unlisted monitor's interval as replay infers it (the median gap between a location's
 * runs, in whole minutes, at least 1). Gaps are counted by whole minutes, so the memory is a few
 * counters per monitor, not the timeline; rounding keeps order, so the median is the same.
 */
export class TimelineScan {
  count = 0;
  first: number | null = null;
  last: number | null = null;
  readonly #configured: ReadonlySet<string>;
  /** Per unlisted monitor, in order of first appearance: how many gaps of each whole-minute length. */
  readonly #gaps = new Map<string, Map<number, number>>();
  readonly #previous = new Map<string, number>();

  constructor(configured: readonly MonitorPolicy[]) {
    this.#configured = new Set(configured.map((m) => m.id));
  }

  /** The next finding, in replay order. */
  add(f: Finding): void {
    const t = startedAtMs(f);
    this.count++;
    this.first ??= t;
    this.last = t;
    if (this.#configured.has(f.monitorId)) return;
    let gaps = this.#gaps.get(f.monitorId);
    if (!gaps) {
      gaps = new Map();
      this.#gaps.set(f.monitorId, gaps);
    }
    const key = `${f.monitorId}\u0000${f.location}`;
    const before = this.#previous.get(key);
    if (before !== undefined && t > before) {
      const minutes = Math.round((t - before) / MINUTE_MS);
      gaps.set(minutes, (gaps.get(minutes) ?? 0) + 1);
    }
    this.#previous.set(key, t);
  }

  /** The monitors seen that the config does not list, with their inferred interval. */
  inferredMonitors(): MonitorPolicy[] {
    return [...this.#gaps].map(([id, gaps]) => ({ id, intervalMinutes: Math.max(1, medianOf(gaps)) }));
  }
}

/** The element at index floor(n/2) of the sorted values (1 when there are none). */
function medianOf(counts: ReadonlyMap<number, number>): number {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return 1;
  let seen = 0;
  for (const [value, count] of [...counts].sort(([a], [b]) => a - b)) {
    seen += count;
    if (seen > Math.floor(total / 2)) return value;
  }
  return 1;
}

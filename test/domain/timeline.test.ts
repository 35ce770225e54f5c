/**
 * The stream order of `netprobe replay`: a window that sorts a nearly sorted stream exactly as
 * replay's whole-timeline sort does, refusing what comes later than the window; and the one-pass
 * scan that infers unlisted monitors' intervals as replay always has (median gap, whole minutes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import { compareTimeline, SortingWindow, TimelineScan } from '../../shared/domain/timeline.ts';
import { tcpDownFinding } from '../fixtures/findings.ts';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const MIN = 60_000;
const LOCATIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];

/** A finding at T0 + ms; `tag` (the target) tells equal ones apart. */
const at = (ms: number, location: string, tag = '') =>
  tcpDownFinding({ startedAt: new Date(T0 + ms).toISOString(), location, target: tag });

function throughWindow(findings: readonly Finding[], windowMs: number): Finding[] | false {
  const window = new SortingWindow(windowMs);
  const out: Finding[] = [];
  for (const f of findings) {
    const released = window.push(f);
    if (released === false) return false;
    out.push(...released);
  }
  return [...out, ...window.drain()];
}

describe('SortingWindow', () => {
  it('gives a stream out of order by less than the window in exactly the order of a stable sort', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            minute: fc.integer({ min: 0, max: 30 }),
            // Lateness of at most 59 s within a 1-minute window; a few at the same instant.
            jitter: fc.integer({ min: 0, max: 59 }),
            location: fc.constantFrom(...LOCATIONS),
          }),
          { maxLength: 200 },
        ),
        (runs) => {
          // In arrival order: by minute, each up to 59 s late, ties on purpose.
          const arrivals = runs
            .map((r, n) => ({ ...r, n }))
            .sort((a, b) => a.minute - b.minute || a.n - b.n)
            .map((r) => at(r.minute * MIN + r.jitter * 1000, r.location, String(r.n)));
          const sorted = [...arrivals].sort(compareTimeline);
          const late = arrivals.some((f, i) =>
            arrivals.slice(0, i).some((e) => Date.parse(e.startedAt) - Date.parse(f.startedAt) >= MIN - 1000),
          );
          const out = throughWindow(arrivals, MIN);
          if (!late) expect(out).toEqual(sorted);
          else if (out !== false) expect(out).toEqual(sorted);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a finding later than the window (the file must then be sorted whole)', () => {
    // 10 s comes after 2 min has released everything before 1 min, 30 s included.
    const stream = [
      at(0, 'eu-west-1'),
      at(30_000, 'us-east-1'),
      at(2 * MIN, 'eu-west-1'),
      at(10_000, 'sa-east-1'),
    ];
    expect(throughWindow(stream, MIN)).toBe(false);
    // Within a window of 5 minutes the same stream is fine.
    expect(throughWindow(stream, 5 * MIN)).toEqual([...stream].sort(compareTimeline));
  });

  it('refuses a finding at an instant it has already released', () => {
    const window = new SortingWindow(MIN);
    window.push(at(0, 'eu-west-1'));
    expect(window.push(at(MIN + 1000, 'eu-west-1'))).toEqual([at(0, 'eu-west-1')]);
    expect(window.push(at(0, 'us-east-1'))).toBe(false);
  });
});

describe('TimelineScan', () => {
  /** The inference replay has always used: every gap, sorted, the element at floor(n/2). */
  function medianInterval(findings: readonly Finding[], monitorId: string): number {
    const gaps: number[] = [];
    const previous = new Map<string, number>();
    for (const f of findings.filter((x) => x.monitorId === monitorId)) {
      const t = Date.parse(f.startedAt);
      const before = previous.get(f.location);
      if (before !== undefined && t > before) gaps.push(t - before);
      previous.set(f.location, t);
    }
    const median = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? MIN;
    return Math.max(1, Math.round(median / MIN));
  }

  it('infers each unlisted monitor interval as the median gap, in order of first appearance', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            monitorId: fc.constantFrom('a', 'b', 'c'),
            location: fc.constantFrom(...LOCATIONS),
            ms: fc.integer({ min: 0, max: 200 * MIN }),
          }),
          { maxLength: 150 },
        ),
        (rows) => {
          const findings = rows
            .map((r) => ({ ...at(r.ms, r.location), monitorId: r.monitorId }))
            .sort(compareTimeline);
          const scan = new TimelineScan([{ id: 'c', intervalMinutes: 5 }]);
          for (const f of findings) scan.add(f);
          const firstSeen = [...new Set(findings.map((f) => f.monitorId))].filter((id) => id !== 'c');
          expect(scan.inferredMonitors()).toEqual(
            firstSeen.map((id) => ({ id, intervalMinutes: medianInterval(findings, id) })),
          );
          expect(scan.count).toBe(findings.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { CellResult } from '../../bench/cell.ts';
import { curlPhases, digQueryTime } from '../../bench/fidelity.ts';
import { mergeShards, proberErrors } from '../../bench/load.ts';
import { barChart } from '../../bench/report.ts';
import { fmt, median, pairedAbsDiffs, quantile } from '../../bench/stats.ts';

describe('quantile', () => {
  it.each([
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[4, 1, 3, 2], 0, 1],
    [[4, 1, 3, 2], 1, 4],
    // R type 7: position (n-1)q = 0.99 * 9 = 8.91 between the 9th (9) and 10th (100) values.
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 0.99, 9 + 91 * 0.91],
  ])('quantile(%j, %d) = %d', (values, q, expected) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 9);
  });

  it('is NaN for no samples and does not reorder its input', () => {
    const values = [3, 1, 2];
    expect(quantile([], 0.5)).toBeNaN();
    expect(median(values)).toBe(2);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects q outside [0, 1]', () => {
    expect(() => quantile([1], 1.5)).toThrow(/within \[0, 1\], got 1.5/);
    expect(() => quantile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('pairedAbsDiffs', () => {
  it('takes |a − b| pair by pair', () => {
    expect(pairedAbsDiffs([1, 5, 2], [2, 3, 2])).toEqual([1, 2, 0]);
  });

  it('refuses samples that do not line up', () => {
    expect(() => pairedAbsDiffs([1, 2], [1])).toThrow(/2 samples against 1/);
  });
});

describe('fmt', () => {
  it('prints n/a for what was not measured', () => {
    expect(fmt(undefined)).toBe('n/a');
    expect(fmt(Number.NaN)).toBe('n/a');
    expect(fmt(1.236)).toBe('1.24');
    expect(fmt(1.2, 0)).toBe('1');
  });
});

describe('curlPhases', () => {
  it('converts curl’s cumulative seconds to netprobe phases in ms (https)', () => {
    const p = curlPhases('0.000020 0.000150 0.002150 0.102650 0.103000\n', true);
    expect(p.dns).toBeCloseTo(0.02, 9);
    expect(p.connect).toBeCloseTo(0.13, 9);
    expect(p.tls).toBeCloseTo(2.0, 9);
    expect(p.ttfb).toBeCloseTo(100.5, 9);
    expect(p.transfer).toBeCloseTo(0.35, 9);
    expect(p.total).toBeCloseTo(103, 9);
  });

  it('measures ttfb from time_connect without TLS (time_appconnect is 0 there)', () => {
    const p = curlPhases('0.000020 0.000150 0.000000 0.050150 0.050300', false);
    expect(p.ttfb).toBeCloseTo(50, 9);
    expect(p.tls).toBeNaN();
  });

  it('rejects output that is not five numbers', () => {
    expect(() => curlPhases('curl: (7) Failed to connect', false)).toThrow(/unexpected curl -w output/);
  });
});

describe('digQueryTime', () => {
  it('reads ";; Query time: N msec"', () => {
    expect(
      digQueryTime(';; ANSWER SECTION:\nwww.bench.test. 300 IN A 127.0.0.1\n\n;; Query time: 20 msec\n'),
    ).toBe(20);
  });

  it('is undefined when dig got no answer', () => {
    expect(digQueryTime(';; communications error to 127.0.0.1#53: timed out\n')).toBeUndefined();
  });
});

describe('proberErrors', () => {
  const path = (i: number) => `/load/${i}`;

  it('pairs each probe with the server record of the same path and round, skipping warm-up rounds', () => {
    // Two targets, three rounds (the first a warm-up); server records interleaved across paths.
    const ttfb = [
      [150, 103, 104],
      [160, 105, 101],
    ];
    const late = [
      { path: '/load/0', ms: 40 },
      { path: '/load/1', ms: 50 },
      { path: '/load/1', ms: 2 },
      { path: '/load/0', ms: 1 },
      { path: '/load/0', ms: 3 },
      { path: '/load/1', ms: 0.5 },
    ];
    expect(proberErrors(ttfb, late, path, 100, 1)).toEqual([2, 1, 3, 0.5]);
  });

  it('leaves out a target whose probe and server counts differ instead of mispairing it', () => {
    const ttfb = [[null, 101], [102]];
    const late = [
      { path: '/load/0', ms: 1 },
      { path: '/load/1', ms: 1 },
    ];
    expect(proberErrors(ttfb, late, path, 100, 0)).toEqual([1]);
  });
});

describe('barChart', () => {
  it('scales bars to the largest value and keeps a mark for zero', () => {
    const chart = barChart(
      [
        { label: 'a', value: 2 },
        { label: 'bb', value: 1 },
        { label: 'c', value: 0 },
      ],
      'ms',
      10,
    ).split('\n');
    expect(chart[0]).toBe(`a  ${'█'.repeat(10)} 2.00 ms`);
    expect(chart[1]).toBe(`bb ${'█'.repeat(5)} 1.00 ms`);
    expect(chart[2]).toBe('c  ▏ 0.00 ms');
  });
});

describe('mergeShards', () => {
  const shard = (errors: number[], connectP99: number, loopMax: number): CellResult => ({
    warmup: [],
    rounds: [{ probes: errors.length, wallMs: 200, cpuMs: 20 }],
    ttfbErrors: [errors],
    ttfbByTarget: [errors.map((e) => [100 + e])],
    phases: [{ connect: { p50: 0.2, p99: connectP99 } }],
    failures: errors.length > 1 ? { TCP_TIMEOUT: 1 } : {},
    failureSamples: [],
    maxRssMb: 80 + errors.length,
    processMs: 400,
    loopDelay: { p50: 1, p99: loopMax / 2, max: loopMax },
    openFilesLimit: 1024,
  });

  it('pools per-probe values in target order and bounds the quantiles it cannot pool by the largest shard', () => {
    const merged = mergeShards([shard([1, 2], 3, 8), shard([5], 7, 4)]);
    expect(merged.ttfbErrors).toEqual([[1, 2, 5]]);
    expect(merged.ttfbByTarget).toEqual([[[101], [102], [105]]]);
    expect(merged.rounds).toHaveLength(2);
    expect(merged.phases).toEqual([{ connect: { p50: 0.2, p99: 7 } }]);
    expect(merged.loopDelay).toEqual({ p50: 1, p99: 4, max: 8 });
    expect(merged.failures).toEqual({ TCP_TIMEOUT: 1 });
    expect(merged.maxRssMb).toBe(82);
  });
});

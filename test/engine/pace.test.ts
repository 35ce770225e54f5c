/**
 * The pacer (shared/engine/pace.ts): starts spread by each kind's CPU cost over PACE_UTILIZATION, so
 * probes in flight do not all reach the same phase at once. Timers never fire early, so the spacing is
 * a lower bound these tests can hold on any machine.
 */
import { describe, expect, it } from 'vitest';
import { createPacer, PACE_UTILIZATION, START_COST_MS, startCost } from '../../shared/engine/pace.ts';
import { dnsSpec, httpSpec, tcpSpec, tlsOptions } from '../fixtures/specs.ts';

describe('startCost', () => {
  it('prices each kind by what it does on the JS thread, a TLS handshake most', () => {
    expect(startCost(dnsSpec({ host: '127.0.0.1', port: 53 }))).toBe(START_COST_MS.dns);
    expect(startCost(tcpSpec(1))).toBe(START_COST_MS.tcp);
    expect(startCost(tcpSpec(1, { tls: tlsOptions() }))).toBe(START_COST_MS.tls);
    expect(startCost(httpSpec('http://127.0.0.1:1/'))).toBe(START_COST_MS.http);
    expect(startCost(httpSpec('https://127.0.0.1:1/'))).toBe(START_COST_MS.https);
  });
});

describe('createPacer', () => {
  it('lets the first probe start at once and spaces the next ones by cost ÷ utilization', async () => {
    const pace = createPacer();
    const spec = httpSpec('https://127.0.0.1:1/');
    const t0 = performance.now();
    await pace(spec);
    const first = performance.now() - t0;
    for (let i = 1; i < 20; i++) await pace(spec);
    const elapsed = performance.now() - t0;
    expect(first).toBeLessThan(1);
    // 19 gaps of 1.8 / 0.5 = 3.6 ms; the last wait may be skipped when under a millisecond.
    expect(elapsed).toBeGreaterThanOrEqual(19 * (START_COST_MS.https / PACE_UTILIZATION) - 1);
  });

  it('spaces starts in proportion to the share of a core the process gets, and refuses a share outside (0, 1]', async () => {
    const pace = createPacer(PACE_UTILIZATION, 0.25);
    const spec = dnsSpec({ host: '127.0.0.1', port: 53 });
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await pace(spec);
    // 9 gaps of 0.3 / (0.5 × 0.25) = 2.4 ms, where a whole core has 0.6 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(
      9 * (START_COST_MS.dns / (PACE_UTILIZATION * 0.25)) - 1,
    );
    expect(() => createPacer(PACE_UTILIZATION, 0)).toThrow('pacer: cpuShare must be in (0, 1], got 0');
    expect(() => createPacer(PACE_UTILIZATION, 1.5)).toThrow(RangeError);
    expect(() => createPacer(PACE_UTILIZATION, Number.NaN)).toThrow(RangeError);
  });

  it('does not delay probes that arrive slower than the pace', async () => {
    const pace = createPacer();
    const spec = dnsSpec({ host: '127.0.0.1', port: 53 });
    await pace(spec);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t0 = performance.now();
    await pace(spec);
    expect(performance.now() - t0).toBeLessThan(1);
  });
});

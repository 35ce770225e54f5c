import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_SCENARIO,
  estimateCost,
  formatMarkdown,
  MINUTES_PER_MONTH,
  metricsPerMonitorRegion,
  PRICES_US_EAST_1,
  total,
} from '../../scripts/cost-estimate.ts';

const line = (lines: ReturnType<typeof estimateCost>, item: string) => {
  const found = lines.find((l) => l.item === item);
  if (!found) throw new Error(`no line ${item}`);
  return found;
};

describe('cost estimate', () => {
  const lines = estimateCost(EXAMPLE_SCENARIO);

  it('shows on every line the arithmetic that gives its amount', () => {
    for (const { arithmetic, usd } of lines) expect(arithmetic.endsWith(`= $${usd.toFixed(2)}`)).toBe(true);
    expect(total(lines)).toBeCloseTo(
      lines.reduce((sum, l) => sum + l.usd, 0),
      10,
    );
  });

  it('counts the metrics a monitor publishes from shared/domain/metrics.ts', () => {
    expect(metricsPerMonitorRegion({ shape: 'https', cdn: true })).toEqual([
      'Up',
      'Latency',
      'PhaseLatency{dns}',
      'PhaseLatency{connect}',
      'PhaseLatency{tls}',
      'PhaseLatency{ttfb}',
      'PhaseLatency{transfer}',
      'CertDaysRemaining',
      'CdnCacheHit',
    ]);
    expect(metricsPerMonitorRegion({ shape: 'dns' })).toEqual(['Up', 'Latency', 'PhaseLatency{dns}']);
    // 5 regions × (20 × 8 + 10 × 9 + 10 × 3 + 10 × 4) = 1,600 metrics at $0.30
    expect(line(lines, 'custom metrics').usd).toBeCloseTo(1600 * 0.3, 10);
  });

  it('prices runs from the 730-hour month: one runner invocation per region per minute', () => {
    expect(MINUTES_PER_MONTH).toBe(43_800);
    expect(line(lines, 'probe-runner requests').usd).toBeCloseTo((5 * 43_800 * 0.2) / 1e6, 10);
    expect(line(lines, 'probe-runner compute').usd).toBeCloseTo(5 * 43_800 * 2 * 0.5 * 0.0000133334, 10);
    // 50 monitors × 5 regions × 43,800 runs × 6 WRU at $0.625 per million
    expect(line(lines, 'writes').usd).toBeCloseTo((50 * 5 * 43_800 * 6 * 0.625) / 1e6, 10);
  });

  it('bills each monitor alarm per region it reads: availability, latency thresholds, certificate for HTTPS', () => {
    // 5 regions × (30 HTTPS × 3 alarms + 20 DNS/TCP × 2 alarms) = 650 alarm metrics at $0.10
    expect(line(lines, 'monitor alarms').usd).toBeCloseTo(650 * 0.1, 10);
    const noTls = estimateCost({
      ...EXAMPLE_SCENARIO,
      monitors: [{ shape: 'dns', count: 4, latencyThresholds: 2 }],
    });
    expect(line(noTls, 'monitor alarms').usd).toBeCloseTo(5 * 4 * (1 + 2) * 0.1, 10);
    expect(line(noTls, 'monitor alarms').arithmetic).toMatch(/^\(4 × \(1 \+ 2\)\) alarms/);
  });

  it('applies the cheaper metric tier past 10,000 metrics', () => {
    const big = { ...EXAMPLE_SCENARIO, regions: 25 };
    // 25 regions × 320 = 8,000: still tier one; 50 regions × 320 = 16,000: 10,000 × 0.30 + 6,000 × 0.10
    expect(line(estimateCost(big), 'custom metrics').usd).toBeCloseTo(8000 * 0.3, 10);
    const bigger = { ...EXAMPLE_SCENARIO, regions: 50 };
    expect(line(estimateCost(bigger), 'custom metrics').usd).toBeCloseTo(10_000 * 0.3 + 6000 * 0.1, 10);
  });

  it('scales with the interval: every 5 minutes costs a fifth in runs and writes, the same in metrics', () => {
    const slower = estimateCost({ ...EXAMPLE_SCENARIO, intervalMinutes: 5 });
    expect(line(slower, 'probe-runner requests').usd).toBeCloseTo(
      line(lines, 'probe-runner requests').usd / 5,
      10,
    );
    expect(line(slower, 'writes').usd).toBeCloseTo(line(lines, 'writes').usd / 5, 10);
    expect(line(slower, 'custom metrics').usd).toBe(line(lines, 'custom metrics').usd);
  });

  it('prints a summary per component and the detailed lines', () => {
    const text = formatMarkdown(EXAMPLE_SCENARIO, lines);
    expect(text).toContain(`| **total** | **$${total(lines).toFixed(2)}** |`);
    for (const component of ['Lambda', 'CloudWatch', 'DynamoDB', 'SNS', 'API Gateway']) {
      expect(text).toMatch(new RegExp(`^\\| ${component} \\| \\$\\d+\\.\\d\\d \\|$`, 'm'));
    }
    expect(PRICES_US_EAST_1.metricPerMonth).toBe(0.3);
  });
});

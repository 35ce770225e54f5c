import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  comparePhaseLatency,
  EXAMPLE_SCENARIO,
  estimateCost,
  formatCloudWatchAtScale,
  formatMarkdown,
  formatPhaseLatencyComparison,
  MINUTES_PER_MONTH,
  metricsPerMonitorRegion,
  metricTiersUsd,
  PRICES_US_EAST_1,
  SCALE_SCENARIO,
  total,
  watchdogAlarmMetrics,
} from '../../scripts/cost-estimate.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import { resourcesOf, synthTestApp } from './helpers.ts';

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

  it('prices metrics by every tier: 10,000, 240,000, 750,000, then the rest', () => {
    expect(metricTiersUsd(320_000)).toBeCloseTo(10_000 * 0.3 + 240_000 * 0.1 + 70_000 * 0.05, 10);
    expect(metricTiersUsd(1_500_000)).toBeCloseTo(3000 + 24_000 + 750_000 * 0.05 + 500_000 * 0.02, 10);
  });

  it('bills the netprobe index and every monitors dashboard', () => {
    expect(line(lines, 'dashboards').usd).toBe(2 * 3);
    expect(line(estimateCost(SCALE_SCENARIO), 'dashboards').arithmetic).toBe(
      '(1 index + 225 monitors dashboards) × $3 = $678.00',
    );
  });

  it('shows the CloudWatch lines at 50 and 10,000 monitors side by side', () => {
    const table = formatCloudWatchAtScale([EXAMPLE_SCENARIO, SCALE_SCENARIO]).split('\n');
    expect(table[0]).toBe('| CloudWatch, per month | 50 monitors | 10,000 monitors |');
    // 200 × the example's 650 alarm metrics
    expect(table).toContain('| monitor alarms | $65.00 | $13000.00 |');
    expect(line(estimateCost(SCALE_SCENARIO), 'custom metrics').usd).toBeCloseTo(30_500, 10);
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

describe('cost estimate with metrics.phaseLatency', () => {
  it('counts only the chosen phases a monitor reaches', () => {
    expect(metricsPerMonitorRegion({ shape: 'https', cdn: true }, ['ttfb'])).toEqual([
      'Up',
      'Latency',
      'PhaseLatency{ttfb}',
      'CertDaysRemaining',
      'CdnCacheHit',
    ]);
    // a DNS run never reaches ttfb
    expect(metricsPerMonitorRegion({ shape: 'dns' }, ['ttfb'])).toEqual(['Up', 'Latency']);
    expect(metricsPerMonitorRegion({ shape: 'tcp' }, [])).toEqual(['Up', 'Latency']);
  });

  it("compares the example with every phase, ['ttfb'] and none: only the metric lines move", () => {
    const [all, ttfb, none] = comparePhaseLatency(EXAMPLE_SCENARIO);

    // 5 regions × (20 × 8 + 10 × 9 + 10 × 3 + 10 × 4), (20 × 4 + 10 × 5 + 10 × 2 + 10 × 2), (20 × 3 + 10 × 4 + 10 × 2 + 10 × 2)
    expect([all?.metrics, ttfb?.metrics, none?.metrics]).toEqual([1600, 850, 700]);
    expect(all?.metricsUsd).toBeCloseTo(480, 10);
    expect(ttfb?.metricsUsd).toBeCloseTo(255, 10);
    expect(none?.metricsUsd).toBeCloseTo(210, 10);
    expect(all?.totalUsd).toBeCloseTo(total(estimateCost(EXAMPLE_SCENARIO)), 10);
    expect([all?.phaseLatency, ttfb?.phaseLatency, none?.phaseLatency]).toEqual([
      "'all'",
      "['ttfb']",
      "'none'",
    ]);
    expect(none?.perMonitorRegion).toEqual([3, 4, 2, 2]);

    // Alarms, runs and writes do not depend on the choice; fewer datums cross regions.
    const lines = estimateCost({ ...EXAMPLE_SCENARIO, phaseLatency: [] });
    for (const item of ['monitor alarms', 'PutMetricData calls', 'writes', 'dashboards']) {
      expect(line(lines, item).usd).toBe(line(estimateCost(EXAMPLE_SCENARIO), item).usd);
    }
    expect(line(lines, 'custom metrics').arithmetic).toContain("700 metrics (phaseLatency 'none')");
    expect(line(lines, 'other regions → home').usd).toBeLessThan(
      line(estimateCost(EXAMPLE_SCENARIO), 'other regions → home').usd,
    );
  });

  it('prints the comparison as a table, one row per choice', () => {
    const text = formatPhaseLatencyComparison(EXAMPLE_SCENARIO, comparePhaseLatency(EXAMPLE_SCENARIO));

    expect(text.split('\n')).toEqual([
      '| `metrics.phaseLatency` | metrics per monitor and region (https / https+cdn / dns / tcp) | metrics | custom metrics | total |',
      '|---|---|---|---|---|',
      expect.stringMatching(/^\| `'all'` \| 8 \/ 9 \/ 3 \/ 4 \| 1,600 \| \$480\.00 \| \$\d+\.\d\d \|$/),
      expect.stringMatching(/^\| `\['ttfb'\]` \| 4 \/ 5 \/ 2 \/ 2 \| 850 \| \$255\.00 \|/),
      expect.stringMatching(/^\| `'none'` \| 3 \/ 4 \/ 2 \/ 2 \| 700 \| \$210\.00 \|/),
    ]);
  });

  const script = resolve(import.meta.dirname, '../../scripts/cost-estimate.ts');
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [script, ...args]);

  it('takes the choice on the command line: --phase-latency connect,ttfb', async () => {
    const { stdout } = await run('--phase-latency', 'ttfb,connect', '--json');
    const out = JSON.parse(stdout) as {
      scenario: { phaseLatency: string[] };
      lines: { item: string; usd: number }[];
    };

    expect(out.scenario.phaseLatency).toEqual(['connect', 'ttfb']);
    // 5 × (20 × 5 + 10 × 6 + 10 × 2 + 10 × 3) = 1,050 metrics
    expect(out.lines.find((l) => l.item === 'custom metrics')?.usd).toBeCloseTo(1050 * 0.3, 10);
  });

  it('refuses a bad --phase-latency with the config message and exit code 2', async () => {
    const failure = await run('--phase-latency', 'ttfb,ttbf').then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );

    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toBe(
      '--phase-latency[1]: expected one of dns, connect, tls, ttfb, transfer (got "ttbf")\n',
    );
  });

  it("counts netprobe's own alarm metrics as cdk synth makes them", () => {
    const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'eu-central-1', 'us-west-2'];
    const monitors = Object.values(MONITORS).map((monitor) => ({ ...monitor, regions }));
    const app = synthTestApp(testConfig({ regions, monitors }));
    try {
      // Billed per metric an alarm reads: one, or each metric a metric-math alarm combines.
      const alarmMetrics = (props: Record<string, unknown>) =>
        props.MetricName !== undefined
          ? 1
          : ((props.Metrics as { MetricStat?: unknown }[] | undefined) ?? []).filter((m) => m.MetricStat)
              .length;
      const watchdog = [app.home, ...app.probes.values()]
        .flatMap((template) => resourcesOf(template, 'AWS::CloudWatch::Alarm'))
        .filter(([, props]) => String(props.AlarmName).startsWith('netprobe-watchdog-'))
        .reduce((sum, [, props]) => sum + alarmMetrics(props), 0);
      // This config's runs-arriving alarms each watch its 2 fastest (1-minute) monitors.
      const fastest = Object.values(MONITORS).filter((m) => m.intervalMinutes === 1).length;

      expect(watchdog).toBe(watchdogAlarmMetrics(regions.length, fastest));
    } finally {
      app.dispose();
    }
  });
});

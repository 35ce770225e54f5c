/**
 * config `metrics.phaseLatency` reaches the home region's stacks: the dashboard graphs only the published
 * phases (none at all with []), and no alarm or widget reads a PhaseLatency series runs never send.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../shared/config/types.ts';
import type { LatencyPhase } from '../../shared/domain/metrics.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import { buildTestApp, joined, resourcesOf, synthTestApp, type TestApp } from './helpers.ts';

type Row = unknown[];
type Widget = { properties: { title?: string; metrics?: Row[] } };

/** The fixture monitors with their per-phase thresholds dropped (total kept): valid whatever is published. */
const TOTAL_ONLY: MonitorConfig[] = Object.values(MONITORS).map((monitor: MonitorConfig) => {
  const { total } = monitor.probe.thresholds;
  return { ...monitor, probe: { ...monitor.probe, thresholds: total === undefined ? {} : { total } } };
});

let app: TestApp | undefined;
afterEach(() => {
  app?.dispose();
  app = undefined;
});

function synth(phaseLatency: LatencyPhase[], monitors = TOTAL_ONLY): TestApp {
  app = synthTestApp(testConfig({ metrics: { phaseLatency }, monitors }));
  return app;
}

/** The widgets of every monitors dashboard (the monitors stacks'). */
function widgets(built: TestApp): Widget[] {
  return built.monitors
    .flatMap((t) => resourcesOf(t, 'AWS::CloudWatch::Dashboard'))
    .flatMap(
      ([, dashboard]) => (JSON.parse(joined(dashboard.DashboardBody)) as { widgets: Widget[] }).widgets,
    );
}

/** Alarms of the home region's stacks: the watchdog's and the monitors'. */
function alarms(built: TestApp): [string, Record<string, unknown>][] {
  return [built.home, ...built.monitors].flatMap((t) => resourcesOf(t, 'AWS::CloudWatch::Alarm'));
}

/** Phase per line of a monitor's phase widget, or undefined when the monitor has none. */
function phaseLines(built: TestApp, title: string): string[] | undefined {
  const widget = widgets(built).find((w) => w.properties.title === `${title}: phases, slowest region (ms)`);
  if (!widget) return undefined;
  return (widget.properties.metrics ?? []).flatMap((row) => {
    const first = row[0] as { label?: string; expression?: string };
    return typeof first === 'object' && first.expression ? [first.label ?? ''] : [];
  });
}

/** Every Netprobe metric name a dashboard widget or an alarm in the home region reads. */
function metricNamesRead(built: TestApp): string[] {
  type Stat = { MetricStat?: { Metric: { Namespace: string; MetricName: string } } };
  const fromDashboard = widgets(built).flatMap((w) =>
    (w.properties.metrics ?? []).flatMap((row) => (row[0] === 'Netprobe' ? [row[1] as string] : [])),
  );
  const fromAlarms = alarms(built).flatMap(([, alarm]) => [
    ...(alarm.Namespace === 'Netprobe' ? [alarm.MetricName as string] : []),
    ...((alarm.Metrics as Stat[] | undefined) ?? []).flatMap((m) =>
      m.MetricStat?.Metric.Namespace === 'Netprobe' ? [m.MetricStat.Metric.MetricName] : [],
    ),
  ]);
  return [...new Set([...fromDashboard, ...fromAlarms])].sort();
}

describe('metrics.phaseLatency in the home region', () => {
  it('graphs every phase each monitor reaches by default, the slowest region per phase', () => {
    const built = synth(['dns', 'connect', 'tls', 'ttfb', 'transfer']);

    expect(phaseLines(built, 'web (storefront)')).toEqual(['dns', 'connect', 'tls', 'ttfb', 'transfer']);
    expect(phaseLines(built, 'api-dns')).toEqual(['dns']);
    // TCP with TLS, nothing sent or expected: no ttfb, no transfer.
    expect(phaseLines(built, 'db-port')).toEqual(['dns', 'connect', 'tls']);
    // plain http: no certificate, no tls line (as the certificate alarm)
    expect(phaseLines(built, 'status')).toEqual(['dns', 'connect', 'ttfb', 'transfer']);
    const web = widgets(built).find(
      (w) => w.properties.title === 'web (storefront): phases, slowest region (ms)',
    );
    const rows = web?.properties.metrics ?? [];
    expect(rows[0]).toEqual([
      expect.objectContaining({ label: 'dns', expression: 'MAX([dns0, dns1, dns2])' }),
    ]);
    expect(rows.filter((row) => row[1] === 'PhaseLatency')).toHaveLength(5 * 3);
  });

  it("draws no phase widget and reads no PhaseLatency anywhere with [] ('none')", () => {
    const built = synth([]);

    const titles = widgets(built).map((w) => w.properties.title ?? '');
    expect(titles.filter((title) => title.includes('phases'))).toEqual([]);
    expect(metricNamesRead(built)).not.toContain('PhaseLatency');
    // The rest of the dashboard and the alarms stay.
    expect(titles).toContain('web (storefront): latency (ms)');
    expect(metricNamesRead(built)).toEqual([
      'CdnCacheHit',
      'CertDaysRemaining',
      // netprobe's own counts (EMF), which its watchdog alarms read
      'EscalatorTickFailures',
      'FindingsLost',
      'FindingsSpilled',
      'Latency',
      'MetricDatumsDropped',
      'Up',
    ]);
    expect(alarms(built).some(([, a]) => a.AlarmName === 'netprobe-web-latency-total')).toBe(true);
  });

  it("graphs only the chosen phases, and drops the widget of monitors that reach none of them (['ttfb'])", () => {
    const built = synth(['ttfb']);

    expect(phaseLines(built, 'web (storefront)')).toEqual(['ttfb']);
    expect(phaseLines(built, 'status')).toEqual(['ttfb']);
    expect(phaseLines(built, 'api-dns')).toBeUndefined();
    expect(phaseLines(built, 'db-port')).toBeUndefined();
    const phaseDimensions = widgets(built).flatMap((w) =>
      (w.properties.metrics ?? []).flatMap((row) =>
        row[1] === 'PhaseLatency' ? [row[row.indexOf('Phase') + 1]] : [],
      ),
    );
    expect(new Set(phaseDimensions)).toEqual(new Set(['ttfb']));
  });

  it('keeps a latency alarm on a published phase', () => {
    // web keeps thresholds.ttfb; the others have total only.
    const built = synth(['ttfb'], [MONITORS.web, ...TOTAL_ONLY.filter((m) => m.id !== MONITORS.web.id)]);

    const ttfb = alarms(built).find(([, a]) => a.AlarmName === 'netprobe-web-latency-ttfb');
    expect(ttfb).toBeDefined();
  });

  it('refuses at synth a latency alarm on a phase that is not published, naming the alarm', () => {
    // The fixture's db-port has thresholds.connect; the config loader refuses this, a hand-built config gets here.
    const config = testConfig({ metrics: { phaseLatency: ['ttfb'] } });
    expect(() => {
      const { dispose } = buildTestApp(config);
      dispose();
    }).toThrow(
      'alarm netprobe-db-port-latency-connect: reads PhaseLatency for connect, which metrics.phaseLatency does not publish',
    );
  });
});

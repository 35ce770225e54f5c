import { Duration, Stack } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { MonitorConfig } from '../../shared/config/types.ts';
import type { LatencyPhase } from '../../shared/domain/metrics.ts';
import { DASHBOARD_LIMITS } from '../limits.ts';
import { certificateTls, type NetprobeMetricFactory } from './metric-factory.ts';

const FULL_WIDTH = 24;
const HALF_WIDTH = 12;
const THIRD_WIDTH = 8;
const GRAPH_HEIGHT = 6;
/** Widgets a page keeps free for its own: the heading, CDN hits per region, certificate days. */
const SUMMARY_WIDGETS = 40;

/** One monitor's row of widgets, with what it costs a dashboard. */
export interface MonitorRow {
  readonly monitor: MonitorConfig;
  readonly widgets: readonly IWidget[];
  /** Metrics the row reads, plus those its monitor adds to the page's CDN and certificate widgets. */
  readonly metrics: number;
  /** Bytes of the row's widget JSON, about what it adds to the dashboard body. */
  readonly bytes: number;
}

/**
 * One monitor's row: latency and availability with one line per region, and the time of each
 * published phase in its slowest region (which phase got slow; only the phases config
 * `metrics.phaseLatency` publishes, no widget without any). Every metric is in `homeRegion`; naming
 * it keeps the dashboard body a plain string (no region reference to join in at deploy).
 */
export function monitorRow(
  monitor: MonitorConfig,
  metrics: NetprobeMetricFactory,
  homeRegion: string,
): MonitorRow {
  const title = monitor.description ? `${monitor.id} (${monitor.description})` : monitor.id;
  const phases = metrics.phasesOf(monitor);
  // Two widgets per row, or three when the monitor has a phase graph.
  const width = phases.length > 0 ? THIRD_WIDTH : HALF_WIDTH;
  const widgets: IWidget[] = [
    new GraphWidget({
      region: homeRegion,
      title: `${title}: latency (ms)`,
      left: monitor.regions.map((region) =>
        metrics.latencyMs({ monitor, region }).with({ label: region, statistic: Stats.AVERAGE }),
      ),
      leftYAxis: { min: 0, label: 'ms', showUnits: false },
      width,
      height: GRAPH_HEIGHT,
    }),
    new GraphWidget({
      region: homeRegion,
      title: `${title}: availability (%)`,
      left: monitor.regions.map((region, index) =>
        percent(`up${index}`, metrics.up({ monitor, region }), region, monitor.intervalMinutes),
      ),
      leftYAxis: { min: 0, max: 100, label: '%', showUnits: false },
      width,
      height: GRAPH_HEIGHT,
    }),
  ];
  if (phases.length > 0) {
    widgets.push(
      new GraphWidget({
        region: homeRegion,
        title: `${title}: phases, slowest region (ms)`,
        left: phases.map((phase) => slowestRegion(metrics, monitor, phase)),
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
        width,
        height: GRAPH_HEIGHT,
      }),
    );
  }
  const json = widgets.flatMap((widget) => widget.toJson());
  const summaries = (isCdnMonitor(monitor) ? 1 : 0) + (certificateTls(monitor) ? 1 : 0);
  return {
    monitor,
    widgets,
    metrics: json.reduce((sum, widget) => sum + metricsRead(widget), 0) + summaries * monitor.regions.length,
    bytes: JSON.stringify(json).length,
  };
}

/**
 * Rows split into dashboards that CloudWatch accepts: each within DASHBOARD_LIMITS (widgets, and
 * metrics across all widgets), keeping SUMMARY_WIDGETS free for the page's own widgets. In order.
 */
export function dashboardPages(rows: readonly MonitorRow[]): MonitorRow[][] {
  const pages: MonitorRow[][] = [];
  let page: MonitorRow[] = [];
  let metrics = 0;
  let widgets = 0;
  for (const row of rows) {
    if (row.metrics > DASHBOARD_LIMITS.metrics) {
      throw new Error(
        `dashboard: monitor ${row.monitor.id} alone reads ${row.metrics} metrics, over the ${DASHBOARD_LIMITS.metrics} a dashboard can show`,
      );
    }
    const full =
      metrics + row.metrics > DASHBOARD_LIMITS.metrics ||
      widgets + row.widgets.length > DASHBOARD_LIMITS.widgets - SUMMARY_WIDGETS;
    if (full && page.length > 0) {
      pages.push(page);
      page = [];
      metrics = 0;
      widgets = 0;
    }
    page.push(row);
    metrics += row.metrics;
    widgets += row.widgets.length;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

export interface MonitoringDashboardProps {
  readonly dashboardName: string;
  /** The monitors of this page with their rows (monitorRow), within DASHBOARD_LIMITS (dashboardPages). */
  readonly rows: readonly MonitorRow[];
  readonly metrics: NetprobeMetricFactory;
  /** Time range shown when the dashboard opens. @default 3 hours */
  readonly defaultRange?: Duration;
}

/**
 * The regional view of a page of monitors: their rows (monitorRow); per region, the CDN cache hit
 * ratio of the CDN-fronted ones; and the days left on every certificate they probe. A widget reads
 * at most DASHBOARD_LIMITS.metricsPerWidget metrics, so those two are split when they would read more.
 */
export class MonitoringDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    const { rows, metrics } = props;
    const region = Stack.of(this).region;
    const monitors = rows.map((row) => row.monitor);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      start: `-PT${(props.defaultRange ?? Duration.hours(3)).toMinutes()}M`,
    });
    const first = monitors[0]?.id ?? '';
    const last = monitors.at(-1)?.id ?? '';
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# netprobe: ${monitors.length} monitor(s), ${first}${last === first ? '' : ` … ${last}`}\n` +
          'Latency and availability per monitor, one line per probing region. ' +
          'Availability is the share of runs that got an answer (up or degraded).',
        width: FULL_WIDTH,
        height: 2,
      }),
    );
    for (const row of rows) this.dashboard.addWidgets(...row.widgets);

    const cdnMonitors = monitors.filter(isCdnMonitor);
    const cdnRegions = [...new Set(cdnMonitors.flatMap((monitor) => monitor.regions))];
    const cdnWidgets: IWidget[] = cdnRegions.flatMap((region) =>
      chunks(
        cdnMonitors.filter((monitor) => monitor.regions.includes(region)),
        () => 1,
      ).map(
        (group, part, all) =>
          new GraphWidget({
            region,
            title: `CDN cache hit (%) in ${region}${all.length > 1 ? ` (${part + 1}/${all.length})` : ''}`,
            left: group.map((monitor, index) =>
              percent(
                `hit${index}`,
                metrics.cdnCacheHit({ monitor, region }),
                monitor.id,
                monitor.intervalMinutes,
              ),
            ),
            leftYAxis: { min: 0, max: 100, label: '%', showUnits: false },
            width: THIRD_WIDTH,
            height: GRAPH_HEIGHT,
          }),
      ),
    );
    if (cdnWidgets.length > 0) this.dashboard.addWidgets(...cdnWidgets);

    const tlsMonitors = monitors.filter((monitor) => certificateTls(monitor) !== undefined);
    const certificateGroups = chunks(tlsMonitors, (monitor) => monitor.regions.length);
    certificateGroups.forEach((group, part) => {
      const suffix = certificateGroups.length > 1 ? ` (${part + 1}/${certificateGroups.length})` : '';
      this.dashboard.addWidgets(
        new SingleValueWidget({
          region,
          title: `Certificate days left (lowest over regions)${suffix}`,
          metrics: group.map((monitor, monitorIndex) => {
            const perRegion = Object.fromEntries(
              monitor.regions.map((region, index) => [
                `d${monitorIndex}_${index}`,
                metrics.certDaysRemaining({ monitor, region, statistic: Stats.MINIMUM }),
              ]),
            );
            return new MathExpression({
              expression: `MIN([${Object.keys(perRegion).join(', ')}])`,
              usingMetrics: perRegion,
              label: monitor.id,
              period: Duration.minutes(monitor.intervalMinutes),
            });
          }),
          width: FULL_WIDTH,
          height: 4,
        }),
      );
    });
  }
}

function isCdnMonitor(monitor: MonitorConfig): boolean {
  return monitor.cdn && monitor.probe.kind === 'http';
}

/** Metrics a widget's JSON reads: its rows that name a metric (hidden ones feeding metric math too). */
function metricsRead(widget: unknown): number {
  const rows = (widget as { properties?: { metrics?: unknown[][] } }).properties?.metrics ?? [];
  return rows.filter((row) => typeof row[0] === 'string').length;
}

/** Consecutive groups whose weights add up to at most one widget's metrics. */
function chunks<T>(items: readonly T[], weight: (item: T) => number): T[][] {
  const groups: T[][] = [];
  let total = 0;
  for (const item of items) {
    const last = groups.at(-1);
    if (last && total + weight(item) <= DASHBOARD_LIMITS.metricsPerWidget) {
      last.push(item);
      total += weight(item);
    } else {
      groups.push([item]);
      total = weight(item);
    }
  }
  return groups;
}

/**
 * One phase of a monitor as the highest of its regions' averages: the number the phase's latency
 * alarm compares with its threshold (monitor-alarms.ts), one line per phase however many regions.
 */
function slowestRegion(
  metrics: NetprobeMetricFactory,
  monitor: MonitorConfig,
  phase: LatencyPhase,
): MathExpression {
  const perRegion = Object.fromEntries(
    monitor.regions.map((region, index) => [
      `${phase}${index}`,
      metrics.phaseLatencyMs({ monitor, region, statistic: Stats.AVERAGE }, phase),
    ]),
  );
  return new MathExpression({
    expression: `MAX([${Object.keys(perRegion).join(', ')}])`,
    usingMetrics: perRegion,
    label: phase,
    period: Duration.minutes(monitor.intervalMinutes),
  });
}

/** A 0/1 metric as a percentage line. The id must be unique within its widget. */
function percent(id: string, metric: IMetric, label: string, intervalMinutes: number): MathExpression {
  return new MathExpression({
    expression: `100 * ${id}`,
    usingMetrics: { [id]: metric },
    label,
    period: Duration.minutes(intervalMinutes),
  });
}

import { Duration } from 'aws-cdk-lib';
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
import { DASHBOARD_NAME } from '../naming.ts';
import { certificateTls, type NetprobeMetricFactory } from './metric-factory.ts';

export interface MonitoringDashboardProps {
  readonly monitors: readonly MonitorConfig[];
  readonly metrics: NetprobeMetricFactory;
  /** @default DASHBOARD_NAME ("netprobe") */
  readonly dashboardName?: string;
  /** Time range shown when the dashboard opens. @default 3 hours */
  readonly defaultRange?: Duration;
}

const FULL_WIDTH = 24;
const HALF_WIDTH = 12;
const THIRD_WIDTH = 8;
const GRAPH_HEIGHT = 6;

/**
 * The regional view: per monitor, latency and availability with one line per region, and the time of
 * each published phase in its slowest region (which phase got slow; only the phases config
 * `metrics.phaseLatency` publishes, no widget without any); per region, the CDN cache hit ratio of
 * the CDN-fronted monitors; and the days left on every certificate probed.
 */
export class MonitoringDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    const { monitors, metrics } = props;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? DASHBOARD_NAME,
      start: `-PT${(props.defaultRange ?? Duration.hours(3)).toMinutes()}M`,
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# netprobe\nLatency and availability per monitor, one line per probing region. ' +
          'Availability is the share of runs that got an answer (up or degraded).',
        width: FULL_WIDTH,
        height: 2,
      }),
    );

    for (const monitor of monitors) {
      const title = monitor.description ? `${monitor.id} (${monitor.description})` : monitor.id;
      const phases = metrics.phasesOf(monitor);
      // Two widgets per row, or three when the monitor has a phase graph.
      const width = phases.length > 0 ? THIRD_WIDTH : HALF_WIDTH;
      const row: IWidget[] = [
        new GraphWidget({
          title: `${title}: latency (ms)`,
          left: monitor.regions.map((region) =>
            metrics.latencyMs({ monitor, region }).with({ label: region, statistic: Stats.AVERAGE }),
          ),
          leftYAxis: { min: 0, label: 'ms', showUnits: false },
          width,
          height: GRAPH_HEIGHT,
        }),
        new GraphWidget({
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
        row.push(
          new GraphWidget({
            title: `${title}: phases, slowest region (ms)`,
            left: phases.map((phase) => slowestRegion(metrics, monitor, phase)),
            leftYAxis: { min: 0, label: 'ms', showUnits: false },
            width,
            height: GRAPH_HEIGHT,
          }),
        );
      }
      this.dashboard.addWidgets(...row);
    }

    const cdnMonitors = monitors.filter((monitor) => monitor.cdn && monitor.probe.kind === 'http');
    const cdnRegions = [...new Set(cdnMonitors.flatMap((monitor) => monitor.regions))];
    const cdnWidgets: IWidget[] = cdnRegions.map(
      (region) =>
        new GraphWidget({
          title: `CDN cache hit (%) in ${region}`,
          left: cdnMonitors
            .filter((monitor) => monitor.regions.includes(region))
            .map((monitor, index) =>
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
    );
    if (cdnWidgets.length > 0) this.dashboard.addWidgets(...cdnWidgets);

    const tlsMonitors = monitors.filter((monitor) => certificateTls(monitor) !== undefined);
    if (tlsMonitors.length > 0) {
      this.dashboard.addWidgets(
        new SingleValueWidget({
          title: 'Certificate days left (lowest over regions)',
          metrics: tlsMonitors.map((monitor, monitorIndex) => {
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
    }
  }
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

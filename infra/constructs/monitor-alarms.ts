import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ConfirmationRule, MonitorConfig } from '../../shared/config/types.ts';
import type { Phase } from '../../shared/probes/types.ts';
import { monitorAlarmName } from '../naming.ts';
import type { AlarmActionStrategy } from './alarm-actions.ts';
import { certificateTls, type NetprobeMetricFactory } from './metric-factory.ts';

export interface MonitorAlarmsProps {
  readonly monitor: MonitorConfig;
  readonly metrics: NetprobeMetricFactory;
  /** The escalator's confirmation rule, so alarm and escalator agree on what counts as down. */
  readonly confirmation: ConfirmationRule;
  /** What the alarms do: normally notify the monitor's team topic. */
  readonly actions: AlarmActionStrategy;
  /**
   * What the certificate alarm does, when it goes elsewhere than the others (infra/teams.ts
   * certificateAlarmTeam). @default actions
   */
  readonly certificateActions?: AlarmActionStrategy;
  /** Consecutive intervals a latency threshold must be exceeded before its alarm fires. @default 3 */
  readonly latencyDatapoints?: number;
}

/** CloudWatch evaluates at most 10 metrics in one alarm's math expression. */
export const MAX_METRICS_PER_ALARM = 10;
/** Longest alarm window accepted here: an alarm that needs more than a day to decide is no alarm. */
const MAX_WINDOW_MINUTES = 24 * 60;
/**
 * The certificate alarm judges the lowest days-left of this window (or of one interval, if longer).
 * Days left move by one a day, so an hour costs nothing in warning time, and it keeps a target whose
 * servers serve different certificates from turning the alarm on and off every run.
 */
export const CERTIFICATE_WINDOW_MINUTES = 60;

/**
 * The CloudWatch alarms of one monitor, evaluated in the home region over every region it runs in:
 * - availability: fires when the monitor is down in at least `confirmation.minLocations` regions in
 *   one interval (every region, if it runs in fewer), or, for a monitor in fewer regions than that,
 *   for `confirmation.consecutiveRuns` intervals in a row;
 * - latency: one alarm per phase threshold of the probe (`probe.thresholds`, ms), firing when the
 *   slowest region's average is over it for `latencyDatapoints` intervals (a phase threshold needs
 *   that phase in metrics.phaseLatency; `total` reads Latency, always published);
 * - certificate, for monitors that report CertDaysRemaining (https, TCP with TLS): fires when a
 *   certificate with fewer than `tls.certWarnDays` days left was served in any region within the
 *   last CERTIFICATE_WINDOW_MINUTES. A warning ahead of time: the lapsed certificate itself is a
 *   down finding (TLS_CERT_EXPIRED) that the escalator pages for.
 * A region that sent nothing counts as up here: silence is the watchdog's business, not the target's.
 */
export class MonitorAlarms extends Construct {
  readonly availability: Alarm;
  readonly latency: Alarm[];
  /** Undefined for monitors that see no certificate. */
  readonly certificate: Alarm | undefined;

  constructor(scope: Construct, id: string, props: MonitorAlarmsProps) {
    super(scope, id);
    const { monitor, metrics, confirmation } = props;
    const regions = monitor.regions;
    const period = Duration.minutes(monitor.intervalMinutes);
    const perRegion = (metric: (region: string) => IMetric) =>
      Object.fromEntries(regions.map((region, index) => [`r${index}`, metric(region)]));

    const availabilityName = monitorAlarmName(monitor.id, 'availability');
    const failingNeeded = Math.min(confirmation.minLocations, regions.length);
    const runsNeeded = regions.length >= confirmation.minLocations ? 1 : confirmation.consecutiveRuns;
    checkAlarm(availabilityName, regions.length, runsNeeded, monitor.intervalMinutes);
    const up = perRegion((region) => metrics.up({ monitor, region, statistic: Stats.MINIMUM }));
    this.availability = new MathExpression({
      expression: `${regions.length} - (${Object.keys(up)
        .map((key) => `FILL(${key}, 1)`)
        .join(' + ')})`,
      usingMetrics: up,
      period,
      label: `${monitor.id}: regions down`,
    }).createAlarm(this, 'Availability', {
      alarmName: availabilityName,
      alarmDescription:
        `${monitor.id} is down in at least ${failingNeeded} of its ${regions.length} region(s) ` +
        `(${regions.join(', ')}) for ${runsNeeded} interval(s) of ${monitor.intervalMinutes} min.`,
      threshold: failingNeeded,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: runsNeeded,
      datapointsToAlarm: runsNeeded,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    props.actions.addActions(this.availability);

    const datapoints = props.latencyDatapoints ?? 3;
    this.latency = Object.entries(monitor.probe.thresholds).flatMap(([phase, thresholdMs]) => {
      if (thresholdMs === undefined) return [];
      const name = monitorAlarmName(monitor.id, `latency-${phase}`);
      checkAlarm(name, regions.length, datapoints, monitor.intervalMinutes);
      if (!(Number.isFinite(thresholdMs) && thresholdMs > 0)) {
        throw new Error(`alarm ${name}: threshold ${thresholdMs} ms must be a positive number`);
      }
      // The config refuses this combination (shared/config/schema.ts); a hand-built config meets it here.
      if (!metrics.publishes(phase as Phase)) {
        throw new Error(
          `alarm ${name}: reads PhaseLatency for ${phase}, which metrics.phaseLatency does not publish`,
        );
      }
      const latency = perRegion((region) => metrics.phaseLatencyMs({ monitor, region }, phase as Phase));
      const alarm = new MathExpression({
        expression: `MAX([${Object.keys(latency).join(', ')}])`,
        usingMetrics: latency,
        period,
        label: `${monitor.id}: slowest region ${phase} (ms)`,
      }).createAlarm(this, `Latency-${phase}`, {
        alarmName: name,
        alarmDescription:
          `${monitor.id}: ${phase} time over ${thresholdMs} ms (average of the slowest region) ` +
          `for ${datapoints} interval(s) of ${monitor.intervalMinutes} min.`,
        threshold: thresholdMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: datapoints,
        datapointsToAlarm: datapoints,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      props.actions.addActions(alarm);
      return [alarm];
    });

    const tls = certificateTls(monitor);
    if (tls === undefined) {
      this.certificate = undefined;
    } else {
      const name = monitorAlarmName(monitor.id, 'certificate');
      const windowMinutes = Math.max(CERTIFICATE_WINDOW_MINUTES, monitor.intervalMinutes);
      checkAlarm(name, regions.length, 1, windowMinutes);
      const daysLeft = perRegion((region) =>
        metrics.certDaysRemaining({
          monitor,
          region,
          statistic: Stats.MINIMUM,
          period: Duration.minutes(windowMinutes),
        }),
      );
      this.certificate = new MathExpression({
        expression: `MIN([${Object.keys(daysLeft).join(', ')}])`,
        usingMetrics: daysLeft,
        period: Duration.minutes(windowMinutes),
        label: `${monitor.id}: fewest certificate days left over regions`,
      }).createAlarm(this, 'Certificate', {
        alarmName: name,
        alarmDescription:
          `${monitor.id}: a certificate with fewer than ${tls.certWarnDays} days left (certWarnDays) ` +
          `was served in ${regions.join(', ')} within the last ${windowMinutes} min. ` +
          'Renew it; once it lapses the monitor is down (TLS_CERT_EXPIRED) and pages.',
        threshold: tls.certWarnDays,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // A window without a handshake (the target down, no run) raises no warning: down pages on its own.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      (props.certificateActions ?? props.actions).addActions(this.certificate);
    }
  }
}

/** Limits CloudWatch would otherwise reject at deploy time, reported at synth with the alarm's name. */
function checkAlarm(name: string, metricCount: number, periods: number, intervalMinutes: number): void {
  if (metricCount === 0) throw new Error(`alarm ${name}: the monitor runs in no region`);
  if (metricCount > MAX_METRICS_PER_ALARM) {
    throw new Error(
      `alarm ${name}: ${metricCount} regions, but one alarm can combine at most ${MAX_METRICS_PER_ALARM} metrics`,
    );
  }
  if (!Number.isInteger(periods) || periods < 1) {
    throw new Error(`alarm ${name}: needs a whole number of intervals ≥ 1, got ${periods}`);
  }
  if (periods * intervalMinutes > MAX_WINDOW_MINUTES) {
    throw new Error(
      `alarm ${name}: ${periods} intervals of ${intervalMinutes} min exceed the ${MAX_WINDOW_MINUTES} min alarm window`,
    );
  }
}

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
import type { ConfirmationRule, MonitorConfig, NetprobeConfig } from '../../shared/config/types.ts';
import { alarmNameOf } from '../../shared/naming.ts';
import { DEFAULT_DNSSEC_WARN_DAYS } from '../../shared/probes/spec.ts';
import type { Phase } from '../../shared/probes/types.ts';
import { type PagingWindow, pagingWindow, periodsFor } from '../alarm-policy.ts';
import { monitorAlarmName } from '../naming.ts';
import type { AlarmActionStrategy } from './alarm-actions.ts';
import { certificateTls, type MetricSelection, type NetprobeMetricFactory } from './metric-factory.ts';

export interface MonitorAlarmsProps {
  readonly monitor: MonitorConfig;
  readonly metrics: NetprobeMetricFactory;
  /** The escalator's confirmation rule, so alarm and escalator agree on what counts as down. */
  readonly confirmation: ConfirmationRule;
  /** What the availability and latency alarms do: notify `netprobe-alarms`, or the team when they page. */
  readonly actions: AlarmActionStrategy;
  /**
   * Set when the availability and latency alarms page a team (`alarmsPage: true`): the escalation
   * table their windows must cover and the classification that decides which rows apply
   * (infra/alarm-policy.ts). Their regions then count by the confirmation rule, latency too.
   */
  readonly paging?: Pick<NetprobeConfig, 'escalation' | 'classification'>;
  /**
   * What the certificate alarm does, when it goes elsewhere than the others (infra/teams.ts
   * certificateAlarmTeam). It keeps its own rule whatever `paging` says. @default actions
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
 * - with `paging` (the monitor's `alarmsPage: true`), both wait at least the table time of the issue
 *   types they can signal (infra/alarm-policy.ts), and latency counts the regions over the threshold
 *   against the confirmation rule instead of taking the slowest one;
 * - certificate, for monitors that report CertDaysRemaining (https, TCP with TLS): fires when a
 *   certificate with fewer than `tls.certWarnDays` days left was served in any region within the
 *   last CERTIFICATE_WINDOW_MINUTES. A warning ahead of time: the lapsed certificate itself is a
 *   down finding (TLS_CERT_EXPIRED) that the escalator pages for;
 * - dnssec, for DNS monitors with `dnssec: true`: the same countdown on DnssecDaysRemaining against
 *   `dnssecWarnDays`, to the monitor's alarm topic (`actions`).
 * A region that sent nothing counts as up here: silence is the watchdog's business, not the target's.
 */
export class MonitorAlarms extends Construct {
  /** How many alarms a monitor gets: availability, one per threshold, the certificate and DNSSEC alarms. */
  static countFor(monitor: MonitorConfig): number {
    const thresholds = Object.values(monitor.probe.thresholds).filter((ms) => ms !== undefined).length;
    return (
      1 +
      thresholds +
      (certificateTls(monitor) === undefined ? 0 : 1) +
      (dnssecWarnDays(monitor) === undefined ? 0 : 1)
    );
  }

  readonly availability: Alarm;
  readonly latency: Alarm[];
  /** Undefined for monitors that see no certificate. */
  readonly certificate: Alarm | undefined;
  /** Undefined for monitors without dnssec: true. */
  readonly dnssec: Alarm | undefined;

  constructor(scope: Construct, id: string, props: MonitorAlarmsProps) {
    super(scope, id);
    const { monitor, metrics, confirmation } = props;
    const regions = monitor.regions;
    const period = Duration.minutes(monitor.intervalMinutes);
    const perRegion = (metric: (region: string) => IMetric) =>
      Object.fromEntries(regions.map((region, index) => [`r${index}`, metric(region)]));

    const availability = { kind: 'availability' } as const;
    const availabilityName = alarmNameOf(monitor, availability);
    const failingNeeded = Math.min(confirmation.minLocations, regions.length);
    const confirmingRuns = regions.length >= confirmation.minLocations ? 1 : confirmation.consecutiveRuns;
    const availabilityWindow = props.paging && pagingWindow(monitor, availability, props.paging);
    const runsNeeded = availabilityWindow
      ? periodsFor(availabilityWindow.minutes, monitor.intervalMinutes, confirmingRuns)
      : confirmingRuns;
    checkAlarm(availabilityName, regions.length, runsNeeded, monitor.intervalMinutes, availabilityWindow);
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

    const latencyDatapoints = props.latencyDatapoints ?? 3;
    this.latency = Object.entries(monitor.probe.thresholds).flatMap(([phase, thresholdMs]) => {
      if (thresholdMs === undefined) return [];
      const kind = { kind: 'latency', phase: phase as Phase } as const;
      const name = alarmNameOf(monitor, kind);
      const window = props.paging && pagingWindow(monitor, kind, props.paging);
      const datapoints = window
        ? periodsFor(window.minutes, monitor.intervalMinutes, Math.max(latencyDatapoints, confirmingRuns))
        : latencyDatapoints;
      checkAlarm(name, regions.length, datapoints, monitor.intervalMinutes, window);
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
      const keys = Object.keys(latency);
      // Paging: regions over the threshold, counted like failing regions; otherwise the slowest region.
      const alarm = new MathExpression({
        expression: window
          ? keys.map((key) => `IF(FILL(${key}, 0) > ${thresholdMs}, 1, 0)`).join(' + ')
          : `MAX([${keys.join(', ')}])`,
        usingMetrics: latency,
        period,
        label: window
          ? `${monitor.id}: regions over ${phase} ${thresholdMs} ms`
          : `${monitor.id}: slowest region ${phase} (ms)`,
      }).createAlarm(this, `Latency-${phase}`, {
        alarmName: name,
        alarmDescription: window
          ? `${monitor.id}: ${phase} time over ${thresholdMs} ms in at least ${failingNeeded} of its ` +
            `${regions.length} region(s) for ${datapoints} interval(s) of ${monitor.intervalMinutes} min.`
          : `${monitor.id}: ${phase} time over ${thresholdMs} ms (average of the slowest region) ` +
            `for ${datapoints} interval(s) of ${monitor.intervalMinutes} min.`,
        threshold: window ? failingNeeded : thresholdMs,
        comparisonOperator: window
          ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
          : ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: datapoints,
        datapointsToAlarm: datapoints,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      props.actions.addActions(alarm);
      return [alarm];
    });

    /** A countdown alarm: fires when the fewest days left over the regions in the window is under `warnDays`. */
    const daysLeftAlarm = (spec: {
      id: string;
      what: string;
      metric: (selection: MetricSelection) => IMetric;
      warnDays: number;
      description: (windowMinutes: number) => string;
    }): Alarm => {
      const name = monitorAlarmName(monitor.id, spec.what);
      const windowMinutes = Math.max(CERTIFICATE_WINDOW_MINUTES, monitor.intervalMinutes);
      checkAlarm(name, regions.length, 1, windowMinutes);
      const daysLeft = perRegion((region) =>
        spec.metric({ monitor, region, statistic: Stats.MINIMUM, period: Duration.minutes(windowMinutes) }),
      );
      return new MathExpression({
        expression: `MIN([${Object.keys(daysLeft).join(', ')}])`,
        usingMetrics: daysLeft,
        period: Duration.minutes(windowMinutes),
        label: `${monitor.id}: fewest ${spec.what} days left over regions`,
      }).createAlarm(this, spec.id, {
        alarmName: name,
        alarmDescription: spec.description(windowMinutes),
        threshold: spec.warnDays,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // A window without a reading (the target down, no run) raises no warning: down pages on its own.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    };

    const tls = certificateTls(monitor);
    if (tls === undefined) {
      this.certificate = undefined;
    } else {
      this.certificate = daysLeftAlarm({
        id: 'Certificate',
        what: 'certificate',
        metric: (selection) => metrics.certDaysRemaining(selection),
        warnDays: tls.certWarnDays,
        description: (windowMinutes) =>
          `${monitor.id}: a certificate with fewer than ${tls.certWarnDays} days left (certWarnDays) ` +
          `was served in ${regions.join(', ')} within the last ${windowMinutes} min. ` +
          'Renew it; once it lapses the monitor is down (TLS_CERT_EXPIRED) and pages.',
      });
      (props.certificateActions ?? props.actions).addActions(this.certificate);
    }

    const dnssec = dnssecWarnDays(monitor);
    if (dnssec === undefined) {
      this.dnssec = undefined;
    } else {
      this.dnssec = daysLeftAlarm({
        id: 'Dnssec',
        what: 'dnssec',
        metric: (selection) => metrics.dnssecDaysRemaining(selection),
        warnDays: dnssec,
        description: (windowMinutes) =>
          `${monitor.id}: a DNSSEC signature with fewer than ${dnssec} days left (dnssecWarnDays) ` +
          `was served in ${regions.join(', ')} within the last ${windowMinutes} min. ` +
          'Check that the zone is re-signed; once a signature lapses the monitor is down (DNS_DNSSEC_INVALID) and pages.',
      });
      // To the monitor's alarm topic, as its other alarms.
      props.actions.addActions(this.dnssec);
    }
  }
}

/** The warning days of a monitor whose runs report DnssecDaysRemaining (DNS with dnssec: true). */
function dnssecWarnDays(monitor: MonitorConfig): number | undefined {
  const probe = monitor.probe;
  return probe.kind === 'dns' && probe.dnssec
    ? (probe.dnssecWarnDays ?? DEFAULT_DNSSEC_WARN_DAYS)
    : undefined;
}

/**
 * Limits CloudWatch would otherwise reject at deploy time, reported at synth with the alarm's name;
 * for an alarm that pages a team, the window the paging policy asks for must fit in them.
 */
function checkAlarm(
  name: string,
  metricCount: number,
  periods: number,
  intervalMinutes: number,
  paging?: PagingWindow,
): void {
  if (metricCount === 0) throw new Error(`alarm ${name}: the monitor runs in no region`);
  if (metricCount > MAX_METRICS_PER_ALARM) {
    throw new Error(
      `alarm ${name}: ${metricCount} regions, but one alarm can combine at most ${MAX_METRICS_PER_ALARM} metrics`,
    );
  }
  if (!Number.isInteger(periods) || periods < 1) {
    throw new Error(`alarm ${name}: needs a whole number of intervals ≥ 1, got ${periods}`);
  }
  if (paging && periods * intervalMinutes > MAX_WINDOW_MINUTES) {
    throw new Error(
      `alarm ${name}: alarmsPage needs a window of at least ${paging.minutes} min (the ${paging.issueType} ` +
        `table time), longer than the ${MAX_WINDOW_MINUTES} min an alarm can evaluate; leave alarmsPage off`,
    );
  }
  if (periods * intervalMinutes > MAX_WINDOW_MINUTES) {
    throw new Error(
      `alarm ${name}: ${periods} intervals of ${intervalMinutes} min exceed the ${MAX_WINDOW_MINUTES} min alarm window`,
    );
  }
}

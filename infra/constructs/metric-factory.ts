import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { MonitorConfig } from '../../shared/config/types.ts';
import {
  DIMENSIONS,
  LATENCY_PHASES,
  type LatencyPhase,
  METRICS,
  type MetricKey,
} from '../../shared/domain/metrics.ts';
import type { TlsOptions } from '../../shared/probes/spec.ts';
import type { Phase } from '../../shared/probes/types.ts';

export interface MetricSelection {
  readonly monitor: MonitorConfig;
  /** The probing region (the `Region` dimension); every metric lives in the home region. */
  readonly region: string;
  /** @default Stats.AVERAGE */
  readonly statistic?: string;
  /** @default the monitor's interval */
  readonly period?: Duration;
}

export interface NetprobeMetricFactoryOptions {
  /**
   * Phases the runs publish as PhaseLatency (config `metrics.phaseLatency`).
   * @default LATENCY_PHASES (every phase)
   */
  readonly phaseLatency?: readonly LatencyPhase[];
}

/**
 * Builds the CloudWatch metrics of shared/domain/metrics.ts for one monitor in one probing region.
 * It only builds metrics; alarms and widgets are wired by the constructs that use it. It refuses a
 * PhaseLatency series the runs do not publish: an alarm or graph on it would stay empty forever.
 */
export class NetprobeMetricFactory {
  readonly namespace: string;
  /** Phases published as PhaseLatency, in timing order. */
  readonly phaseLatency: readonly LatencyPhase[];

  constructor(namespace: string, options: NetprobeMetricFactoryOptions = {}) {
    this.namespace = namespace;
    this.phaseLatency = options.phaseLatency ?? LATENCY_PHASES;
  }

  /** Whether runs publish this phase: `total` always (the Latency metric), others per the config. */
  publishes(phase: Phase): boolean {
    return phase === 'total' || this.phaseLatency.includes(phase);
  }

  /** The PhaseLatency phases this monitor's runs publish: those its probe reaches, among the enabled ones. */
  phasesOf(monitor: MonitorConfig): LatencyPhase[] {
    const reached = reachedPhases(monitor);
    return this.phaseLatency.filter((phase) => reached.includes(phase));
  }

  up(selection: MetricSelection): Metric {
    return this.metric('up', selection);
  }

  latencyMs(selection: MetricSelection): Metric {
    return this.metric('latency', selection);
  }

  /** `total` is the Latency metric; every other phase is PhaseLatency with a Phase dimension. */
  phaseLatencyMs(selection: MetricSelection, phase: Phase): Metric {
    if (phase === 'total') return this.latencyMs(selection);
    if (!this.publishes(phase)) {
      throw new Error(
        `metric ${METRICS.phaseLatency.name} ${phase} of ${selection.monitor.id}: not published ` +
          `(metrics.phaseLatency: ${this.phaseLatency.join(', ') || 'none'})`,
      );
    }
    return this.metric('phaseLatency', selection, phase);
  }

  certDaysRemaining(selection: MetricSelection): Metric {
    return this.metric('certDaysRemaining', selection);
  }

  dnssecDaysRemaining(selection: MetricSelection): Metric {
    return this.metric('dnssecDaysRemaining', selection);
  }

  cdnCacheHit(selection: MetricSelection): Metric {
    return this.metric('cdnCacheHit', selection);
  }

  private metric(key: MetricKey, selection: MetricSelection, phase?: Phase): Metric {
    const definition = METRICS[key];
    const values: Record<string, string | undefined> = {
      [DIMENSIONS.monitor]: selection.monitor.id,
      [DIMENSIONS.region]: selection.region,
      [DIMENSIONS.probe]: selection.monitor.probe.kind,
      [DIMENSIONS.phase]: phase,
    };
    // The dimension set comes from METRICS, so alarms select exactly what the publisher sends.
    const dimensionsMap = Object.fromEntries(
      definition.dimensions.map((name) => {
        const value = values[name];
        if (value === undefined) throw new Error(`metric ${definition.name}: no value for dimension ${name}`);
        return [name, value];
      }),
    );
    return new Metric({
      namespace: this.namespace,
      metricName: definition.name,
      dimensionsMap,
      statistic: selection.statistic ?? Stats.AVERAGE,
      period: selection.period ?? Duration.minutes(selection.monitor.intervalMinutes),
    });
  }
}

/**
 * The TLS options of a monitor whose runs report CertDaysRemaining: https URLs and TCP probes with
 * TLS. Undefined for every other monitor (DNS, plain http, plain TCP).
 */
export function certificateTls(monitor: MonitorConfig): TlsOptions | undefined {
  const probe = monitor.probe;
  if (probe.kind === 'http') return probe.url.startsWith('https:') ? probe.tls : undefined;
  return probe.kind === 'tcp' ? probe.tls : undefined;
}

/**
 * The phases a run of this monitor reports when it succeeds (docs/metrics.md, per target): DNS only
 * dns; TCP dns and connect, tls with TLS, ttfb and transfer with send or expect; HTTP all but tls,
 * and tls where the monitor sees a certificate (https URLs, as for the certificate alarm).
 */
function reachedPhases(monitor: MonitorConfig): LatencyPhase[] {
  const probe = monitor.probe;
  if (probe.kind === 'dns') return ['dns'];
  const tls = certificateTls(monitor) !== undefined;
  const exchange = probe.kind === 'http' || probe.send !== undefined || probe.expect !== undefined;
  return LATENCY_PHASES.filter(
    (phase) =>
      phase === 'dns' ||
      phase === 'connect' ||
      (phase === 'tls' && tls) ||
      ((phase === 'ttfb' || phase === 'transfer') && exchange),
  );
}

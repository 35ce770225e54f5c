import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { MonitorConfig } from '../../shared/config/types.ts';
import { DIMENSIONS, METRICS, type MetricKey } from '../../shared/domain/metrics.ts';
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

/**
 * Builds the CloudWatch metrics of shared/domain/metrics.ts for one monitor in one probing region.
 * It only builds metrics; alarms and widgets are wired by the constructs that use it.
 */
export class NetprobeMetricFactory {
  readonly namespace: string;

  constructor(namespace: string) {
    this.namespace = namespace;
  }

  up(selection: MetricSelection): Metric {
    return this.metric('up', selection);
  }

  latencyMs(selection: MetricSelection): Metric {
    return this.metric('latency', selection);
  }

  /** `total` is the Latency metric; every other phase is PhaseLatency with a Phase dimension. */
  phaseLatencyMs(selection: MetricSelection, phase: Phase): Metric {
    return phase === 'total' ? this.latencyMs(selection) : this.metric('phaseLatency', selection, phase);
  }

  certDaysRemaining(selection: MetricSelection): Metric {
    return this.metric('certDaysRemaining', selection);
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

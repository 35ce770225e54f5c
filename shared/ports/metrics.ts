import type { MetricUnit } from '../domain/metrics.ts';

/**
 * One CloudWatch-style measurement: a metric of shared/domain/metrics.ts METRICS, with exactly the
 * dimensions that metric declares. Built from findings by shared/domain/metric-data.ts.
 */
export interface MetricDatum {
  /** METRICS[…].name, e.g. "Up". */
  name: string;
  unit: MetricUnit;
  /** Dimension name → value, exactly the metric's declared set. */
  dimensions: Readonly<Record<string, string>>;
  value: number;
  /** When it was measured: the finding's startedAt. */
  timestamp: Date;
}

/**
 * Where datums go: CloudWatch in the Lambdas (shared/adapters/cloudwatch-metrics.ts), a stream in the
 * CLI's offline demo (local-metrics.ts). Called once per run with everything the run measured.
 */
export interface MetricsPublisher {
  /** Throws when some datums were not accepted (after the adapter's own retries); callers log it. */
  publish(datums: readonly MetricDatum[]): Promise<void>;
}

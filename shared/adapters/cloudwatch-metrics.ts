/**
 * MetricsPublisher on CloudWatch: a run's datums go out in as few PutMetricData requests as the API
 * allows (normally one), each retried on throttling and 5xx by the client's retry strategy
 * (retry.ts: the SDK's standard one, bounded by the time left). Datums of the same series and
 * timestamp are folded into one entry with Values/Counts, which CloudWatch bills and stores the same
 * way as separate values.
 */
import {
  type CloudWatchClient,
  type MetricDatum as CwDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { NetprobeError } from '../errors.ts';
import type { MetricDatum, MetricsPublisher } from '../ports/metrics.ts';
import { describeError } from './retry.ts';

/** PutMetricData limits: entries per request, and request size (1 MB; kept under it with room for the envelope). */
export const MAX_DATUMS_PER_REQUEST = 1000;
export const MAX_REQUEST_BYTES = 1_000_000;
const REQUEST_ENVELOPE_BYTES = 1_024;
/** Values (and Counts) per entry. */
export const MAX_VALUES_PER_DATUM = 150;

export interface CloudWatchPublisherOptions {
  /** Retries are its own (functions/shared/aws/client-options.ts: TimeBoundRetryStrategy). */
  client: CloudWatchClient;
  /** config.namespace / METRICS_NAMESPACE. */
  namespace: string;
}

/** Some requests were refused after their retries; the rest of the run's datums went out. */
export class MetricsPublishError extends NetprobeError {
  override name = 'MetricsPublishError';
  readonly failedDatums: number;
  readonly totalDatums: number;
  constructor(failedDatums: number, totalDatums: number, cause: unknown) {
    super(
      'metrics_publish_failed',
      `${failedDatums} of ${totalDatums} metric datums not published: ${describeError(cause)}`,
      { cause },
    );
    this.failedDatums = failedDatums;
    this.totalDatums = totalDatums;
  }
}

export class CloudWatchMetricsPublisher implements MetricsPublisher {
  readonly #client: CloudWatchClient;
  readonly #namespace: string;

  constructor(options: CloudWatchPublisherOptions) {
    this.#client = options.client;
    this.#namespace = options.namespace;
  }

  async publish(datums: readonly MetricDatum[]): Promise<void> {
    const batches = batchMetricData(toMetricData(datums), this.#namespace);
    let failed = 0;
    let lastError: unknown;
    // Sequential: a run has one batch, and a throttled account gains nothing from parallel requests.
    for (const batch of batches) {
      try {
        await this.#client.send(new PutMetricDataCommand({ Namespace: this.#namespace, MetricData: batch }));
      } catch (error) {
        failed += batch.reduce((n, entry) => n + (entry.Counts?.reduce((a, b) => a + b, 0) ?? 1), 0);
        lastError = error;
      }
    }
    if (failed > 0) throw new MetricsPublishError(failed, datums.length, lastError);
  }
}

function seriesKey(d: MetricDatum): string {
  const dims = Object.entries(d.dimensions).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([d.name, d.unit, d.timestamp.getTime(), dims]);
}

/**
 * CloudWatch entries for `datums`: dimensions sorted by name (stable requests), one entry per series
 * and timestamp, with Value when it holds one value and Values/Counts (≤ 150 distinct values) when more.
 */
export function toMetricData(datums: readonly MetricDatum[]): CwDatum[] {
  const series = new Map<string, { first: MetricDatum; counts: Map<number, number> }>();
  for (const d of datums) {
    const key = seriesKey(d);
    const entry = series.get(key) ?? { first: d, counts: new Map<number, number>() };
    entry.counts.set(d.value, (entry.counts.get(d.value) ?? 0) + 1);
    series.set(key, entry);
  }
  const out: CwDatum[] = [];
  for (const { first, counts } of series.values()) {
    const base: CwDatum = {
      MetricName: first.name,
      Dimensions: Object.entries(first.dimensions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([Name, Value]) => ({ Name, Value })),
      Timestamp: first.timestamp,
      Unit: first.unit,
    };
    const values = [...counts];
    if (values.length === 1 && values[0]?.[1] === 1) {
      out.push({ ...base, Value: values[0][0] });
      continue;
    }
    for (let i = 0; i < values.length; i += MAX_VALUES_PER_DATUM) {
      const chunk = values.slice(i, i + MAX_VALUES_PER_DATUM);
      out.push({ ...base, Values: chunk.map(([v]) => v), Counts: chunk.map(([, n]) => n) });
    }
  }
  return out;
}

/** Splits entries into requests within MAX_DATUMS_PER_REQUEST and MAX_REQUEST_BYTES (JSON size, as sent). */
export function batchMetricData(entries: readonly CwDatum[], namespace: string): CwDatum[][] {
  const budget = MAX_REQUEST_BYTES - REQUEST_ENVELOPE_BYTES - Buffer.byteLength(namespace);
  const batches: CwDatum[][] = [];
  let current: CwDatum[] = [];
  let bytes = 0;
  for (const entry of entries) {
    // +1 for the comma between entries.
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (current.length > 0 && (current.length >= MAX_DATUMS_PER_REQUEST || bytes + size > budget)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * MetricsPublisher for the CLI's offline demo: the datums a Lambda would send to CloudWatch, printed
 * one per line in a Prometheus-like form, so `npm start` shows exactly what would be published.
 */
import type { MetricDatum, MetricsPublisher } from '../ports/metrics.ts';

/** Anything with write(): process.stdout, a file stream, a test buffer. */
export interface TextSink {
  write(text: string): unknown;
}

/** `Netprobe/Up{Monitor="www",Probe="http",Region="local:host"} 1 None 2026-01-01T12:00:00.000Z` */
export function formatDatum(namespace: string, d: MetricDatum): string {
  const dims = Object.entries(d.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(',');
  return `${namespace}/${d.name}{${dims}} ${d.value} ${d.unit} ${d.timestamp.toISOString()}`;
}

export class LocalMetricsPublisher implements MetricsPublisher {
  readonly #sink: TextSink;
  readonly #namespace: string;

  constructor(sink: TextSink, options: { namespace: string }) {
    this.#sink = sink;
    this.#namespace = options.namespace;
  }

  async publish(datums: readonly MetricDatum[]): Promise<void> {
    if (datums.length === 0) return;
    this.#sink.write(`${datums.map((d) => `metric ${formatDatum(this.#namespace, d)}`).join('\n')}\n`);
  }
}

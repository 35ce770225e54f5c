/**
 * Metrics as a cross-cutting concern (Powertools' logMetrics, for netprobe's port): the handler adds
 * datums to the invocation's collector; the middleware publishes them once, after the handler, on
 * success and on error alike, so a run whose findings could not be stored still reports its metrics.
 * A publish failure never fails the invocation (findings matter more than datums): the client retried
 * within the time left, and what was still dropped is counted in MetricDatumsDropped (EMF, a log line
 * CloudWatch turns into a metric without the API that just failed), which an alarm watches.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { MetricsPublishError } from '../../shared/adapters/cloudwatch-metrics.ts';
import type { MetricDatum, MetricsPublisher } from '../../shared/ports/metrics.ts';
import { emitCount, OPERATIONAL_METRICS } from './emf.ts';
import type { Logger } from './logger.ts';

export class MetricsCollector {
  readonly #datums: MetricDatum[] = [];

  add(datums: readonly MetricDatum[]): void {
    this.#datums.push(...datums);
  }

  get size(): number {
    return this.#datums.length;
  }

  /** Everything collected so far, emptying the collector. */
  take(): MetricDatum[] {
    return this.#datums.splice(0);
  }
}

const COLLECTOR = Symbol('netprobe.metrics');
type WithCollector = Context & { [COLLECTOR]?: MetricsCollector };

/** The invocation's collector; only valid under flushMetrics. */
export function metricsOf(context: Context): MetricsCollector {
  const collector = (context as WithCollector)[COLLECTOR];
  if (!collector) throw new Error('metricsOf: the handler is not wrapped in the flushMetrics middleware');
  return collector;
}

export interface FlushTarget {
  publisher: MetricsPublisher;
  /** Where MetricDatumsDropped goes: the config's namespace, and the function's short name. */
  namespace: string;
  functionName: string;
}

/**
 * @param target resolved when the invocation flushes (the handler's dependencies are built lazily).
 */
export function flushMetrics(target: () => FlushTarget, logger: Logger): MiddlewareObj {
  const flush = async (request: { context: Context }) => {
    const datums = metricsOf(request.context).take();
    if (datums.length === 0) return;
    const { publisher, namespace, functionName } = target();
    try {
      await publisher.publish(datums);
      logger.info('metrics published', { datums: datums.length });
    } catch (error) {
      const dropped = error instanceof MetricsPublishError ? error.failedDatums : datums.length;
      emitCount(
        logger,
        { namespace, functionName },
        OPERATIONAL_METRICS.metricDatumsDropped,
        dropped,
        'metrics not published',
        { datums: datums.length, error },
      );
    }
  };
  return {
    name: 'flushMetrics',
    before: (request) => {
      (request.context as WithCollector)[COLLECTOR] = new MetricsCollector();
    },
    after: flush,
    onError: flush,
  };
}

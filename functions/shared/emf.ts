/**
 * What the functions report about themselves (findings spilled, datums dropped, tick failures) as
 * CloudWatch embedded metric format: a log line that CloudWatch Logs turns into a metric, with no API
 * call. It still counts when PutMetricData is the thing being throttled, and the alarms on it
 * (infra/constructs/reliability-alarms.ts) read it in the function's own region.
 */
import type { Logger } from './logger.ts';

export const OPERATIONAL_METRICS = {
  /** Findings the store did not take in time, sent to the spill queue to be written later. */
  findingsSpilled: 'FindingsSpilled',
  /** Findings neither stored nor spilled: only the log line holds them. */
  findingsLost: 'FindingsLost',
  /** Metric datums CloudWatch did not take (after the client's retries). */
  metricDatumsDropped: 'MetricDatumsDropped',
  /** Monitors (or the active-incident listing) whose step of an escalator tick threw. */
  tickFailures: 'EscalatorTickFailures',
  /** Shards of a scheduled run no Invoke was accepted for: their monitors miss the interval. */
  shardsUndispatched: 'ShardsUndispatched',
  /** ALARM notifications of paging alarms the alarm gate held back: a maintenance window or silence covered the monitor. */
  alarmsHeld: 'AlarmsHeld',
} as const;

export type OperationalMetric = (typeof OPERATIONAL_METRICS)[keyof typeof OPERATIONAL_METRICS];

/** The dimension every operational metric carries: the function (FUNCTION_NAMES' short form). */
export const FUNCTION_DIMENSION = 'Function';

/**
 * One EMF line with `count` of `metric`, logged with the message and fields given: at error level
 * when the count is a failure (`countIsFailure`, the default) and above zero, at info otherwise.
 */
export function emitCount(
  logger: Logger,
  where: { namespace: string; functionName: string },
  metric: OperationalMetric,
  count: number,
  message: string,
  fields: Record<string, unknown> = {},
  countIsFailure = true,
): void {
  const level = countIsFailure && count > 0 ? 'error' : 'info';
  logger[level](message, {
    ...fields,
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: where.namespace,
          Dimensions: [[FUNCTION_DIMENSION]],
          Metrics: [{ Name: metric, Unit: 'Count' }],
        },
      ],
    },
    [FUNCTION_DIMENSION]: where.functionName,
    [metric]: count,
  });
}

/**
 * What every handler shares about one invocation: its log line at the start and the end (with the
 * request id and a redacted summary of the event), and the time budget taken from the Lambda context.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { LogFields, Logger } from './logger.ts';
import type { PersistBudget } from './persist-findings.ts';
import { CLIENT_MARGIN_MS } from './time-left.ts';

export interface InvocationLogOptions<E, R> {
  /** A short, secret-free summary of the event (never the raw body). */
  describeEvent: (event: E) => LogFields;
  describeResult?: (result: R) => LogFields;
  /** Errors the handler turns into answers (an HTTP 4xx) are warnings, not errors. */
  isExpected?: (error: unknown) => boolean;
}

export function logInvocation<E, R>(
  logger: Logger,
  options: InvocationLogOptions<E, R>,
): MiddlewareObj<E, R> {
  const started = new WeakMap<Context, number>();
  const elapsed = (context: Context) =>
    Math.round(performance.now() - (started.get(context) ?? performance.now()));
  return {
    name: 'logInvocation',
    before: (request) => {
      started.set(request.context, performance.now());
      logger.info('invocation', {
        requestId: request.context.awsRequestId,
        ...safe(() => options.describeEvent(request.event)),
      });
    },
    after: (request) => {
      const result = request.response as R;
      logger.info('done', {
        requestId: request.context.awsRequestId,
        durationMs: elapsed(request.context),
        ...(options.describeResult ? safe(() => options.describeResult?.(result) ?? {}) : {}),
      });
    },
    onError: (request) => {
      const level = options.isExpected?.(request.error) ? 'warn' : 'error';
      logger[level]('failed', {
        requestId: request.context.awsRequestId,
        durationMs: elapsed(request.context),
        error: request.error,
      });
    },
  };
}

/** A summary must never be the reason an invocation fails. */
function safe(describe: () => LogFields): LogFields {
  try {
    return describe();
  } catch (error) {
    return { summaryError: String(error) };
  }
}

/** Time kept back for writing findings and publishing metrics after the probes: a fifth, 250 ms to 3 s. */
export function flushReserveMs(remainingMs: number): number {
  return Math.min(3_000, Math.max(250, Math.round(remainingMs * 0.2)));
}

/**
 * What the store's writes leave, of the time left after the probes, for the spill (one SQS request)
 * and the metrics (one PutMetricData): a quarter, at most 500 ms.
 */
export function afterWritesMs(remainingMs: number): number {
  return Math.min(500, Math.round(remainingMs / 4));
}

function remainingMs(context: Context): number {
  return typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 60_000;
}

/**
 * The signals that bound a run's writes (up to afterWritesMs before the end) and its spill (up to
 * CLIENT_MARGIN_MS before the end), so the handler always returns before Lambda's own timeout.
 */
export function persistBudget(context: Context): PersistBudget {
  const left = remainingMs(context);
  return {
    writes: AbortSignal.timeout(Math.max(0, left - afterWritesMs(left))),
    spill: () => AbortSignal.timeout(Math.max(0, remainingMs(context) - CLIENT_MARGIN_MS)),
  };
}

/**
 * performance.now() by which the probes must be done: the invocation's remaining time minus what
 * writing their results needs. Without a Lambda context (a hand-built one), a 60 s budget is assumed.
 */
export function probeDeadline(
  context: Context,
  reserve: (remainingMs: number) => number = flushReserveMs,
): number {
  const remaining = remainingMs(context);
  return performance.now() + remaining - reserve(remaining);
}

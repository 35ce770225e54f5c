/**
 * Retries for every AWS client: the SDK's standard retry strategy (its error classification, backoff
 * with full jitter, retry quota), bounded by the time the work in hand has left: a retry whose wait
 * would not leave room for one more attempt is not taken, and the last error is thrown instead. So an
 * invocation never spends its last second asleep in a backoff and is never cut off by Lambda mid-write.
 * Each retry is reported through an SDK middleware inside the retry loop (logRetries).
 */
import { StandardRetryStrategy } from '@smithy/core/retry';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  MetadataBearer,
  Pluggable,
  RetryErrorInfo,
  StandardRetryBackoffStrategy,
  StandardRetryToken,
} from '@smithy/types';
import { NetprobeError } from '../errors.ts';

/** Milliseconds the work in hand has left (Infinity outside an invocation: the CLI, tests). */
export type TimeLeft = () => number;

export const NO_TIME_LIMIT: TimeLeft = () => Number.POSITIVE_INFINITY;

export interface TimeBoundRetryOptions {
  timeLeft?: TimeLeft;
  /** Attempts in all, the first included; default 4. */
  maxAttempts?: number;
  /** Time one attempt needs: a retry is taken only if its wait leaves this much; default 500 ms. */
  minAttemptMs?: number;
  /** Tests pin the jitter. */
  random?: () => number;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_MIN_ATTEMPT_MS = 500;
/** The SDK's own cap on one backoff. */
const MAX_BACKOFF_MS = 20_000;

/**
 * Errors the SDK's classification does not know as throttling but AWS uses for it: SNS answers
 * KMSThrottlingException when the topic's key is throttled (netprobe's topics are KMS-encrypted).
 */
const EXTRA_THROTTLING_NAMES = new Set(['KMSThrottlingException']);

/** Full jitter (what the SDK does), capped so the wait ends while one attempt still fits. */
class TimeBoundBackoff implements StandardRetryBackoffStrategy {
  #base = 50;
  readonly #timeLeft: TimeLeft;
  readonly #minAttemptMs: number;
  readonly #random: () => number;

  constructor(timeLeft: TimeLeft, minAttemptMs: number, random: () => number) {
    this.#timeLeft = timeLeft;
    this.#minAttemptMs = minAttemptMs;
    this.#random = random;
  }

  /** The SDK sets 50 ms for transient errors, 1 s for throttling, before each computation. */
  setDelayBase(delayBase: number): void {
    this.#base = delayBase;
  }

  computeNextBackoffDelay(retriesSoFar: number): number {
    const jittered = Math.floor(this.#random() * Math.min(this.#base * 2 ** retriesSoFar, MAX_BACKOFF_MS));
    return Math.max(0, Math.min(jittered, this.#timeLeft() - this.#minAttemptMs));
  }
}

/** Why a retry the SDK would have taken was not: the work in hand is out of time. */
export class RetryTimeExhaustedError extends NetprobeError {
  override name = 'RetryTimeExhaustedError';
  constructor(message: string) {
    super('retry_time_exhausted', message);
  }
}

/**
 * The SDK's StandardRetryStrategy, with a wait that never runs past the time left and no retry once
 * less than one attempt's time is left. Retry-After hints beyond the time left end the retries too.
 */
export class TimeBoundRetryStrategy extends StandardRetryStrategy {
  readonly #timeLeft: TimeLeft;
  readonly #minAttemptMs: number;

  constructor(options: TimeBoundRetryOptions = {}) {
    const timeLeft = options.timeLeft ?? NO_TIME_LIMIT;
    const minAttemptMs = options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS;
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`retry: maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
    }
    super({
      maxAttempts,
      backoff: new TimeBoundBackoff(timeLeft, minAttemptMs, options.random ?? Math.random),
    });
    this.#timeLeft = timeLeft;
    this.#minAttemptMs = minAttemptMs;
  }

  override async refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    const left = this.#timeLeft();
    if (left < this.#minAttemptMs) {
      throw new RetryTimeExhaustedError(`${Math.max(0, Math.round(left))} ms left: no time for a retry`);
    }
    const hint = errorInfo.retryAfterHint;
    if (hint instanceof Date && hint.getTime() - Date.now() > left - this.#minAttemptMs) {
      throw new RetryTimeExhaustedError(`the service asks to retry after ${hint.toISOString()}: too late`);
    }
    return super.refreshRetryTokenForRetry(token, classify(errorInfo));
  }
}

/**
 * The client settings for it: the strategy, and its attempt count again, which the SDK only uses for
 * the `amz-sdk-request: attempt=n; max=m` header it sends with each attempt.
 */
export function timeBoundRetries(options: TimeBoundRetryOptions = {}): {
  retryStrategy: TimeBoundRetryStrategy;
  maxAttempts: number;
} {
  return {
    retryStrategy: new TimeBoundRetryStrategy(options),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

function classify(errorInfo: RetryErrorInfo): RetryErrorInfo {
  const name = (errorInfo.error as { name?: string } | undefined)?.name ?? '';
  return EXTRA_THROTTLING_NAMES.has(name) ? { ...errorInfo, errorType: 'THROTTLING' } : errorInfo;
}

/** One retry, as the middleware sees it: the attempt about to be made and the error before it. */
export interface RetryEvent {
  /** e.g. "PutMetricDataCommand". */
  command: string;
  /** The attempt about to start, from 2. */
  attempt: number;
  error: unknown;
  /** ms since the first attempt started. */
  elapsedMs: number;
  /** ms left for the work in hand when this attempt starts. */
  timeLeftMs: number;
}

/**
 * An SDK plugin whose middleware sits inside the retry loop (right after the SDK's retryMiddleware),
 * so it sees every attempt: from the second on, it reports the retry with the error that caused it.
 */
export function logRetries(
  onRetry: (event: RetryEvent) => void,
  timeLeft: TimeLeft = NO_TIME_LIMIT,
): Pluggable<object, MetadataBearer> {
  const middleware: FinalizeRequestMiddleware<object, MetadataBearer> = (
    next: FinalizeHandler<object, MetadataBearer>,
    context: HandlerExecutionContext,
  ) => {
    // Built once per send(); the returned handler runs once per attempt.
    let attempt = 0;
    let lastError: unknown;
    const started = performance.now();
    return async (args: FinalizeHandlerArguments<object>) => {
      attempt++;
      if (attempt > 1) {
        onRetry({
          command: context.commandName ?? 'unknown command',
          attempt,
          error: lastError,
          elapsedMs: Math.round(performance.now() - started),
          timeLeftMs: Math.round(timeLeft()),
        });
      }
      try {
        return await next(args);
      } catch (error) {
        lastError = error;
        throw error;
      }
    };
  };
  return {
    applyToStack: (stack) => {
      stack.addRelativeTo(middleware, {
        name: 'netprobeLogRetries',
        relation: 'after',
        toMiddleware: 'retryMiddleware',
      });
    },
  };
}

/** "Rate exceeded (Throttling)": the message with the error's name, for logs and wrapped errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.message} (${error.name})` : error.message;
  return String(error);
}

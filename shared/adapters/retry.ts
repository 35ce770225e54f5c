/**
 * Bounded retries with exponential backoff and full jitter for the AWS adapters (CloudWatch, SNS).
 * The SDK clients are built with maxAttempts 1 so this is the only retry loop: attempts stay bounded
 * and visible (onRetry logs each one), instead of multiplying with the SDK's own.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included (≥ 1). */
  maxAttempts: number;
  /** Upper bound of the first delay; it doubles per retry… */
  baseDelayMs: number;
  /** …up to this cap. */
  maxDelayMs: number;
}

/** 4 attempts, delays drawn from [0,100), [0,200), [0,400) ms: worst case 0.7 s of waiting. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

export interface RetryAttempt {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Wait before the next attempt. */
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Default isTransientAwsError. */
  isRetryable?: (error: unknown) => boolean;
  onRetry?: (attempt: RetryAttempt) => void;
  /** Tests inject these. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The last error of an operation that kept failing with retryable errors. */
export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(`gave up after ${attempts} attempts: ${describeError(cause)}`, { cause });
    this.attempts = attempts;
  }
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^(n-1))). */
export function backoffDelay(
  failedAttempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` until it succeeds, fails with an error that is not retryable (rethrown as is), or
 * has failed maxAttempts times (RetriesExhaustedError with the last error as cause).
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry: maxAttempts must be a whole number ≥ 1, got ${policy.maxAttempts}`);
  }
  const isRetryable = options.isRetryable ?? isTransientAwsError;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      const delayMs = backoffDelay(attempt, policy, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}

/** Error names AWS services use for throttling and for their own transient faults. */
const TRANSIENT_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'KMSThrottlingException',
  'SlowDown',
  'InternalFailure',
  'InternalError',
  'InternalErrorException',
  'InternalServiceError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level failures on the way to the endpoint: the request may not even have arrived. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Throttling, a 5xx, or a dropped connection: worth another try. A 4xx about the request is not. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if (e.$retryable) return true;
  return TRANSIENT_NAMES.has(e.name ?? '') || TRANSIENT_NETWORK_CODES.has(e.code ?? '');
}

/** "Rate exceeded (Throttling)": the message with the error's name, for logs and wrapped errors. */
export function describeError(error: unknown): string {
  // Its message already names the error it wraps.
  if (error instanceof RetriesExhaustedError) return error.message;
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.message} (${error.name})` : error.message;
  return String(error);
}

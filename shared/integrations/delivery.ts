/**
 * One POST to an on-call service, retried on what may pass (429, 5xx, network errors) after 1 s,
 * 5 s and 25 s, and never on what will not (any other 4xx: PagerDuty's 400 is an invalid event).
 * Bounded by the Lambda's remaining time: no attempt starts that could not finish before it, and no
 * wait starts that would leave no time for the attempt after it.
 */
import { NetprobeError } from '../errors.ts';

/** Waits before the 2nd, 3rd and 4th attempts. */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 25_000];
/** One attempt's own cap. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** The least time an attempt is worth starting with. */
export const MIN_ATTEMPT_MS = 1_000;

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Delivered {
  status: number;
  body: string;
  attempts: number;
}

export interface DeliveryOptions {
  /** Milliseconds the invocation has left (the Lambda context's getRemainingTimeInMillis, minus a reserve). */
  remainingMs: () => number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (retry: { attempt: number; delayMs: number; outcome: string }) => void;
}

/** The service refused the request (a 4xx other than 429): sending it again would not help. */
export class DeliveryRejectedError extends NetprobeError {
  override name = 'DeliveryRejectedError';
  readonly status: number;
  constructor(status: number, body: string) {
    super('delivery_rejected', `refused with HTTP ${status}, not retried: ${body.slice(0, 500)}`);
    this.status = status;
  }
}

/** Retries spent, or no time left for the next one. */
export class DeliveryFailedError extends NetprobeError {
  override name = 'DeliveryFailedError';
  constructor(attempts: number, outcome: string, why: string) {
    super('delivery_failed', `not delivered after ${attempts} attempt(s), ${why}; last: ${outcome}`);
  }
}

type Outcome = { status: number; body: string } | { error: string };

function retryable(outcome: Outcome): boolean {
  return 'error' in outcome || outcome.status === 429 || outcome.status >= 500;
}

function describe(outcome: Outcome): string {
  return 'error' in outcome ? outcome.error : `HTTP ${outcome.status} ${outcome.body.slice(0, 200)}`;
}

async function attempt(request: OutboundRequest, timeoutMs: number, doFetch: typeof fetch): Promise<Outcome> {
  try {
    const response = await doFetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
}

export async function deliver(request: OutboundRequest, options: DeliveryOptions): Promise<Delivered> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let n = 1; ; n++) {
    const timeoutMs = Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, options.remainingMs()));
    const outcome = await attempt(request, timeoutMs, doFetch);
    if ('status' in outcome) {
      if (outcome.status >= 200 && outcome.status < 300) return { ...outcome, attempts: n };
      if (!retryable(outcome)) throw new DeliveryRejectedError(outcome.status, outcome.body);
    }
    const delayMs = RETRY_DELAYS_MS[n - 1];
    if (delayMs === undefined) throw new DeliveryFailedError(n, describe(outcome), 'retries spent');
    if (options.remainingMs() < delayMs + MIN_ATTEMPT_MS) {
      throw new DeliveryFailedError(n, describe(outcome), `no time left for a retry in ${delayMs} ms`);
    }
    options.onRetry?.({ attempt: n, delayMs, outcome: describe(outcome) });
    await sleep(delayMs);
  }
}

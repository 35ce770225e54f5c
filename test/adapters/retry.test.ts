import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isTransientAwsError,
  RetriesExhaustedError,
  withRetry,
} from '../../shared/adapters/retry.ts';

const aws = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('isTransientAwsError', () => {
  it.each([
    [aws('Throttling', 400), true],
    [aws('ThrottledException', 400), true],
    [aws('KMSThrottlingException', 400), true],
    [aws('TooManyRequestsException', 429), true],
    [aws('Whatever', 429), true],
    [aws('InternalServiceFault', 500), true],
    [aws('InternalErrorException', 500), true],
    [aws('ServiceUnavailable', 503), true],
    [aws('SomethingNew', 400, { $retryable: { throttling: true } }), true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [aws('InvalidParameterValueException', 400), false],
    [aws('AuthorizationErrorException', 403), false],
    [aws('NotFoundException', 404), false],
    [new Error('plain'), false],
    ['a string', false],
    [null, false],
  ])('%s → %s', (error, transient) => {
    expect(isTransientAwsError(error)).toBe(transient);
  });
});

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt up to the cap (full jitter below it)', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, top))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  const noSleep = { sleep: async () => {}, random: () => 0 };

  it('returns the first success and reports each retry', async () => {
    const seen: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw aws('Throttling', 400);
        return 'ok';
      },
      { ...noSleep, onRetry: (r) => seen.push(r.attempt) },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual([1, 2]);
  });

  it('stops after maxAttempts with the last error as cause', async () => {
    let calls = 0;
    const error = await withRetry(async () => {
      calls++;
      throw aws('Throttling', 400);
    }, noSleep).catch((e: unknown) => e);
    expect(calls).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(4);
    expect((error as Error).message).toBe('gave up after 4 attempts: Throttling (Throttling)');
  });

  it('rethrows a permanent error at once, unwrapped', async () => {
    const permanent = aws('ValidationException', 400);
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw permanent;
      }, noSleep),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('refuses a policy without attempts', async () => {
    await expect(withRetry(async () => 1, { policy: { maxAttempts: 0 } })).rejects.toThrow(
      'retry: maxAttempts must be a whole number ≥ 1, got 0',
    );
  });
});

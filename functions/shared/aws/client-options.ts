/**
 * What every production SDK client shares. Everything lives in the home region (TABLE_REGION): probe
 * regions write findings and metrics there, across regions. Timeouts keep a hung connection from
 * eating the time a runner keeps for writing its results.
 *
 * One factory per client beside this file (dynamo.ts, cloudwatch.ts, sns.ts), each imported only by
 * the handlers that use it: a function loads at init only the SDK clients it calls.
 */
import type { RetryOptions } from '../../../shared/adapters/retry.ts';
import type { FunctionEnv } from '../env.ts';
import type { Logger } from '../logger.ts';

export function clientConfig(env: FunctionEnv) {
  return {
    region: env.tableRegion,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  };
}

/**
 * CloudWatch and SNS clients make one attempt per call: retry.ts retries with bounded, logged backoff,
 * and SDK retries on top would multiply the attempts.
 */
export function singleAttemptClientConfig(env: FunctionEnv) {
  return { ...clientConfig(env), maxAttempts: 1 };
}

export function loggedRetries(logger: Logger, what: string): RetryOptions {
  return {
    onRetry: ({ attempt, delayMs, error }) => logger.warn(`${what} retry`, { attempt, delayMs, error }),
  };
}

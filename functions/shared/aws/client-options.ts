/**
 * What every production SDK client shares. Everything lives in the home region (TABLE_REGION): probe
 * regions write findings and metrics there, across regions. Timeouts keep a hung connection from
 * eating the time a runner keeps for writing its results, and no attempt outlives the invocation
 * (shared/adapters/time-bound-handler.ts); retries are the SDK's standard strategy, bounded by the
 * invocation's time left, and each retry is logged (shared/adapters/retry.ts).
 *
 * One factory per client beside this file (dynamo.ts, cloudwatch.ts, sns.ts), each imported only by
 * the handlers that use it: a function loads at init only the SDK clients it calls.
 */
import { logRetries, timeBoundRetries } from '../../../shared/adapters/retry.ts';
import { TimeBoundHttpHandler } from '../../../shared/adapters/time-bound-handler.ts';
import type { FunctionEnv } from '../env.ts';
import type { FunctionRuntime } from '../lazy.ts';

export function clientConfig(env: FunctionEnv, runtime: FunctionRuntime) {
  return { region: env.tableRegion, ...ownRegionClientConfig(runtime) };
}

/** The same for a client of the function's own region (AWS_REGION): the forwarders, in the home region. */
export function ownRegionClientConfig(runtime: FunctionRuntime) {
  return {
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and a
    // connection that accepted the request but never answers holds the call until Lambda kills it.
    // Each attempt's timeout is also cut to the invocation's time left (time-bound-handler.ts).
    requestHandler: new TimeBoundHttpHandler(
      { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
      runtime.timeLeft,
    ),
    ...timeBoundRetries({ timeLeft: runtime.timeLeft }),
  };
}

/** Any SDK client: what logRetries plugs into. */
interface WithMiddleware {
  middlewareStack: { use(plugin: ReturnType<typeof logRetries>): void };
}

/** The client, with each of its retries logged as a warning naming the command and the error. */
export function withLoggedRetries<C extends WithMiddleware>(client: C, runtime: FunctionRuntime): C {
  client.middlewareStack.use(
    logRetries((retry) => runtime.logger.warn('AWS call retried', { ...retry }), runtime.timeLeft),
  );
  return client;
}

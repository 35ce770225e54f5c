/** The shard invoker of the probe-dispatcher: this region's probe-runner, invoked asynchronously. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaShardInvoker } from '../../../shared/adapters/lambda-shard-invoker.ts';
import type { FunctionEnv } from '../env.ts';
import type { FunctionRuntime } from '../lazy.ts';
import { clientConfig, withLoggedRetries } from './client-options.ts';

export function lambdaShardInvoker(
  env: FunctionEnv,
  functionName: string,
  runtime: FunctionRuntime,
): LambdaShardInvoker {
  // The runner is in this region, not the home region the other clients talk to.
  const client = new LambdaClient({ ...clientConfig(env, runtime), region: env.region });
  return new LambdaShardInvoker({ client: withLoggedRetries(client, runtime), functionName });
}

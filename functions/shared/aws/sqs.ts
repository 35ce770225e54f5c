/** The spill queue (probe-runner, probe-api): findings the table did not take, written later. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsFindingsSpill } from '../../../shared/adapters/sqs-spill.ts';
import type { FunctionEnv } from '../env.ts';
import type { FunctionRuntime } from '../lazy.ts';
import { clientConfig, withLoggedRetries } from './client-options.ts';

export function sqsSpill(env: FunctionEnv, queueUrl: string, runtime: FunctionRuntime): SqsFindingsSpill {
  // The queue is in this function's own region (env.region), unlike the table and the metrics.
  const client = withLoggedRetries(
    new SQSClient({ ...clientConfig(env, runtime), region: env.region }),
    runtime,
  );
  return new SqsFindingsSpill({ client, queueUrl });
}

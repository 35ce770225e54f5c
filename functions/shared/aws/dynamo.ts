/** The findings table's store (probe-runner, probe-api, escalator). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbStore } from '../../../shared/adapters/dynamodb-store.ts';
import type { NetprobeConfig } from '../../../shared/config/types.ts';
import type { FunctionEnv } from '../env.ts';
import type { FunctionRuntime } from '../lazy.ts';
import { clientConfig, withLoggedRetries } from './client-options.ts';

export function dynamoStore(
  env: FunctionEnv,
  config: NetprobeConfig,
  runtime: FunctionRuntime,
): DynamoDbStore {
  const client = withLoggedRetries(new DynamoDBClient(clientConfig(env, runtime)), runtime);
  return new DynamoDbStore({
    client: DynamoDBDocumentClient.from(client),
    tableName: env.tableName,
    findingsTtlDays: config.findingsTtlDays,
  });
}

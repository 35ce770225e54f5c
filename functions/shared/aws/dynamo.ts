/** The findings table's store (probe-runner, probe-api, escalator). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbStore } from '../../../shared/adapters/dynamodb-store.ts';
import type { NetprobeConfig } from '../../../shared/config/types.ts';
import type { FunctionEnv } from '../env.ts';
import { clientConfig } from './client-options.ts';

export function dynamoStore(env: FunctionEnv, config: NetprobeConfig): DynamoDbStore {
  // DynamoDB keeps the SDK's own retries: the store's writes are idempotent and its reads cheap.
  const client = new DynamoDBClient(clientConfig(env));
  return new DynamoDbStore({
    client: DynamoDBDocumentClient.from(client),
    tableName: env.tableName,
    findingsTtlDays: config.findingsTtlDays,
  });
}

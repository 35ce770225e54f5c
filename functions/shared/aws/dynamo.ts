/** The findings table's store (probe-runner, probe-api, escalator, alarm gate) and the alarm gate's ledger. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAlarmLedger } from '../../../shared/adapters/dynamodb-alarm-ledger.ts';
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
  return new DynamoDbStore({
    client: documentClient(env, runtime),
    tableName: env.tableName,
    findingsTtlDays: config.findingsTtlDays,
  });
}

export function dynamoAlarmLedger(env: FunctionEnv, runtime: FunctionRuntime): DynamoDbAlarmLedger {
  return new DynamoDbAlarmLedger({ client: documentClient(env, runtime), tableName: env.tableName });
}

function documentClient(env: FunctionEnv, runtime: FunctionRuntime): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    withLoggedRetries(new DynamoDBClient(clientConfig(env, runtime)), runtime),
  );
}

/**
 * The production adapters, built from the environment. Everything lives in the home region
 * (TABLE_REGION): probe regions write findings and metrics there, across regions.
 *
 * CloudWatch and SNS clients make one attempt per call: retry.ts retries with bounded, logged backoff,
 * and SDK retries on top would multiply the attempts. Timeouts keep a hung connection from eating the
 * time a runner keeps for writing its results.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DASHBOARD_NAME } from '../../infra/naming.ts';
import { CloudWatchMetricsPublisher } from '../../shared/adapters/cloudwatch-metrics.ts';
import { DynamoDbStore } from '../../shared/adapters/dynamodb-store.ts';
import type { RetryOptions } from '../../shared/adapters/retry.ts';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import type { FunctionEnv } from './env.ts';
import type { Logger } from './logger.ts';

const TIMEOUTS = { requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 } };

export function dynamoStore(env: FunctionEnv, config: NetprobeConfig): DynamoDbStore {
  // DynamoDB keeps the SDK's own retries: the store's writes are idempotent and its reads cheap.
  const client = new DynamoDBClient({ region: env.tableRegion, ...TIMEOUTS });
  return new DynamoDbStore({
    client: DynamoDBDocumentClient.from(client),
    tableName: env.tableName,
    findingsTtlDays: config.findingsTtlDays,
  });
}

function loggedRetries(logger: Logger, what: string): RetryOptions {
  return {
    onRetry: ({ attempt, delayMs, error }) => logger.warn(`${what} retry`, { attempt, delayMs, error }),
  };
}

export function cloudWatchPublisher(env: FunctionEnv, logger: Logger): CloudWatchMetricsPublisher {
  return new CloudWatchMetricsPublisher({
    client: new CloudWatchClient({ region: env.tableRegion, maxAttempts: 1, ...TIMEOUTS }),
    namespace: env.metricsNamespace,
    retry: loggedRetries(logger, 'PutMetricData'),
  });
}

export function snsNotifier(
  env: FunctionEnv,
  topicArns: Record<string, string>,
  logger: Logger,
): SnsNotifier {
  return new SnsNotifier({
    client: new SNSClient({ region: env.tableRegion, maxAttempts: 1, ...TIMEOUTS }),
    topicArns,
    links: { region: env.tableRegion, namespace: env.metricsNamespace, dashboardName: DASHBOARD_NAME },
    retry: loggedRetries(logger, 'SNS Publish'),
  });
}

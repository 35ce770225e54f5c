/**
 * One shard of the fan-out bench, as its own process (a Lambda invocation of the probe-runner): the
 * real runner handler with the shard event, findings written through the real DynamoDB store to
 * dynalite on loopback, metrics counted and dropped. argv: <config.json> <dynalite endpoint> <table>
 * <shard event JSON>. Prints the run summary as one JSON line.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createHandler } from '../functions/probe-runner/handler.ts';
import { createLogger } from '../functions/shared/logger.ts';
import { DynamoDbStore } from '../shared/adapters/dynamodb-store.ts';
import { loadConfig } from '../shared/config/load.ts';

const [configPath, endpoint, tableName, eventJson] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const event = JSON.parse(eventJson) as { region: string };
const config = await loadConfig(configPath);
const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});
const store = new DynamoDbStore({
  client: DynamoDBDocumentClient.from(client),
  tableName,
  findingsTtlDays: 1,
});
const handler = createHandler(
  { config, region: event.region, store, metrics: { publish: async () => {} } },
  { logger: createLogger({ sink: () => {} }) },
);
const end = Date.now() + 60_000;
const context = {
  awsRequestId: `bench-${process.pid}`,
  functionName: 'netprobe-probe-runner',
  getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
} as Context;
const summary = await handler(event, context);
process.stdout.write(`${JSON.stringify({ stored: summary.stored, skipped: summary.skipped.length })}\n`);
client.destroy();

/**
 * An embedded DynamoDB (dynalite: the real wire protocol, in memory) on 127.0.0.1, port 0, with the
 * netprobe table created from TABLE_DESIGN. The tests and the CLI's offline demo both start it here.
 * dynalite has no TTL expiry and no transactions; the stores use neither.
 */

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_DESIGN } from './table-design.ts';

/** dynalite ships no types; this is the part of its API used here. */
type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}) => Server;

export const LOCAL_TABLE_NAME = 'netprobe-local';

export interface LocalDynamo {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Closes the clients and the server; safe to call twice. */
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  tableName?: string;
  /** A directory to persist to (LevelDB) instead of memory: the demo keeps history across runs. */
  path?: string;
}

/** The CreateTable request for TABLE_DESIGN (what the CDK table is, minus TTL and stream settings dynalite ignores). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, globalSecondaryIndexes } = TABLE_DESIGN;
  const indexes = Object.values(globalSecondaryIndexes);
  const attributes = new Map<string, 'S'>();
  for (const key of [partitionKey, sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(key.name, key.type);
  }
  return {
    TableName: tableName,
    BillingMode: TABLE_DESIGN.billingMode,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: i.projection },
    })),
  };
}

/**
 * Creates a table and returns once it is ACTIVE. dynalite answers CreateTable with the table
 * CREATING and marks it ACTIVE on a timer (with a path, after a disk write): a request that arrives
 * first fails with ResourceNotFoundException. Bounded: a few 50 ms polls in practice.
 */
export async function createTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  await client.send(new CreateTableCommand(input));
  await waitUntilTableExists(
    { client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: input.TableName },
  );
}

export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    // Never reach for a real credential chain (env, ~/.aws, instance metadata): this is a local stand-in.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  const doc = DynamoDBDocumentClient.from(client);
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    })();
    return closed;
  };
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  try {
    await createTable(client, createTableInput(tableName));
  } catch (error) {
    // A persisted demo table already exists from an earlier run: reuse it.
    if ((error as { name?: string }).name !== 'ResourceInUseException') {
      await close();
      throw error;
    }
  }
  return { endpoint, tableName, client, doc, close };
}

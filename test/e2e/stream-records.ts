/**
 * The DynamoDB stream as Lambda would deliver it, without a stream (dynalite has none): the table is
 * scanned before and after a writer runs, and each new or changed item becomes an INSERT or MODIFY
 * record with its NEW_IMAGE; the event source mapping's filter criteria (from the template) then
 * decide which records reach the function, and its batch size how they are grouped.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

export type Item = Record<string, AttributeValue>;

export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start) return items;
  }
  throw new Error('scan: more than 100 pages');
}

let sequence = 100_000_000_000_000_000_000n;

/** INSERT/MODIFY records for the items that are new or changed between two scans (same key schema). */
export function streamRecords(
  before: readonly Item[],
  after: readonly Item[],
  keyNames: readonly string[],
  tableArn: string,
  region: string,
): DynamoDBRecord[] {
  const keyOf = (item: Item) => JSON.stringify(keyNames.map((k) => item[k]));
  const previous = new Map(before.map((item) => [keyOf(item), JSON.stringify(item)]));
  const records: DynamoDBRecord[] = [];
  for (const item of after) {
    const old = previous.get(keyOf(item));
    if (old === JSON.stringify(item)) continue;
    sequence += 1n;
    const keys = Object.fromEntries(keyNames.map((k) => [k, item[k]]));
    records.push({
      eventID: `${sequence.toString(16)}`,
      eventName: old === undefined ? 'INSERT' : 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: region,
      eventSourceARN: `${tableArn}/stream/2026-12-02T00:00:00.000`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
        NewImage: item as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
        SequenceNumber: sequence.toString(),
        SizeBytes: JSON.stringify(item).length,
        StreamViewType: 'NEW_IMAGE',
      },
    });
  }
  return records;
}

/** Lambda event filtering (the operators the template uses): literal values, prefix, exists. */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((option) => matchesOne(option, value));
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null) return false;
    return Object.entries(pattern).every(([key, sub]) =>
      matchesPattern(sub, (value as Record<string, unknown>)[key]),
    );
  }
  throw new Error(`filter pattern: a leaf must be an array, got ${JSON.stringify(pattern)}`);
}

function matchesOne(option: unknown, value: unknown): boolean {
  if (typeof option !== 'object' || option === null) return option === value;
  const [[operator, operand] = []] = Object.entries(option);
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(String(operand));
    case 'exists':
      return (value !== undefined) === operand;
    default:
      throw new Error(
        `filter pattern: operator ${JSON.stringify(operator)} is not implemented by the e2e run`,
      );
  }
}

/** The records a mapping's filters admit (none: all), in batches of at most `size`. */
export function batchesFor(records: readonly DynamoDBRecord[], filters: readonly unknown[], size: number) {
  const admitted =
    filters.length === 0 ? [...records] : records.filter((r) => filters.some((f) => matchesPattern(f, r)));
  const batches: DynamoDBRecord[][] = [];
  for (let i = 0; i < admitted.length; i += size) batches.push(admitted.slice(i, i + size));
  return { admitted, batches };
}

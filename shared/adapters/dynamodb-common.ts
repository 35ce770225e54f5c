/** What the DynamoDB adapter modules do alike: plain items, conditional writes, bounded Queries. */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Bound on the pages of one small collection's Query. */
const MAX_QUERY_PAGES = 100;

/** Drops undefined fields and non-finite numbers the way JSON does; DynamoDB accepts neither. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A conditional write's output, or undefined when its condition failed: a lost race or a state that
 * moved on, which the Store reports as an outcome, never as an error. Any other error is thrown.
 */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if ((error as { name?: string } | null)?.name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

/** Every item of a small collection (a monitor's locations, a run's reports, …); bounded all the same. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  for (let n = 0; n < MAX_QUERY_PAGES; n++) {
    const out = await db.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start) return items;
  }
  throw new Error(
    `query on ${String(input.ExpressionAttributeValues?.[':pk'])} did not end after ${MAX_QUERY_PAGES} pages`,
  );
}

/**
 * The findings table's stream, read by the same adapter that writes the table: a stream record's
 * NewImage becomes a Finding here, so the escalator hands the domain findings and never sees a key,
 * a sort-key prefix or DynamoDB's attribute-value encoding.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Finding } from '../domain/finding.ts';
import { itemToFinding } from './dynamodb-store.ts';
import { TABLE_DESIGN } from './table-design.ts';

/** A finding, or why the record holds none (logged and skipped: no retry would make it readable). */
export type StreamRead = { finding: Finding } | { skip: string };

/** The finding in a stream record, or why the record is not one. */
export function readStreamRecord(record: DynamoDBRecord): StreamRead {
  if (record.eventName === 'REMOVE') return { skip: 'removal (TTL expiry)' };
  const image = record.dynamodb?.NewImage;
  if (!image) return { skip: 'no NewImage (stream view type must be NEW_IMAGE)' };
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image as Parameters<typeof unmarshall>[0]);
  } catch (error) {
    return { skip: `unreadable image: ${(error as Error).message}` };
  }
  const sk = item[TABLE_DESIGN.sortKey.name];
  if (typeof sk !== 'string' || !sk.startsWith(TABLE_DESIGN.stream.findingSortKeyPrefix)) {
    return { skip: `not a finding item (sk ${JSON.stringify(sk)})` };
  }
  try {
    const finding = itemToFinding(item);
    if (typeof finding.monitorId !== 'string') return { skip: 'finding without monitorId' };
    return { finding };
  } catch (error) {
    return { skip: (error as Error).message };
  }
}

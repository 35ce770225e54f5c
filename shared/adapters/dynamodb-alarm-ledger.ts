/**
 * The alarm gate's ledger in the findings table (docs/storage.md): one item per paging alarm in
 * ALARM, all in the GATED_ALARMS partition (a handful, or a few thousand in a fleet-wide outage
 * during maintenance: one Query reads them). An item lives from its ALARM notification to the one
 * that ends the episode; the table's TTL removes one whose ending was lost, 30 days on.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AlarmLedger, GatedAlarm } from '../ports/alarm-gate.ts';
import { GATED_ALARMS_PK, keys } from './table-design.ts';

/** How long an entry outlives its ALARM notification when nothing ends it. */
export const GATED_ALARM_TTL_DAYS = 30;
/** Pages of a Query before giving up (1 MB each: far beyond any fleet). */
const MAX_PAGES = 100;

export interface DynamoDbAlarmLedgerOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoDbAlarmLedger implements AlarmLedger {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoDbAlarmLedgerOptions) {
    this.#db = options.client;
    this.#table = options.tableName;
  }

  async get(alarmName: string): Promise<GatedAlarm | null> {
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: keys.gatedAlarm(alarmName), ConsistentRead: true }),
    );
    return (out.Item?.alarm as GatedAlarm | undefined) ?? null;
  }

  async put(entry: GatedAlarm): Promise<void> {
    const expiresAt = Math.floor(Date.parse(entry.since) / 1000) + GATED_ALARM_TTL_DAYS * 86_400;
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          ...keys.gatedAlarm(entry.alarmName),
          entity: 'gated-alarm',
          status: entry.status,
          alarm: { ...entry },
          expiresAt,
        },
      }),
    );
  }

  async setStatus(alarmName: string, from: GatedAlarm['status'], to: GatedAlarm['status']): Promise<boolean> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.gatedAlarm(alarmName),
          UpdateExpression: 'SET #status = :to, #alarm.#status = :to',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status', '#alarm': 'alarm' },
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      );
      return true;
    } catch (error) {
      // By name: the runtime's SDK, not this one, throws it in Lambda (docs/deploy.md, step 3).
      if ((error as { name?: string } | null)?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async delete(alarmName: string): Promise<void> {
    await this.#db.send(new DeleteCommand({ TableName: this.#table, Key: keys.gatedAlarm(alarmName) }));
  }

  async listHeld(): Promise<GatedAlarm[]> {
    const held: GatedAlarm[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: '#status = :held',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': GATED_ALARMS_PK, ':held': 'held' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) held.push(item.alarm as GatedAlarm);
      start = out.LastEvaluatedKey;
      if (!start) return held;
    }
    throw new Error(`query on ${GATED_ALARMS_PK} did not end after ${MAX_PAGES} pages`);
  }
}

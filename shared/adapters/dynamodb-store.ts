/**
 * Store on one DynamoDB table (design: table-design.ts, docs/storage.md). Reads are Query/GetItem
 * only; incident writes are conditional single-item writes whose ConditionalCheckFailedException
 * becomes a `false` / `{ opened: false }` outcome, never an error.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { Finding, IssueType } from '../domain/finding.ts';
import type { Incident } from '../domain/incident.ts';
import type { Silence } from '../domain/maintenance.ts';
import { isPagingFailure } from '../domain/route.ts';
import type { LocationFailures, RunReport } from '../domain/vantage.ts';
import type { Notification, NotificationKind, VantageNotice } from '../ports/notifier.ts';
import {
  type CloseRequest,
  checkPageSize,
  type FindingQuery,
  FindingsNotStoredError,
  type OpenResult,
  type Page,
  type PageRequest,
  type RunDecision,
  type Store,
  type VantageState,
  type WriteOptions,
} from '../ports/store.ts';
import { plain, queryAll, unlessConditionFails } from './dynamodb-common.ts';
import { DynamoVantage } from './dynamodb-vantage.ts';
import {
  bySilenceStart,
  type CursorShape,
  cursorShapes,
  decodeCursor,
  encodeCursor,
  newestPerLocation,
} from './store-common.ts';
import {
  ACTIVE_INCIDENTS_PK,
  canonicalTime,
  FAILING_SHARDS,
  keys,
  monitorIdOf,
  SILENCES_PK,
  TABLE_DESIGN,
} from './table-design.ts';

/** BatchWriteItem's limit. */
const BATCH_SIZE = 25;
/**
 * Unprocessed items (throttled partitions) are retried up to this many times, with full-jitter backoff
 * from 25 ms, and never past the caller's signal.
 */
const BATCH_ATTEMPTS = 8;
/** Latest-status writes in flight per putFindings call. */
const LATEST_CONCURRENCY = 8;
const { byLocation, activeIncidents, failingLocations } = TABLE_DESIGN.globalSecondaryIndexes;
const INFRA_ATTRIBUTES = ['pk', 'sk', 'entity', 'gsi2pk', 'gsi2sk'];

export interface DynamoDbStoreOptions {
  /** A DocumentClient; its marshalling options do not matter (items are plain JSON here). */
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Findings and latest-status items expire this many days after their startedAt. */
  findingsTtlDays: number;
}

/** The finding inside a FINDING# or LATEST# item, e.g. a stream record's unmarshalled NewImage. */
export function itemToFinding(item: Record<string, unknown>): Finding {
  const finding = item.finding;
  if (typeof finding !== 'object' || finding === null) {
    throw new TypeError(`item ${String(item.pk)} / ${String(item.sk)} holds no finding`);
  }
  return finding as Finding;
}

function itemToIncident(item: Record<string, unknown>): Incident {
  const incident: Record<string, unknown> = { ...item };
  for (const name of INFRA_ATTRIBUTES) delete incident[name];
  return incident as unknown as Incident;
}

/** Waits `ms`, or less if `signal` aborts first (the caller then sees it aborted and stops). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const itemKey = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;

export class DynamoDbStore implements Store {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  readonly #vantage: DynamoVantage;

  constructor(options: DynamoDbStoreOptions) {
    if (!(options.findingsTtlDays > 0))
      throw new RangeError('findingsTtlDays: expected a positive number of days');
    this.#db = options.client;
    this.#table = options.tableName;
    this.#ttlSeconds = Math.round(options.findingsTtlDays * 86_400);
    this.#vantage = new DynamoVantage({
      client: this.#db,
      tableName: this.#table,
      decisionTtlSeconds: this.#ttlSeconds,
    });
  }

  // ------------------------------------------------------------------ findings

  /**
   * Every batch is tried, whatever happened to the others; a location's latest status moves only to a
   * finding that is stored, so it never points at a finding the table does not hold. What is not
   * confirmed written by the end (unprocessed, refused, cut by the signal; or stored but its latest
   * status not advanced) is thrown back in FindingsNotStoredError.unwritten: writing those again is
   * idempotent and completes both.
   */
  async putFindings(findings: readonly Finding[], options: WriteOptions = {}): Promise<void> {
    const { signal } = options;
    // Every key is built before anything is written: a bad startedAt writes nothing.
    const keyed = findings.map((f) => {
      const key = keys.finding(f.monitorId, f.location, f.startedAt);
      return { finding: f, item: this.#findingItem(f, key) };
    });
    // A second finding with the same key replaces the first, as a second write would.
    const items = [...new Map(keyed.map(({ item }) => [itemKey(item), item])).values()];
    const unwrittenKeys = new Set<string>();
    let cause: unknown;
    for (let i = 0; i < items.length; i += BATCH_SIZE) {
      const batch = items.slice(i, i + BATCH_SIZE);
      try {
        for (const key of await this.#batchPut(batch, signal)) unwrittenKeys.add(key);
      } catch (error) {
        cause ??= error;
        for (const item of batch) unwrittenKeys.add(itemKey(item));
      }
    }
    const written = keyed.filter(({ item }) => !unwrittenKeys.has(itemKey(item))).map((k) => k.finding);
    const latestNotAdvanced: Finding[] = [];
    const limit = pLimit(LATEST_CONCURRENCY);
    await Promise.all(
      newestPerLocation(written).map((f) =>
        limit(async () => {
          try {
            await this.#advanceLatest(f, signal);
          } catch (error) {
            cause ??= error;
            latestNotAdvanced.push(f);
          }
        }),
      ),
    );
    const unwritten = [
      ...keyed.filter(({ item }) => unwrittenKeys.has(itemKey(item))).map((k) => k.finding),
      ...latestNotAdvanced,
    ];
    if (unwritten.length > 0) {
      const why =
        cause !== undefined
          ? String((cause as Error)?.message ?? cause)
          : signal?.aborted
            ? 'out of time with items still unprocessed'
            : `items still unprocessed after ${BATCH_ATTEMPTS} attempts (throttled)`;
      throw new FindingsNotStoredError(unwritten, findings.length, why, cause);
    }
  }

  #findingItem(f: Finding, key: { pk: string; sk: string }): Record<string, unknown> {
    const startedAt = canonicalTime(f.startedAt);
    return {
      ...key,
      gsi1pk: keys.findingLocation(f.monitorId, f.location),
      gsi1sk: startedAt,
      entity: 'finding',
      monitorId: f.monitorId,
      location: f.location,
      startedAt,
      status: f.status,
      expiresAt: this.#expiresAt(startedAt),
      finding: plain({ ...f, startedAt }),
    };
  }

  #expiresAt(startedAt: string): number {
    return Math.floor(Date.parse(startedAt) / 1000) + this.#ttlSeconds;
  }

  /** The keys of the items still unprocessed when the attempts or the time ran out (normally none). */
  async #batchPut(items: Record<string, unknown>[], signal: AbortSignal | undefined): Promise<string[]> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; attempt < BATCH_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 0) await pause(Math.random() * Math.min(25 * 2 ** attempt, 2_000), signal);
      if (signal?.aborted) break;
      const out = await this.#db.send(
        new BatchWriteCommand({ RequestItems: { [this.#table]: pending } }),
        signal ? { abortSignal: signal } : {},
      );
      pending = (out.UnprocessedItems?.[this.#table] ?? []) as typeof pending;
    }
    return pending.map((request) => itemKey(request.PutRequest.Item));
  }

  /**
   * Latest status only moves forward in time, whatever order findings are written in. A failing one
   * is in the failingLocations index; the next passing one replaces the item and leaves it.
   */
  async #advanceLatest(f: Finding, signal: AbortSignal | undefined): Promise<void> {
    const startedAt = canonicalTime(f.startedAt);
    await unlessConditionFails(
      this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...keys.latest(f.monitorId, f.location),
            ...(isPagingFailure(f)
              ? {
                  gsi3pk: keys.failingPartitionOf(f.monitorId),
                  gsi3sk: keys.failingLocation(f.monitorId, f.location),
                }
              : {}),
            entity: 'latest',
            monitorId: f.monitorId,
            location: f.location,
            startedAt,
            expiresAt: this.#expiresAt(startedAt),
            finding: plain({ ...f, startedAt }),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #startedAt < :startedAt',
          ExpressionAttributeNames: { '#startedAt': 'startedAt' },
          ExpressionAttributeValues: { ':startedAt': startedAt },
        }),
        signal ? { abortSignal: signal } : {},
      ),
    );
  }

  async queryFindings(monitorId: string, query: FindingQuery = {}): Promise<Page<Finding>> {
    const limit = checkPageSize(query.limit);
    const { from, to } = query;
    if (from && to && to.getTime() <= from.getTime()) return { items: [] };
    const values: Record<string, unknown> = {};
    let input: QueryCommandInput;
    let cursorShape: CursorShape;
    if (query.location !== undefined) {
      cursorShape = cursorShapes.findingsIn(monitorId, query.location, { from, to });
      values[':pk'] = cursorShape.partition.value;
      const bounds = cursorShape.sort;
      let range = '';
      if (bounds.from !== undefined) values[':from'] = bounds.from;
      if (bounds.to !== undefined) values[':to'] = bounds.to;
      if (from && to) range = ' AND gsi1sk BETWEEN :from AND :to';
      else if (from) range = ' AND gsi1sk >= :from';
      else if (to) range = ' AND gsi1sk <= :to';
      input = {
        TableName: this.#table,
        IndexName: byLocation.indexName,
        KeyConditionExpression: `gsi1pk = :pk${range}`,
      };
    } else {
      cursorShape = cursorShapes.findings(monitorId, { from, to });
      values[':pk'] = cursorShape.partition.value;
      values[':from'] = cursorShape.sort.from;
      values[':to'] = cursorShape.sort.to;
      input = {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ConsistentRead: true,
      };
    }
    const out = await this.#db.send(
      new QueryCommand({
        ...input,
        ExpressionAttributeValues: values,
        ScanIndexForward: query.order === 'asc',
        Limit: limit,
        ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, cursorShape) } : {}),
      }),
    );
    return page((out.Items ?? []).map(itemToFinding), out.LastEvaluatedKey);
  }

  async latestStatus(monitorId: string): Promise<Finding[]> {
    return (await this.#monitorItems(monitorId, 'LATEST#')).map(itemToFinding);
  }

  /** One Query per shard (keys only, so a page holds thousands), all at once. */
  async listFailingMonitors(): Promise<string[]> {
    const shards = await Promise.all(
      Array.from({ length: FAILING_SHARDS }, (_, n) =>
        this.#queryAll({
          TableName: this.#table,
          IndexName: failingLocations.indexName,
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.failingPartition(n) },
        }),
      ),
    );
    return [...new Set(shards.flat().map((item) => monitorIdOf(String(item.pk))))];
  }

  // ------------------------------------------------------------------ incidents: reads

  async getIncident(monitorId: string, incidentId: string): Promise<Incident | null> {
    const item = await this.#get(keys.incident(monitorId, incidentId));
    return item ? itemToIncident(item) : null;
  }

  async getOpenIncident(monitorId: string, issueType: IssueType): Promise<Incident | null> {
    const pointer = await this.#get(keys.openPointer(monitorId, issueType));
    return pointer ? this.#followPointer(pointer) : null;
  }

  async getOpenIncidents(monitorId: string): Promise<Incident[]> {
    const pointers = await this.#monitorItems(monitorId, 'OPEN#');
    const incidents = await Promise.all(pointers.map((p) => this.#followPointer(p)));
    return incidents.filter((i): i is Incident => i !== null);
  }

  /**
   * The pointer is written first and the record second (no transactions), so either may be missing
   * after a crash: a pointer without record re-creates the record from the copy it carries; a pointer
   * to a closed record is a leftover of an interrupted close and is removed.
   */
  async #followPointer(pointer: Record<string, unknown>): Promise<Incident | null> {
    const opening = pointer.incident as Incident;
    let record = await this.getIncident(opening.monitorId, opening.incidentId);
    if (!record) {
      await this.#putIncidentRecord(opening);
      record = await this.getIncident(opening.monitorId, opening.incidentId);
    }
    if (record && record.status === 'open') return record;
    await this.#deletePointer(opening.monitorId, opening.issueType, opening.incidentId);
    return null;
  }

  listOpenIncidents(request: PageRequest = {}): Promise<Page<Incident>> {
    return this.#listActive(request, true);
  }

  listActiveIncidents(request: PageRequest = {}): Promise<Page<Incident>> {
    return this.#listActive(request, false);
  }

  async #listActive(request: PageRequest, openOnly: boolean): Promise<Page<Incident>> {
    const limit = checkPageSize(request.limit);
    const cursorShape = cursorShapes.activeIncidents();
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: activeIncidents.indexName,
        KeyConditionExpression: 'gsi2pk = :pk',
        ...(openOnly
          ? {
              FilterExpression: '#status = :open',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pk': ACTIVE_INCIDENTS_PK, ':open': 'open' },
            }
          : { ExpressionAttributeValues: { ':pk': ACTIVE_INCIDENTS_PK } }),
        Limit: limit,
        ...(request.cursor ? { ExclusiveStartKey: decodeCursor(request.cursor, cursorShape) } : {}),
      }),
    );
    return page((out.Items ?? []).map(itemToIncident), out.LastEvaluatedKey);
  }

  // ------------------------------------------------------------------ incidents: conditional writes

  async openIncident(incident: Incident): Promise<OpenResult> {
    const opening = plain(incident);
    const pointed = await unlessConditionFails(
      this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...keys.openPointer(incident.monitorId, incident.issueType),
            entity: 'open-pointer',
            incidentId: incident.incidentId,
            incident: opening,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!pointed) {
      return { opened: false, existing: await this.getOpenIncident(incident.monitorId, incident.issueType) };
    }
    if (await this.#putIncidentRecord(opening)) return { opened: true };
    // The id belongs to an earlier incident (same monitor, type and opening second): not ours to reopen.
    const record = await this.getIncident(incident.monitorId, incident.incidentId);
    if (record?.status === 'open' && record.openedAt === incident.openedAt) return { opened: true };
    await this.#deletePointer(incident.monitorId, incident.issueType, incident.incidentId);
    return { opened: false, existing: null };
  }

  /** False when a record with this id exists already (a repair from the pointer, or an id reused). */
  async #putIncidentRecord(incident: Incident): Promise<boolean> {
    const put = await unlessConditionFails(
      this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...keys.incident(incident.monitorId, incident.incidentId),
            entity: 'incident',
            gsi2pk: ACTIVE_INCIDENTS_PK,
            gsi2sk: keys.activeIncidentSort(incident.openedAt, incident.monitorId, incident.incidentId),
            ...plain(incident),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return put !== undefined;
  }

  async #deletePointer(monitorId: string, issueType: IssueType, incidentId: string): Promise<void> {
    // Not deleted when already gone, or pointing at a newer incident now: not ours to delete.
    await unlessConditionFails(
      this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: keys.openPointer(monitorId, issueType),
          ConditionExpression: 'incidentId = :id',
          ExpressionAttributeValues: { ':id': incidentId },
        }),
      ),
    );
  }

  moveFirstSeen(monitorId: string, incidentId: string, firstSeen: string): Promise<boolean> {
    return this.#conditionalUpdate({
      Key: keys.incident(monitorId, incidentId),
      UpdateExpression: 'SET firstSeen = :firstSeen',
      ConditionExpression: '#status = :open AND firstSeen > :firstSeen',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open', ':firstSeen': firstSeen },
    });
  }

  markEscalated(
    monitorId: string,
    incidentId: string,
    notification: Notification,
    claimedAt: string,
  ): Promise<boolean> {
    return this.#conditionalUpdate({
      Key: keys.incident(monitorId, incidentId),
      UpdateExpression: 'SET escalatedAt = :at, outbox.escalate = :entry',
      ConditionExpression: '#status = :open AND attribute_not_exists(escalatedAt)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':open': 'open',
        ':at': notification.at,
        ':entry': { claimedAt, notification: plain(notification) },
      },
    });
  }

  async closeIncident(monitorId: string, incidentId: string, close: CloseRequest): Promise<boolean> {
    const set = ['#status = :status', 'closedAt = :at', 'closeReason = :reason'];
    const values: Record<string, unknown> = {
      ':open': 'open',
      ':status': close.status,
      ':at': close.at,
      ':reason': close.reason,
    };
    if (close.supersededBy) {
      set.push('supersededBy = :by');
      values[':by'] = close.supersededBy;
    }
    if (close.notification) {
      set.push('outbox.resolve = :entry');
      values[':entry'] = { claimedAt: close.at, notification: plain(close.notification) };
    }
    // Nothing owed (never escalated): it leaves the active index in the same write.
    const remove = !close.notification && !close.sawEscalated ? ' REMOVE gsi2pk, gsi2sk' : '';
    const out = await this.#update({
      Key: keys.incident(monitorId, incidentId),
      UpdateExpression: `SET ${set.join(', ')}${remove}`,
      ConditionExpression: `#status = :open AND ${close.sawEscalated ? 'attribute_exists' : 'attribute_not_exists'}(escalatedAt)`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    });
    if (!out) return false;
    const closed = itemToIncident(out.Attributes ?? {});
    await this.#deletePointer(monitorId, closed.issueType, incidentId);
    return true;
  }

  claimDelivery(
    monitorId: string,
    incidentId: string,
    kind: NotificationKind,
    seenClaimedAt: string,
    claimedAt: string,
  ): Promise<boolean> {
    return this.#conditionalUpdate({
      Key: keys.incident(monitorId, incidentId),
      UpdateExpression: 'SET outbox.#kind.claimedAt = :claimedAt',
      ConditionExpression: 'outbox.#kind.claimedAt = :seen',
      ExpressionAttributeNames: { '#kind': kind },
      ExpressionAttributeValues: { ':seen': seenClaimedAt, ':claimedAt': claimedAt },
    });
  }

  async markDelivered(
    monitorId: string,
    incidentId: string,
    kind: NotificationKind,
    deliveredAt: string,
  ): Promise<void> {
    const key = keys.incident(monitorId, incidentId);
    const out = await this.#update({
      Key: key,
      UpdateExpression: 'REMOVE outbox.#kind SET delivered.#kind = :at',
      ConditionExpression: 'attribute_exists(outbox.#kind)',
      ExpressionAttributeNames: { '#kind': kind },
      ExpressionAttributeValues: { ':at': deliveredAt },
      ReturnValues: 'ALL_NEW',
    });
    if (!out) return;
    const after = itemToIncident(out.Attributes ?? {});
    if (after.status === 'open' || Object.keys(after.outbox ?? {}).length > 0) return;
    await this.#conditionalUpdate({
      Key: key,
      UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
      ConditionExpression:
        '#status <> :open AND attribute_not_exists(outbox.escalate) AND attribute_not_exists(outbox.resolve)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':open': 'open' },
    });
  }

  // ------------------------------------------------------------------ a sick probe region (dynamodb-vantage.ts)

  recordRunReport(report: RunReport, options: WriteOptions = {}): Promise<void> {
    return this.#vantage.record(report, options.signal);
  }

  readRunFailures(run: string): Promise<Map<string, LocationFailures>> {
    return this.#vantage.failures(run);
  }

  readRunHealthy(run: string): Promise<Map<string, Set<string>>> {
    return this.#vantage.healthy(run);
  }

  getVantageState(): Promise<VantageState | null> {
    return this.#vantage.state();
  }

  advanceVantage(
    seenDecidedUpTo: string | null,
    next: Pick<VantageState, 'decidedUpTo' | 'impaired'>,
    notices: readonly VantageNotice[],
    claimedAt: string,
  ): Promise<boolean> {
    return this.#vantage.advance(seenDecidedUpTo, next, notices, claimedAt);
  }

  decideRun(decision: RunDecision): Promise<RunDecision> {
    return this.#vantage.decide(decision);
  }

  listImpairedRuns(from: string, to: string): Promise<Map<string, string[]>> {
    return this.#vantage.impairedRuns(from, to);
  }

  claimNotice(dedupKey: string, seenClaimedAt: string, claimedAt: string): Promise<boolean> {
    return this.#vantage.claim(dedupKey, seenClaimedAt, claimedAt);
  }

  markNoticeDelivered(dedupKey: string): Promise<void> {
    return this.#vantage.delivered(dedupKey);
  }

  // ------------------------------------------------------------------ silences

  /** The item expires (table TTL) a day after the silence ends; listSilences filters on `to` meanwhile. */
  async putSilence(silence: Silence): Promise<void> {
    const expiresAt = Math.floor(Date.parse(silence.to) / 1000) + 86_400;
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...keys.silence(silence.id), entity: 'silence', silence: plain(silence), expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listSilences(now: Date): Promise<Silence[]> {
    const items = await this.#queryAll({
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': SILENCES_PK },
      ConsistentRead: true,
    });
    return items
      .map((item) => item.silence as Silence)
      .filter((s) => Date.parse(s.to) > now.getTime())
      .sort(bySilenceStart);
  }

  async deleteSilence(id: string): Promise<boolean> {
    const deleted = await unlessConditionFails(
      this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: keys.silence(id),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
    return deleted !== undefined;
  }

  // ------------------------------------------------------------------ helpers

  /** A conditional update: its output, or undefined when its condition failed. */
  #update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateCommandOutput | undefined> {
    return unlessConditionFails(this.#db.send(new UpdateCommand({ TableName: this.#table, ...input })));
  }

  async #conditionalUpdate(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return (await this.#update(input)) !== undefined;
  }

  async #get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** A monitor's small collections: its LATEST# items (one per location) or its OPEN# pointers. */
  #monitorItems(monitorId: string, prefix: 'LATEST#' | 'OPEN#'): Promise<Record<string, unknown>[]> {
    return this.#queryAll({
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.monitor(monitorId), ':prefix': prefix },
      ConsistentRead: true,
    });
  }

  /** For the small collections (a monitor's locations or open pointers, failing locations, silences). */
  #queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    return queryAll(this.#db, input);
  }
}

function page<T>(items: T[], lastKey: Record<string, unknown> | undefined): Page<T> {
  return lastKey ? { items, cursor: encodeCursor(lastKey) } : { items };
}

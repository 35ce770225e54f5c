/**
 * The DynamoDB store's part for a sick probe region (keys: table-design.ts; rules: docs/escalation.md,
 * "A sick probe region"). Per run, one partition `RUN#<run>` holds each location's reports as two
 * items (F#: count and failing monitors; H#: healthy monitors), so a decision reads the small F#
 * items and the H# ones only when a location may be impaired. The state and the runs' decisions
 * share the `VANTAGE` partition; every write that decides something is a conditional single-item write.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LocationFailures, RunReport } from '../domain/vantage.ts';
import type { VantageNotice } from '../ports/notifier.ts';
import type { RunDecision, VantageState } from '../ports/store.ts';
import { plain, queryAll, unlessConditionFails } from './dynamodb-common.ts';
import { keys } from './table-design.ts';

/** Reports are read until their run is decided (a minute and a half); a day is plenty. */
const REPORT_TTL_SECONDS = 86_400;

export interface DynamoVantageOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Decisions live as long as findings: an evaluation's lookback reads them. */
  decisionTtlSeconds: number;
}

export class DynamoVantage {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #decisionTtl: number;

  constructor(options: DynamoVantageOptions) {
    this.#db = options.client;
    this.#table = options.tableName;
    this.#decisionTtl = options.decisionTtlSeconds;
  }

  /** Both items conditional on `at`, so an older copy of the report never replaces a newer one. */
  async record(report: RunReport, signal?: AbortSignal): Promise<void> {
    const expiresAt = Math.floor(Date.parse(report.run) / 1000) + REPORT_TTL_SECONDS;
    const common = { location: report.location, at: report.at, expiresAt };
    const put = (key: { pk: string; sk: string }, item: Record<string, unknown>) =>
      unlessConditionFails(
        this.#db.send(
          new PutCommand({
            TableName: this.#table,
            Item: { ...key, ...common, ...item },
            ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at',
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':at': report.at },
          }),
          signal ? { abortSignal: signal } : {},
        ),
      );
    await Promise.all([
      put(keys.runFailures(report.run, report.location, report.key), {
        entity: 'run-failures',
        reported: report.failing.length + report.healthy.length,
        failing: report.failing,
      }),
      put(keys.runHealthy(report.run, report.location, report.key), {
        entity: 'run-healthy',
        healthy: report.healthy,
      }),
    ]);
  }

  async failures(run: string): Promise<Map<string, LocationFailures>> {
    const out = new Map<string, { reported: number; failing: Set<string> }>();
    for (const item of await this.#runItems(run, 'F#')) {
      const location = String(item.location);
      const totals = out.get(location) ?? { reported: 0, failing: new Set<string>() };
      totals.reported += Number(item.reported);
      for (const id of item.failing as string[]) totals.failing.add(id);
      out.set(location, totals);
    }
    return out;
  }

  async healthy(run: string): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const item of await this.#runItems(run, 'H#')) {
      const location = String(item.location);
      const ids = out.get(location) ?? new Set<string>();
      for (const id of item.healthy as string[]) ids.add(id);
      out.set(location, ids);
    }
    return out;
  }

  async state(): Promise<VantageState | null> {
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: keys.vantageState(), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    const { decidedUpTo, impaired, outbox } = out.Item as VantageState;
    return { decidedUpTo, impaired, outbox };
  }

  async advance(
    seenDecidedUpTo: string | null,
    next: Pick<VantageState, 'decidedUpTo' | 'impaired'>,
    notices: readonly VantageNotice[],
    claimedAt: string,
  ): Promise<boolean> {
    const entry = (notice: VantageNotice) => ({ claimedAt, notice: plain(notice) });
    if (seenDecidedUpTo === null) {
      const created = await unlessConditionFails(
        this.#db.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              ...keys.vantageState(),
              entity: 'vantage',
              decidedUpTo: next.decidedUpTo,
              impaired: next.impaired,
              outbox: Object.fromEntries(notices.map((n) => [n.dedupKey, entry(n)])),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return created !== undefined;
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':seen': seenDecidedUpTo,
      ':to': next.decidedUpTo,
      ':impaired': next.impaired,
    };
    const set = ['decidedUpTo = :to', 'impaired = :impaired'];
    notices.forEach((notice, n) => {
      names[`#k${n}`] = notice.dedupKey;
      values[`:e${n}`] = entry(notice);
      set.push(`outbox.#k${n} = :e${n}`);
    });
    const moved = await unlessConditionFails(
      this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.vantageState(),
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'decidedUpTo = :seen',
          ...(notices.length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return moved !== undefined;
  }

  /** The first decision of a run stands: a second decider adopts it instead of writing its own. */
  async decide(decision: RunDecision): Promise<RunDecision> {
    const key = keys.runDecision(decision.run);
    const written = await unlessConditionFails(
      this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...key,
            entity: 'run-decision',
            ...plain(decision),
            expiresAt: Math.floor(Date.parse(decision.run) / 1000) + this.#decisionTtl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (written !== undefined) return decision;
    const out = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    const { run, reported, impaired } = (out.Item ?? decision) as RunDecision;
    return { run, reported, impaired };
  }

  async impairedRuns(from: string, to: string): Promise<Map<string, string[]>> {
    const from_ = keys.runDecision(from).sk;
    const to_ = keys.runDecision(to).sk;
    if (to_ < from_) return new Map();
    const items = await queryAll(this.#db, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.vantageState().pk, ':from': from_, ':to': to_ },
      ConsistentRead: true,
    });
    return new Map(
      items
        .filter((item) => (item.impaired as string[]).length > 0)
        .map((item) => [String(item.run), item.impaired as string[]]),
    );
  }

  async claim(dedupKey: string, seenClaimedAt: string, claimedAt: string): Promise<boolean> {
    const claimed = await unlessConditionFails(
      this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.vantageState(),
          UpdateExpression: 'SET outbox.#k.claimedAt = :claimedAt',
          ConditionExpression: 'outbox.#k.claimedAt = :seen',
          ExpressionAttributeNames: { '#k': dedupKey },
          ExpressionAttributeValues: { ':seen': seenClaimedAt, ':claimedAt': claimedAt },
        }),
      ),
    );
    return claimed !== undefined;
  }

  async delivered(dedupKey: string): Promise<void> {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: keys.vantageState(),
        UpdateExpression: 'REMOVE outbox.#k',
        ExpressionAttributeNames: { '#k': dedupKey },
      }),
    );
  }

  #runItems(run: string, prefix: 'F#' | 'H#'): Promise<Record<string, unknown>[]> {
    return queryAll(this.#db, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.run(run), ':prefix': prefix },
      ConsistentRead: true,
    });
  }
}

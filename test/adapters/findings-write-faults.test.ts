/**
 * putFindings under the write faults DynamoDB really produces, injected on the wire by a proxy in front
 * of dynalite (test/fixtures/dynamo-faults.ts): every finding is either in the table with its latest
 * status, or handed back in FindingsNotStoredError.unwritten, never silently lost; a location's latest
 * status never points at a finding the table does not hold; and the caller's signal bounds the time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DynamoDbStore } from '../../shared/adapters/dynamodb-store.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { FindingsNotStoredError } from '../../shared/ports/store.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import {
  dynamoFault,
  type FaultRule,
  type FaultyDynamo,
  startFaultyDynamo,
} from '../fixtures/dynamo-faults.ts';
import { FINDING_AT, tcpDownFinding } from '../fixtures/findings.ts';

const dynalite = useDynalite('write-faults');

let faulty: FaultyDynamo | undefined;
afterEach(async () => {
  await faulty?.close();
  faulty = undefined;
});

/** `n` findings of `monitors` monitors in 2 locations, one per minute each. */
function findings(n: number): Finding[] {
  const at = Date.parse(FINDING_AT);
  return Array.from({ length: n }, (_, i) =>
    tcpDownFinding({
      monitorId: `m-${i % 5}`,
      location: i % 2 ? 'eu-west-1' : 'us-east-1',
      startedAt: new Date(at + i * 60_000).toISOString(),
    }),
  );
}

async function setup(rule: FaultRule): Promise<{ store: DynamoDbStore; plain: DynamoDbStore }> {
  const table = await dynalite.freshTable();
  faulty = await startFaultyDynamo(dynalite.local.endpoint, rule);
  return { store: faulty.storeOn(table), plain: dynalite.storeOn(table) };
}

/** Every finding in the table, and every latest status, of the monitors of `produced`. */
async function inTable(plain: DynamoDbStore, produced: readonly Finding[]) {
  const monitors = [...new Set(produced.map((f) => f.monitorId))];
  const stored: Finding[] = [];
  const latest: Finding[] = [];
  for (const m of monitors) {
    stored.push(...(await plain.queryFindings(m, { limit: 1000 })).items);
    latest.push(...(await plain.latestStatus(m)));
  }
  return { stored, latest };
}

const keyOf = (f: Finding) => `${f.monitorId}|${f.location}|${f.startedAt}`;

/** Each location's latest status is a stored finding, and the newest stored one of its location. */
function expectConsistent(stored: readonly Finding[], latest: readonly Finding[]) {
  const storedKeys = new Set(stored.map(keyOf));
  for (const l of latest) {
    expect(storedKeys.has(keyOf(l))).toBe(true);
    const newest = stored
      .filter((f) => f.monitorId === l.monitorId && f.location === l.location)
      .map((f) => f.startedAt)
      .sort()
      .at(-1);
    expect(l.startedAt).toBe(newest);
  }
}

describe('putFindings under write faults', () => {
  it('UnprocessedItems on every attempt: all 30 handed back, none stored, no latest status, within the signal', async () => {
    const { store, plain } = await setup((call) =>
      call.operation === 'BatchWriteItem' ? dynamoFault.nothingProcessed(call) : 'forward',
    );
    const produced = findings(30);
    const started = performance.now();
    const error = await store
      .putFindings(produced, { signal: AbortSignal.timeout(1_000) })
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(FindingsNotStoredError);
    const { unwritten, message } = error as FindingsNotStoredError;
    expect(unwritten.map(keyOf).sort()).toEqual(produced.map(keyOf).sort());
    expect(message).toMatch(/^30 of 30 findings not stored: /);
    const { stored, latest } = await inTable(plain, produced);
    expect(stored.length + unwritten.length).toBe(produced.length);
    expect(latest).toEqual([]);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('the second BatchWrite throwing (throttled on every attempt): 25 stored with their latest status, the other 5 handed back', async () => {
    const { store, plain } = await setup((call) =>
      call.operation === 'BatchWriteItem' &&
      JSON.stringify(call.body).includes(
        `"startedAt":{"S":"${new Date(Date.parse(FINDING_AT) + 25 * 60_000).toISOString()}"}`,
      )
        ? dynamoFault.throttled()
        : 'forward',
    );
    const produced = findings(30);
    const error = (await store.putFindings(produced).catch((e: unknown) => e)) as FindingsNotStoredError;

    expect(error).toBeInstanceOf(FindingsNotStoredError);
    expect(error.unwritten.map(keyOf).sort()).toEqual(produced.slice(25).map(keyOf).sort());
    expect(error.message).toContain('5 of 30 findings not stored: ');
    const { stored, latest } = await inTable(plain, produced);
    expect(stored.map(keyOf).sort()).toEqual(produced.slice(0, 25).map(keyOf).sort());
    // Latest status for every location of the stored findings, pointing at stored findings only.
    expect(latest).toHaveLength(10);
    expectConsistent(stored, latest);
  });

  it('the latest-status writes throttled: the findings are stored, the newest per location handed back; writing them again completes it', async () => {
    const { store, plain } = await setup((call) =>
      call.operation === 'PutItem' ? dynamoFault.throttled() : 'forward',
    );
    const produced = findings(12);
    const error = (await store.putFindings(produced).catch((e: unknown) => e)) as FindingsNotStoredError;

    expect(error).toBeInstanceOf(FindingsNotStoredError);
    const before = await inTable(plain, produced);
    expect(before.stored).toHaveLength(12);
    expect(before.latest).toEqual([]);
    expect(error.unwritten).toHaveLength(10);

    await plain.putFindings(error.unwritten);
    const after = await inTable(plain, produced);
    expect(after.stored).toHaveLength(12);
    expect(after.latest).toHaveLength(10);
    expectConsistent(after.stored, after.latest);
  });

  it('a signal already spent writes nothing and hands everything back at once', async () => {
    const { store, plain } = await setup(() => 'forward');
    const produced = findings(3);
    const error = (await store
      .putFindings(produced, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e)) as FindingsNotStoredError;
    expect(error.unwritten).toHaveLength(3);
    expect((await inTable(plain, produced)).stored).toEqual([]);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore, itemToFinding } from '../../shared/adapters/dynamodb-store.ts';
import { startLocalDynamo } from '../../shared/adapters/local-dynamo.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { encodeCursor } from '../../shared/adapters/store-common.ts';
import { keys, TABLE_DESIGN } from '../../shared/adapters/table-design.ts';
import { EscalationEngine } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { readNdjsonFindings } from '../../shared/domain/findings-input.ts';
import type { Incident } from '../../shared/domain/incident.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import type { Notification } from '../../shared/ports/notifier.ts';
import {
  type FindingsNotStoredError,
  InvalidCursorError,
  type Page,
  type Store,
} from '../../shared/ports/store.ts';
import { useDynalite } from '../fixtures/dynalite.ts';

const dynalite = useDynalite('netprobe-test');

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const MIN = 60_000;

function finding(monitorId: string, location: string, minute: number, down = false): Finding {
  return {
    monitorId,
    location,
    startedAt: new Date(T0 + minute * MIN + 250).toISOString(),
    probe: 'tcp',
    target: 'tcp://db.example.com:5432',
    status: down ? 'down' : 'up',
    timings: down ? { dns: 4.1, connect: 3000.2, total: 3004.5 } : { dns: 4.1, connect: 11.7, total: 15.9 },
    error: down
      ? { code: 'TCP_TIMEOUT', message: 'no TCP handshake with 192.0.2.30:5432 within 3000 ms' }
      : null,
    layer: down ? 'transport' : null,
    details: {
      kind: 'tcp',
      host: 'db.example.com',
      port: 5432,
      addresses: ['192.0.2.30'],
      attempts: [{ address: '192.0.2.30', family: 4, port: 5432, ...(down ? {} : { connectMs: 11.7 }) }],
    },
    issueType: down ? 'tcp' : null,
    diagnosis: down ? 'Transport: 192.0.2.30:5432 accepts no connections (timeout).' : null,
  };
}

function incident(monitorId: string, issueType: Incident['issueType'], openedMinute: number): Incident {
  const openedAt = new Date(T0 + openedMinute * MIN).toISOString();
  return {
    incidentId: `${openedAt}-${issueType}`,
    monitorId,
    issueType,
    rule: DEFAULT_ESCALATION_TABLE[issueType],
    status: 'open',
    firstSeen: new Date(T0 + (openedMinute - 1) * MIN).toISOString(),
    openedAt,
    failing: ['eu-west-1', 'us-east-1'],
    healthy: [],
    errorCodes: ['TCP_TIMEOUT'],
    diagnosis: 'Transport: 192.0.2.30:5432 accepts no connections (timeout).',
    outbox: {},
    delivered: {},
  };
}

function notification(i: Incident, kind: Notification['kind'], minute: number): Notification {
  return {
    kind,
    at: new Date(T0 + minute * MIN).toISOString(),
    team: i.rule.team,
    issueType: i.issueType,
    scope: 'global',
    impact: i.rule.impact,
    severity: i.rule.severity,
    monitorId: i.monitorId,
    incidentId: i.incidentId,
    locations: { failing: i.failing, healthy: i.healthy },
    firstSeen: i.firstSeen,
    errorCodes: i.errorCodes,
    diagnosis: i.diagnosis,
    subject: `[${i.rule.severity}] ${i.monitorId}: ${i.issueType} failure`,
    ...(kind === 'resolve' ? { reason: 'recovered' as const } : {}),
  };
}

async function readAll<T>(
  read: (cursor?: string) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read(cursor);
    pages++;
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && pages < 50);
  return { items, pages };
}

// ---------------------------------------------------------------- one contract, two stores

describe.each<[string, () => Promise<Store>]>([
  ['MemoryStore', async () => new MemoryStore()],
  ['DynamoDbStore on dynalite', dynalite.freshStore],
])('Store contract: %s', (_name, makeStore) => {
  let store: Store;
  beforeEach(async () => {
    store = await makeStore();
  });

  it('writes findings idempotently on (monitorId, location, startedAt)', async () => {
    const f = finding('db', 'eu-west-1', 0, true);
    await store.putFindings([f, f]);
    await store.putFindings([{ ...f, startedAt: f.startedAt.replace('.250Z', '.25Z') }]);
    expect((await store.queryFindings('db')).items).toEqual([f]);
  });

  it('lets the later of two findings with one key win, in the findings and the latest status alike', async () => {
    const up = finding('db', 'eu-west-1', 0);
    const down = finding('db', 'eu-west-1', 0, true);
    await store.putFindings([up, down]);
    expect((await store.queryFindings('db')).items).toEqual([down]);
    expect(await store.latestStatus('db')).toEqual([down]);
  });

  it('writes nothing of a batch with a startedAt that is not a timestamp', async () => {
    const bad = { ...finding('db', 'us-east-1', 1), startedAt: 'yesterday' };
    await expect(store.putFindings([finding('db', 'eu-west-1', 0), bad])).rejects.toThrow(
      'startedAt: not a timestamp: "yesterday"',
    );
    expect((await store.queryFindings('db')).items).toEqual([]);
    expect(await store.latestStatus('db')).toEqual([]);
  });

  it('queries by location and time range, [from, to), newest first unless asked', async () => {
    const all: Finding[] = [];
    for (let m = 0; m < 10; m++)
      for (const loc of ['eu-west-1', 'us-east-1']) all.push(finding('db', loc, m));
    all.push(finding('other', 'eu-west-1', 5));
    await store.putFindings(all);

    const from = new Date(T0 + 3 * MIN);
    const to = new Date(T0 + 6 * MIN + 250); // exclusive: minute 6 starts exactly here
    const range = await store.queryFindings('db', { location: 'us-east-1', from, to });
    expect(range.items.map((f) => f.startedAt)).toEqual(
      [5, 4, 3].map((m) => new Date(T0 + m * MIN + 250).toISOString()),
    );
    expect(range.items.every((f) => f.location === 'us-east-1')).toBe(true);

    const both = await store.queryFindings('db', { from, to, order: 'asc' });
    expect(both.items.map((f) => `${f.startedAt.slice(14, 16)}:${f.location}`)).toEqual([
      '03:eu-west-1',
      '03:us-east-1',
      '04:eu-west-1',
      '04:us-east-1',
      '05:eu-west-1',
      '05:us-east-1',
    ]);
    expect(
      (await store.queryFindings('db', { location: 'eu-west-1', from: new Date(T0 + 8 * MIN) })).items,
    ).toHaveLength(2);
    expect(
      (await store.queryFindings('db', { location: 'eu-west-1', to: new Date(T0 + MIN) })).items,
    ).toHaveLength(1);
    expect((await store.queryFindings('db', { from: to, to: from })).items).toEqual([]);
    expect((await store.queryFindings('nobody')).items).toEqual([]);
  });

  it('paginates across pages with opaque cursors, in order, without gaps or repeats', async () => {
    const all: Finding[] = [];
    for (let m = 0; m < 30; m++) all.push(finding('db', m % 2 ? 'eu-west-1' : 'us-east-1', m));
    await store.putFindings(all);
    const byTime = await readAll((cursor) => store.queryFindings('db', { limit: 7, order: 'asc', cursor }));
    expect(byTime.items.map((f) => f.startedAt)).toEqual(all.map((f) => f.startedAt));
    expect(byTime.pages).toBeGreaterThanOrEqual(5);
    const oneRegion = await readAll((cursor) =>
      store.queryFindings('db', { location: 'eu-west-1', limit: 4, cursor }),
    );
    expect(oneRegion.items.map((f) => f.startedAt)).toEqual(
      all
        .filter((f) => f.location === 'eu-west-1')
        .map((f) => f.startedAt)
        .reverse(),
    );
  });

  it('rejects cursors that were tampered with or belong to another query', async () => {
    await store.putFindings([0, 1, 2].map((m) => finding('db', 'eu-west-1', m)));
    const { cursor } = await store.queryFindings('db', { limit: 1 });
    expect(cursor).toBeTruthy();
    await expect(store.queryFindings('other', { cursor })).rejects.toThrow(InvalidCursorError);
    await expect(store.queryFindings('db', { location: 'eu-west-1', cursor })).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(store.queryFindings('db', { cursor: 'not a cursor!' })).rejects.toThrow(
      /not a cursor returned by this API/,
    );
    const forged = encodeCursor({
      ...keys.finding('db', 'eu-west-1', new Date(T0).toISOString()),
      extra: 'x',
    });
    await expect(store.queryFindings('db', { cursor: forged })).rejects.toThrow(
      /does not belong to this query/,
    );
    await expect(store.queryFindings('db', { limit: 0 })).rejects.toThrow(
      /limit: expected an integer from 1 to 1000, got 0/,
    );
  });

  it('keeps the latest status per location, never moving backwards', async () => {
    await store.putFindings([finding('db', 'eu-west-1', 5, true), finding('db', 'us-east-1', 2)]);
    await store.putFindings([finding('db', 'eu-west-1', 3), finding('db', 'us-east-1', 4, true)]);
    const latest = await store.latestStatus('db');
    expect(latest.map((f) => `${f.location}:${f.startedAt.slice(14, 16)}:${f.status}`)).toEqual([
      'eu-west-1:05:down',
      'us-east-1:04:down',
    ]);
  });

  it('lists the monitors failing somewhere by their latest status, each once, following it both ways', async () => {
    const slow = (f: Finding): Finding => ({
      ...f,
      status: 'degraded',
      error: { code: 'LATENCY_HIGH', message: 'connect 900 ms over 500 ms' },
    });
    const expiring = (f: Finding): Finding => ({
      ...f,
      status: 'degraded',
      error: { code: 'TLS_CERT_EXPIRING', message: '12 days left' },
    });
    await store.putFindings([
      finding('db', 'eu-west-1', 5, true),
      finding('db', 'us-east-1', 5, true),
      slow(finding('search', 'eu-west-1', 5)),
      expiring(finding('mail', 'eu-west-1', 5)),
      finding('www', 'eu-west-1', 5),
      finding('https://a.example/#x', 'eu-west-1', 5, true),
    ]);
    expect((await store.listFailingMonitors()).sort()).toEqual(['db', 'https://a.example/#x', 'search']);
    // A late failing finding does not move the latest status back; a newer pass takes the location
    // out, and a monitor leaves once no location fails.
    await store.putFindings([
      finding('www', 'eu-west-1', 4, true),
      finding('db', 'eu-west-1', 6),
      finding('search', 'eu-west-1', 6),
      finding('https://a.example/#x', 'eu-west-1', 6),
    ]);
    expect(await store.listFailingMonitors()).toEqual(['db']);
    await store.putFindings([finding('db', 'us-east-1', 6)]);
    expect(await store.listFailingMonitors()).toEqual([]);
  });

  it('opens at most one incident per monitor and issue type', async () => {
    const first = incident('db', 'tcp', 1);
    expect(await store.openIncident(first)).toEqual({ opened: true });
    expect(await store.openIncident(incident('db', 'tcp', 2))).toEqual({ opened: false, existing: first });
    expect(await store.openIncident(incident('db', 'dns', 2))).toEqual({ opened: true });
    expect(await store.getOpenIncident('db', 'tcp')).toEqual(first);
    expect((await store.getOpenIncidents('db')).map((i) => i.issueType).sort()).toEqual(['dns', 'tcp']);
    expect(await store.getOpenIncidents('other')).toEqual([]);
  });

  it('never reopens a closed incident under its old id', async () => {
    const i = incident('db', 'tcp', 1);
    await store.openIncident(i);
    const close = {
      status: 'resolved' as const,
      reason: 'recovered' as const,
      at: i.openedAt,
      sawEscalated: false,
    };
    await store.closeIncident('db', i.incidentId, { ...close, notification: null });
    expect(await store.openIncident({ ...i, firstSeen: i.openedAt })).toEqual({
      opened: false,
      existing: null,
    });
    expect(await store.getOpenIncident('db', 'tcp')).toBeNull();
    expect((await store.getIncident('db', i.incidentId))?.status).toBe('resolved');
  });

  it('escalates once, moves firstSeen only earlier, closes once, then frees the slot', async () => {
    const i = incident('db', 'tcp', 1);
    await store.openIncident(i);
    expect(await store.moveFirstSeen('db', i.incidentId, new Date(T0 - 5 * MIN).toISOString())).toBe(true);
    expect(await store.moveFirstSeen('db', i.incidentId, new Date(T0 - 2 * MIN).toISOString())).toBe(false);
    const page = notification(i, 'escalate', 16);
    expect(await store.markEscalated('db', i.incidentId, page, page.at)).toBe(true);
    expect(await store.markEscalated('db', i.incidentId, page, page.at)).toBe(false);
    expect(await store.markEscalated('db', 'no-such-incident', page, page.at)).toBe(false);

    const close = {
      status: 'resolved' as const,
      reason: 'recovered' as const,
      at: new Date(T0 + 20 * MIN).toISOString(),
      notification: notification(i, 'resolve', 20),
    };
    // The caller must have seen the escalation, or it would not owe the resolve.
    expect(await store.closeIncident('db', i.incidentId, { ...close, sawEscalated: false })).toBe(false);
    expect(await store.closeIncident('db', i.incidentId, { ...close, sawEscalated: true })).toBe(true);
    expect(await store.closeIncident('db', i.incidentId, { ...close, sawEscalated: true })).toBe(false);
    expect(await store.moveFirstSeen('db', i.incidentId, new Date(T0 - 9 * MIN).toISOString())).toBe(false);

    const closed = await store.getIncident('db', i.incidentId);
    expect(closed).toMatchObject({
      status: 'resolved',
      closeReason: 'recovered',
      firstSeen: new Date(T0 - 5 * MIN).toISOString(),
      escalatedAt: page.at,
      outbox: {
        escalate: { claimedAt: page.at, notification: page },
        resolve: { notification: close.notification },
      },
    });
    expect(await store.getOpenIncident('db', 'tcp')).toBeNull();
    expect(await store.openIncident(incident('db', 'tcp', 30))).toEqual({ opened: true });
  });

  it('lists open incidents, and keeps a closed one active until its notifications are delivered', async () => {
    const opened = [
      incident('a', 'dns', 1),
      incident('b', 'tcp', 2),
      incident('c', 'cdn', 3),
      incident('d', 'connectivity', 4),
    ];
    for (const i of opened) await store.openIncident(i);
    const [a, b] = opened as [Incident, Incident];
    const page = notification(a, 'escalate', 12);
    await store.markEscalated('a', a.incidentId, page, page.at);
    const resolve = notification(a, 'resolve', 15);
    const closeA = {
      status: 'resolved' as const,
      reason: 'recovered' as const,
      at: resolve.at,
      sawEscalated: true,
    };
    await store.closeIncident('a', a.incidentId, { ...closeA, notification: resolve });
    // Never escalated: nothing owed, it leaves the index in the same write.
    await store.closeIncident('b', b.incidentId, { ...closeA, sawEscalated: false, notification: null });

    const open = await readAll((cursor) => store.listOpenIncidents({ limit: 1, cursor }));
    expect(open.items.map((i) => i.monitorId)).toEqual(['c', 'd']);
    const active = await readAll((cursor) => store.listActiveIncidents({ limit: 2, cursor }));
    expect(active.items.map((i) => i.monitorId)).toEqual(['a', 'c', 'd']);

    // Delivery claims are conditional on the claim the caller read.
    expect(await store.claimDelivery('a', a.incidentId, 'resolve', 'stale', resolve.at)).toBe(false);
    expect(
      await store.claimDelivery('a', a.incidentId, 'resolve', resolve.at, '2026-11-24T12:16:00.000Z'),
    ).toBe(true);
    await store.markDelivered('a', a.incidentId, 'escalate', '2026-11-24T12:16:01.000Z');
    expect((await store.listActiveIncidents()).items.map((i) => i.monitorId)).toEqual(['a', 'c', 'd']);
    await store.markDelivered('a', a.incidentId, 'resolve', '2026-11-24T12:16:02.000Z');
    await store.markDelivered('a', a.incidentId, 'resolve', '2026-11-24T12:16:03.000Z'); // idempotent
    expect((await store.listActiveIncidents()).items.map((i) => i.monitorId)).toEqual(['c', 'd']);
    expect(await store.getIncident('a', a.incidentId)).toMatchObject({
      outbox: {},
      delivered: { escalate: '2026-11-24T12:16:01.000Z', resolve: '2026-11-24T12:16:02.000Z' },
    });
  });

  it('adds up the run reports of a location, replaces one on a retry of its key, and ignores an older copy', async () => {
    const run = '2026-11-24T12:00:00.000Z';
    const report = (location: string, key: string, at: number, failing: string[], healthy: string[]) => ({
      run,
      location,
      key,
      at: Date.parse(run) + at,
      failing,
      healthy,
    });
    await store.recordRunReport(report('eu-west-1', 'shard-0', 100, ['a'], ['b', 'c']));
    await store.recordRunReport(report('eu-west-1', 'shard-1', 200, ['d'], []));
    await store.recordRunReport(report('us-east-1', 'shard-0', 300, [], ['a', 'd']));
    // The retry of shard-1 (a later copy) replaces it; an older copy of shard-0 changes nothing.
    await store.recordRunReport(report('eu-west-1', 'shard-1', 250, [], ['d']));
    await store.recordRunReport(report('eu-west-1', 'shard-0', 50, ['a', 'b', 'c'], []));
    expect(await store.readRunFailures(run)).toEqual(
      new Map([
        ['eu-west-1', { reported: 4, failing: new Set(['a']) }],
        ['us-east-1', { reported: 2, failing: new Set() }],
      ]),
    );
    expect(await store.readRunHealthy(run)).toEqual(
      new Map([
        ['eu-west-1', new Set(['b', 'c', 'd'])],
        ['us-east-1', new Set(['a', 'd'])],
      ]),
    );
    expect(await store.readRunFailures('2026-11-24T12:01:00.000Z')).toEqual(new Map());
  });

  it('moves the vantage state only from the state the caller read, with its notices in the outbox', async () => {
    const notice = {
      kind: 'impaired' as const,
      at: '2026-11-24T12:03:00.000Z',
      team: 'infrastructure-team',
      location: 'eu-west-1',
      since: '2026-11-24T12:01:00.000Z',
      dedupKey: 'eu-west-1:impaired:2026-11-24T12:01:00.000Z',
      subject: '[impaired] probe region eu-west-1: its failures are not paged',
    };
    expect(await store.getVantageState()).toBeNull();
    const start = { decidedUpTo: '2026-11-24T12:00:00.000Z', impaired: {} };
    expect(await store.advanceVantage(null, start, [], notice.at)).toBe(true);
    // A second escalator starting at the same moment loses: one state.
    expect(await store.advanceVantage(null, start, [], notice.at)).toBe(false);
    const next = { decidedUpTo: '2026-11-24T12:01:00.000Z', impaired: { 'eu-west-1': notice.since } };
    const moves = await Promise.all(
      [0, 1, 2].map(() => store.advanceVantage(start.decidedUpTo, next, [notice], notice.at)),
    );
    expect(moves.filter(Boolean)).toHaveLength(1);
    expect(await store.getVantageState()).toEqual({
      ...next,
      outbox: { [notice.dedupKey]: { claimedAt: notice.at, notice } },
    });
    // A claim is taken over only from the claim the caller read.
    expect(
      await store.claimNotice(notice.dedupKey, '2026-11-24T11:00:00.000Z', '2026-11-24T12:05:00.000Z'),
    ).toBe(false);
    expect(await store.claimNotice(notice.dedupKey, notice.at, '2026-11-24T12:05:00.000Z')).toBe(true);
    expect((await store.getVantageState())?.outbox[notice.dedupKey]?.claimedAt).toBe(
      '2026-11-24T12:05:00.000Z',
    );
    await store.markNoticeDelivered(notice.dedupKey);
    await store.markNoticeDelivered(notice.dedupKey);
    expect((await store.getVantageState())?.outbox).toEqual({});
    expect(
      await store.claimNotice(notice.dedupKey, '2026-11-24T12:05:00.000Z', '2026-11-24T12:06:00.000Z'),
    ).toBe(false);
  });

  it("keeps a run's first decision and lists the decided runs with impaired locations in a range", async () => {
    const run = (m: number) => new Date(T0 + m * MIN).toISOString();
    expect(await store.decideRun({ run: run(1), reported: true, impaired: ['eu-west-1'] })).toEqual({
      run: run(1),
      reported: true,
      impaired: ['eu-west-1'],
    });
    // A second decider with another view of the run adopts the first decision.
    expect(await store.decideRun({ run: run(1), reported: true, impaired: [] })).toEqual({
      run: run(1),
      reported: true,
      impaired: ['eu-west-1'],
    });
    await store.decideRun({ run: run(2), reported: true, impaired: [] });
    await store.decideRun({ run: run(3), reported: false, impaired: [] });
    await store.decideRun({ run: run(4), reported: true, impaired: ['us-east-1', 'eu-west-1'] });
    await store.decideRun({ run: run(9), reported: true, impaired: ['eu-west-1'] });
    expect(await store.listImpairedRuns(run(0), run(4))).toEqual(
      new Map([
        [run(1), ['eu-west-1']],
        [run(4), ['us-east-1', 'eu-west-1']],
      ]),
    );
    expect(await store.listImpairedRuns(run(2), run(3))).toEqual(new Map());
  });

  it('stores silences, lists the active and future ones by start, and deletes each once', async () => {
    const silence = (id: string, from: string, to: string) => ({
      id,
      monitors: id === 'all' ? ('*' as const) : ['db'],
      from,
      to,
      reason: `window ${id}`,
      createdBy: 'arn:aws:sts::123456789012:assumed-role/netprobe-oncall/oncall',
    });
    const past = silence('past', '2026-11-24T08:00:00Z', '2026-11-24T10:00:00Z');
    const active = silence('active', '2026-11-24T11:00:00Z', '2026-11-24T13:00:00Z');
    const future = silence('all', '2026-11-25T02:00:00Z', '2026-11-25T04:00:00Z');
    for (const s of [future, past, active]) await store.putSilence(s);
    const now = new Date('2026-11-24T12:00:00Z');
    expect(await store.listSilences(now)).toEqual([active, future]);
    expect(await store.deleteSilence('active')).toBe(true);
    expect(await store.deleteSilence('active')).toBe(false);
    expect(await store.deleteSilence('never-made')).toBe(false);
    expect(await store.listSilences(now)).toEqual([future]);
  });
});

// ---------------------------------------------------------------- DynamoDB specifics

describe('DynamoDbStore on dynalite', () => {
  let store: DynamoDbStore;
  let tableName: string;
  beforeEach(async () => {
    tableName = await dynalite.freshTable();
    store = dynalite.storeOn(tableName);
  });

  it('creates the table from TABLE_DESIGN', async () => {
    const { Table } = await dynalite.local.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual([
      'activeIncidents',
      'byLocation',
      'failingLocations',
    ]);
    expect(TABLE_DESIGN.timeToLiveAttribute).toBe('expiresAt');
  });

  it('sets the TTL attribute: epoch seconds of startedAt + findingsTtlDays', async () => {
    const f = finding('db', 'eu-west-1', 0, true);
    await store.putFindings([f]);
    const raw = await dynalite.local.doc.send(
      new GetCommand({ TableName: tableName, Key: keys.finding('db', 'eu-west-1', f.startedAt) }),
    );
    expect(raw.Item?.expiresAt).toBe(Math.floor(Date.parse(f.startedAt) / 1000) + 30 * 86_400);
    expect(raw.Item?.gsi1pk).toBe('MONITOR#db#LOCATION#eu-west-1');
    // What the escalator gets from a stream record's NewImage.
    expect(itemToFinding(raw.Item ?? {})).toEqual(f);
    const latest = await dynalite.local.doc.send(
      new GetCommand({ TableName: tableName, Key: keys.latest('db', 'eu-west-1') }),
    );
    expect(latest.Item?.expiresAt).toBe(raw.Item?.expiresAt);
  });

  it('writes more findings than one BatchWriteItem takes', async () => {
    const many: Finding[] = [];
    for (let m = 0; m < 40; m++)
      for (const loc of ['eu-west-1', 'us-east-1']) many.push(finding('db', loc, m));
    await store.putFindings(many);
    const all = await readAll((cursor) => store.queryFindings('db', { limit: 1000, cursor }));
    expect(all.items).toHaveLength(80);
  });

  it('keeps monitor ids that are URLs apart from key separators', async () => {
    const adhoc = 'https://shop.example.com/a#LOCATION#b';
    await store.putFindings([
      finding(adhoc, 'local:laptop', 0),
      finding('https://shop.example.com/a', 'b', 0),
    ]);
    expect((await store.queryFindings(adhoc, { location: 'local:laptop' })).items).toHaveLength(1);
    expect((await store.queryFindings('https://shop.example.com/a', { location: 'b' })).items).toHaveLength(
      1,
    );
  });

  it('really conflicts: of ten concurrent opens and escalations, exactly one wins each', async () => {
    const candidates = Array.from({ length: 10 }, (_, n) => ({
      ...incident('db', 'tcp', 1),
      incidentId: `candidate-${n}`,
    }));
    const opens = await Promise.all(candidates.map((c) => store.openIncident(c)));
    expect(opens.filter((o) => o.opened)).toHaveLength(1);
    const winner = candidates[opens.findIndex((o) => o.opened)] as Incident;
    for (const o of opens) if (!o.opened) expect(o.existing?.incidentId).toBe(winner.incidentId);

    const page = notification(winner, 'escalate', 16);
    const marks = await Promise.all(
      candidates.map(() => store.markEscalated('db', winner.incidentId, page, page.at)),
    );
    expect(marks.filter(Boolean)).toHaveLength(1);
  });

  it('repairs a pointer whose record write was lost, and drops a pointer left by an interrupted close', async () => {
    const i = incident('db', 'tcp', 1);
    await store.openIncident(i);
    await dynalite.local.doc.send(
      new DeleteCommand({ TableName: tableName, Key: keys.incident('db', i.incidentId) }),
    );
    expect(await store.getOpenIncident('db', 'tcp')).toEqual(i);
    expect((await store.listOpenIncidents()).items).toEqual([i]);

    // Closed record, pointer still there (crash between the two writes of a close).
    await dynalite.local.doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.incident('db', i.incidentId),
        UpdateExpression: 'SET #s = :r',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':r': 'resolved' },
      }),
    );
    expect(await store.getOpenIncidents('db')).toEqual([]);
    const pointer = await dynalite.local.doc.send(
      new GetCommand({ TableName: tableName, Key: keys.openPointer('db', 'tcp') }),
    );
    expect(pointer.Item).toBeUndefined();
  });

  it('keeps a persisted local table across restarts (the demo remembers its history)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netprobe-dynalite-'));
    try {
      const first = await startLocalDynamo({ path: dir });
      const f = finding('db', 'eu-west-1', 0, true);
      await new DynamoDbStore({
        client: first.doc,
        tableName: first.tableName,
        findingsTtlDays: 1,
      }).putFindings([f]);
      await first.close();
      await first.close(); // idempotent
      const again = await startLocalDynamo({ path: dir });
      try {
        const reopened = new DynamoDbStore({
          client: again.doc,
          tableName: again.tableName,
          findingsTtlDays: 1,
        });
        expect((await reopened.queryFindings('db')).items).toEqual([f]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets other DynamoDB errors through (a missing table is not a lost race)', async () => {
    const broken = dynalite.storeOn('no-such-table');
    const missing = { name: 'ResourceNotFoundException' };
    await expect(broken.openIncident(incident('db', 'tcp', 1))).rejects.toMatchObject(missing);
    const page = notification(incident('db', 'tcp', 1), 'escalate', 2);
    await expect(broken.markEscalated('db', 'x', page, page.at)).rejects.toMatchObject(missing);
    // Findings come back whole, with the store's error as the cause, for the caller to spill.
    const notStored = await broken.putFindings([finding('db', 'eu-west-1', 0)]).catch((e: unknown) => e);
    expect(notStored).toMatchObject({ name: 'FindingsNotStoredError', cause: missing });
    expect((notStored as FindingsNotStoredError).unwritten).toEqual([finding('db', 'eu-west-1', 0)]);
  });

  it('runs the engine end to end: the 12-minute DNS outage pages once through two concurrent escalators', async () => {
    const timeline = readNdjsonFindings(
      readFileSync(new URL('../fixtures/timelines/dns-outage-12min.ndjson', import.meta.url), 'utf8'),
    );
    const clock = new ManualClock(new Date(timeline[0]?.startedAt ?? T0));
    const sent: Notification[] = [];
    const config = {
      escalation: DEFAULT_ESCALATION_TABLE,
      confirmation: { minLocations: 2, consecutiveRuns: 2 },
      classification: { allLocationsDown: 'connectivity' as const },
      monitors: [{ id: 'www-dns', intervalMinutes: 1 }],
    };
    const engines = [0, 1].map(
      () =>
        new EscalationEngine({ store, clock, config, notifier: { publish: async (n) => void sent.push(n) } }),
    );
    for (const f of timeline) {
      // Both escalators tick on every minute, as their schedules fire.
      const minute = Math.floor(Date.parse(f.startedAt) / MIN) * MIN;
      if (minute > clock.now().getTime()) {
        clock.set(new Date(minute));
        await Promise.all(engines.map((e) => e.tick()));
      }
      clock.set(new Date(f.startedAt));
      await store.putFindings([f]);
      // Both see every record: at-least-once delivery to two consumers.
      await Promise.all(engines.map((e) => e.processFindings([f])));
    }
    expect(sent.map((n) => `${n.kind}:${n.team}:${n.issueType}`)).toEqual([
      'escalate:network-team:dns',
      'resolve:network-team:dns',
    ]);
    expect(Date.parse(sent[0]?.at ?? '') - Date.parse('2026-11-24T12:00:00.412Z')).toBe(10 * MIN);
    expect((await store.listActiveIncidents()).items).toEqual([]);
  }, 120_000);
});

/**
 * The alarm gate's ledger: one contract for the memory ledger and the DynamoDB one on dynalite (the
 * item, its key and its TTL included), so the gate's tests on memory hold for the table.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbAlarmLedger } from '../../shared/adapters/dynamodb-alarm-ledger.ts';
import { MemoryAlarmLedger } from '../../shared/adapters/memory-alarm-ledger.ts';
import { keys } from '../../shared/adapters/table-design.ts';
import type { AlarmLedger, GatedAlarm } from '../../shared/ports/alarm-gate.ts';
import { useDynalite } from '../fixtures/dynalite.ts';

const dynalite = useDynalite('alarm-ledger');

const entry = (alarmName: string, status: GatedAlarm['status']): GatedAlarm => ({
  alarmName,
  monitorId: 'web#1',
  team: 'infrastructure-team',
  status,
  since: '2026-03-01T12:05:00.000+0000',
  subject: 'ALARM: "x" in US East (N. Virginia)',
  message: '{"AlarmName":"x"}',
});

const ledgers: [string, () => Promise<AlarmLedger>][] = [
  ['memory', async () => new MemoryAlarmLedger()],
  [
    'dynamodb',
    async () =>
      new DynamoDbAlarmLedger({ client: dynalite.local.doc, tableName: await dynalite.freshTable() }),
  ],
];

describe.each(ledgers)('%s alarm ledger', (_name, make) => {
  it('keeps one entry per alarm: put replaces, get reads it back, delete is idempotent', async () => {
    const ledger = await make();
    expect(await ledger.get('netprobe-web#1-availability')).toBeNull();
    await ledger.put(entry('netprobe-web#1-availability', 'held'));
    await ledger.put(entry('netprobe-web#1-availability', 'paged'));
    expect(await ledger.get('netprobe-web#1-availability')).toEqual(
      entry('netprobe-web#1-availability', 'paged'),
    );
    await ledger.delete('netprobe-web#1-availability');
    await ledger.delete('netprobe-web#1-availability');
    expect(await ledger.get('netprobe-web#1-availability')).toBeNull();
  });

  it('lists the held entries only', async () => {
    const ledger = await make();
    await ledger.put(entry('a', 'held'));
    await ledger.put(entry('b', 'paged'));
    await ledger.put(entry('c', 'held'));
    expect((await ledger.listHeld()).map((e) => e.alarmName).sort()).toEqual(['a', 'c']);
  });

  it('moves an entry held → paged once: the second claim, and a claim of a missing entry, lose', async () => {
    const ledger = await make();
    await ledger.put(entry('a', 'held'));
    expect(await ledger.setStatus('a', 'held', 'paged')).toBe(true);
    expect(await ledger.setStatus('a', 'held', 'paged')).toBe(false);
    expect((await ledger.get('a'))?.status).toBe('paged');
    expect(await ledger.listHeld()).toEqual([]);
    expect(await ledger.setStatus('missing', 'held', 'paged')).toBe(false);
    expect(await ledger.get('missing')).toBeNull();
  });
});

describe('the DynamoDB ledger item', () => {
  it('lives in the GATED_ALARMS partition and expires 30 days after its ALARM', async () => {
    const tableName = await dynalite.freshTable();
    await new DynamoDbAlarmLedger({ client: dynalite.local.doc, tableName }).put(entry('a', 'held'));
    const { Item } = await dynalite.local.doc.send(
      new GetCommand({ TableName: tableName, Key: keys.gatedAlarm('a') }),
    );
    expect(Item).toMatchObject({ pk: 'GATED_ALARMS', sk: 'ALARM#a', entity: 'gated-alarm', status: 'held' });
    expect(Item?.expiresAt).toBe(Date.parse('2026-03-01T12:05:00.000Z') / 1000 + 30 * 86_400);
  });
});

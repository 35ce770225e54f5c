/**
 * What only the in-memory store does (the shared contract is in dynamodb-store.test.ts): a window
 * of history behind the newest finding, as a week-long replay needs, and findings handed out frozen.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { tcpDownFinding } from '../fixtures/findings.ts';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const MIN = 60_000;
const at = (minute: number) => new Date(T0 + minute * MIN).toISOString();

describe('MemoryStore', () => {
  it('drops findings more than findingsWindowMs before the newest one as later ones are written', async () => {
    const store = new MemoryStore({ findingsWindowMs: 5 * MIN });
    for (let minute = 0; minute <= 10; minute++) {
      await store.putFindings([tcpDownFinding({ monitorId: 'db', startedAt: at(minute) })]);
    }
    const kept = (await store.queryFindings('db', { order: 'asc' })).items.map((f) => f.startedAt);
    expect(kept).toEqual([5, 6, 7, 8, 9, 10].map(at));
    // The latest status is not a finding of the history: it stays.
    expect((await store.latestStatus('db')).map((f) => f.startedAt)).toEqual([at(10)]);
  });

  it('keeps every finding without a TTL, and hands findings out frozen', async () => {
    const store = new MemoryStore();
    const written = tcpDownFinding({ monitorId: 'db', startedAt: at(0) });
    await store.putFindings([written]);
    await store.putFindings([tcpDownFinding({ monitorId: 'db', startedAt: at(60 * 24 * 90) })]);
    const [first] = (await store.queryFindings('db', { order: 'asc' })).items;
    expect(first).toEqual(written);
    expect(() => {
      (first as { status: string }).status = 'up';
    }).toThrow(TypeError);
    expect(() => {
      (first?.timings as { total: number }).total = 0;
    }).toThrow(TypeError);
    // Writing copied it: the caller's own object stays theirs to change.
    written.status = 'up';
    expect((await store.queryFindings('db', { order: 'asc' })).items[0]?.status).toBe('down');
  });
});

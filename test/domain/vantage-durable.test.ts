/**
 * A sick probe region decided through the store, as the deployed escalator runs: several engine
 * instances (containers) sharing one table, each seeing only part of a run's findings, cold starts,
 * and a notice whose publish fails. Against the MemoryStore and DynamoDB (dynalite) alike.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { EscalationEngine } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { EscalationConfig } from '../../shared/domain/incident-assess.ts';
import { runReports } from '../../shared/domain/vantage.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import type { Notification, VantageNotice } from '../../shared/ports/notifier.ts';
import type { Store } from '../../shared/ports/store.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { MONITORS, REGIONS, RUN, run } from '../fixtures/vantage-runs.ts';

const dynalite = useDynalite('netprobe-vantage');

const CONFIG: EscalationConfig = {
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2 },
  classification: { allLocationsDown: 'connectivity' },
  monitors: MONITORS.map((id) => ({ id, intervalMinutes: 1, regions: REGIONS })),
};
const SICK = 'ap-southeast-1';
const MIN = 60_000;
const minute = (m: number, seconds = 0) => new Date(Date.parse(RUN) + m * MIN + seconds * 1000);

/** One escalator container: its engine and what it sent. */
interface Container {
  engine: EscalationEngine;
  pages: Notification[];
  notices: VantageNotice[];
}

describe.each<[string, () => Promise<Store>]>([
  ['MemoryStore', async () => new MemoryStore()],
  ['DynamoDbStore on dynalite', () => dynalite.freshStore()],
])('a sick probe region through the store: %s', (_name, makeStore) => {
  let store: Store;
  let clock: ManualClock;
  beforeEach(async () => {
    store = await makeStore();
    clock = new ManualClock(minute(0));
  });

  /** A new engine instance on the shared store: a container's cold start. */
  function container(failPublishes = 0): Container {
    const c: Container = { pages: [], notices: [], engine: undefined as unknown as EscalationEngine };
    let failures = failPublishes;
    c.engine = new EscalationEngine({
      store,
      clock,
      config: CONFIG,
      notifier: { publish: async (n) => void c.pages.push(n) },
      notices: {
        publishNotice: async (n) => {
          if (failures-- > 0) throw new Error('SNS: throttled');
          c.notices.push(n);
        },
      },
    });
    return c;
  }

  /**
   * Minutes [from, to): every region's runner stores its findings and records its report (one shard
   * per region); the stream hands monitor k's findings to container k % n, so each sees only part
   * of the run; every container ticks on the minute. SICK fails every monitor in [sickFrom, sickTo).
   */
  async function minutes(cs: Container[], from: number, to: number, sickFrom: number, sickTo: number) {
    for (let m = from; m < to; m++) {
      clock.set(minute(m));
      for (const c of cs) await c.engine.tick();
      const sick = m >= sickFrom && m < sickTo;
      const findings = run(
        sick ? MONITORS.map((id) => [SICK, id] as [string, string]) : [],
        MONITORS,
        REGIONS,
        m,
      );
      clock.set(minute(m, 2));
      await store.putFindings(findings);
      for (const report of runReports(findings, () => 'shard-0')) await store.recordRunReport(report);
      for (const [k, c] of cs.entries()) {
        const mine = findings.filter((f) => MONITORS.indexOf(f.monitorId) % cs.length === k);
        await c.engine.processFindings(mine);
      }
    }
  }

  const kinds = (cs: Container[]) => cs.flatMap((c) => c.notices.map((n) => `${n.kind}:${n.location}`));

  it('two containers each seeing half of every run decide the region impaired: one impaired, one recovered, no page', async () => {
    const cs = [container(), container()];
    await minutes(cs, 0, 30, 5, 20);
    expect(kinds(cs)).toEqual([`impaired:${SICK}`, `recovered:${SICK}`]);
    const [impaired, recovered] = cs.flatMap((c) => c.notices);
    expect(impaired?.dedupKey).toBe(`${SICK}:impaired:${minute(5).toISOString()}`);
    expect(recovered?.dedupKey).toBe(`${SICK}:recovered:${minute(5).toISOString()}`);
    // Decided at the first tick after the run and its grace: 5:00 + 1 min + 30 s → the 7:00 tick.
    expect(impaired?.at).toBe(minute(7).toISOString());
    expect(cs.flatMap((c) => c.pages)).toEqual([]);
    expect((await store.getVantageState())?.outbox).toEqual({});
  }, 60_000);

  it('a cold container after the impairment keeps excluding the region and sends recovered once', async () => {
    const first = container();
    await minutes([first], 0, 10, 5, 25);
    expect(kinds([first])).toEqual([`impaired:${SICK}`]);
    // The first container is gone; a new one (no memory of the impairment) takes over.
    const cold = container();
    await minutes([cold], 10, 35, 5, 25);
    expect(kinds([first, cold])).toEqual([`impaired:${SICK}`, `recovered:${SICK}`]);
    expect(cold.notices[0]?.since).toBe(minute(5).toISOString());
    // 20 minutes of the region failing everything: a regional incident had it counted (5 runs).
    expect([...first.pages, ...cold.pages]).toEqual([]);
    expect((await store.listOpenIncidents()).items).toEqual([]);
  }, 60_000);

  it('an escalator back after hours decides at most 10 runs a call, from 240 runs back at most', async () => {
    await store.advanceVantage(
      null,
      { decidedUpTo: minute(0).toISOString(), impaired: {} },
      [],
      minute(0).toISOString(),
    );
    clock.set(minute(600));
    const report = await container().engine.tick();
    // A store error is isolated in the report: say it, rather than a short decidedUpTo.
    expect(report.errors).toEqual([]);
    // 600 runs behind: it starts 240 runs back (360) and decides 10 of them.
    expect((await store.getVantageState())?.decidedUpTo).toBe(minute(369).toISOString());
  });

  it('a notice whose publish throws stays in the outbox and is sent by the next tick, once', async () => {
    const failing = container(1);
    await minutes([failing], 0, 8, 5, 30);
    // The 7:00 tick decided run 5 and its publish threw: nothing sent, the notice kept.
    expect(kinds([failing])).toEqual([]);
    expect(Object.keys((await store.getVantageState())?.outbox ?? {})).toEqual([
      `${SICK}:impaired:${minute(5).toISOString()}`,
    ]);
    clock.set(minute(8));
    const report = await failing.engine.tick();
    expect(report.notices.map((n) => n.dedupKey)).toEqual([`${SICK}:impaired:${minute(5).toISOString()}`]);
    // The copy carries the decision's time, not the retry's.
    expect(failing.notices[0]?.at).toBe(minute(7).toISOString());
    await minutes([failing], 9, 15, 5, 30);
    expect(kinds([failing])).toEqual([`impaired:${SICK}`]);
    expect((await store.getVantageState())?.outbox).toEqual({});
  }, 60_000);

  it('of two containers, the one that did not fail sends the failed notice at its tick; never both', async () => {
    const failing = container(1);
    const other = container();
    await minutes([failing, other], 0, 7, 5, 30);
    // 7:00: the failing container ticks first, decides run 5 and fails; the other's tick sends it.
    clock.set(minute(7));
    expect((await failing.engine.tick()).errors.map((e) => [e.stage, e.error])).toEqual([
      ['notice', 'SNS: throttled'],
    ]);
    await other.engine.tick();
    expect(other.notices.map((n) => n.kind)).toEqual(['impaired']);
    await minutes([failing, other], 7, 15, 5, 30);
    expect(kinds([failing, other])).toEqual([`impaired:${SICK}`]);
  }, 60_000);
});

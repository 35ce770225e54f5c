/**
 * Detection and routing users can trust (issue 14), replayed through the escalation engine: each
 * case is a timeline a runner per region would write, and the pages the policy sends for it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import type { EscalationConfig } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { type ReplayLine, replay } from '../../shared/domain/replay.ts';
import { FIVE_REGIONS, OUTCOMES, runs, T0, UP } from '../fixtures/runs.ts';

const MIN = 60_000;
const config = (monitors: EscalationConfig['monitors']): EscalationConfig => ({
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2 },
  classification: { allLocationsDown: 'connectivity' },
  monitors,
});
const inMemory = () => ({ store: new MemoryStore() });
const minutesAfterT0 = (iso: string) => (Date.parse(iso) - T0) / MIN;

describe('a CDN failing everywhere stays the CDN’s', () => {
  const cdnMonitor = { id: 'shop', intervalMinutes: 1, cdn: true, regions: [...FIVE_REGIONS] };

  it('5xx in all 5 regions for 12 minutes pages cdn-team once, after 5 minutes, not infrastructure-team', async () => {
    const timeline = runs(
      'shop',
      FIVE_REGIONS,
      0,
      20,
      (_l, m) => (m >= 2 && m < 14 ? OUTCOMES.http503 : UP),
      {
        cdn: true,
      },
    );
    const lines = await replay(timeline, config([cdnMonitor]), inMemory());
    expect(lines.map((l) => `${l.kind}:${l.team}:${l.issueType}`)).toEqual([
      'escalate:cdn-team:cdn',
      'resolve:cdn-team:cdn',
    ]);
    const paged = minutesAfterT0((lines[0] as { at: string }).at);
    expect(paged).toBeGreaterThanOrEqual(2 + 5);
    expect(paged).toBeLessThanOrEqual(2 + 5 + 1);
  });

  it('a CDN-fronted target refusing connections everywhere is still a complete outage', async () => {
    const timeline = runs('shop', FIVE_REGIONS, 0, 10, (_l, m) => (m >= 2 ? OUTCOMES.refused : UP), {
      cdn: true,
    });
    const lines = await replay(timeline, config([cdnMonitor]), inMemory());
    expect(lines.map((l) => `${l.kind}:${l.team}:${l.issueType}`)).toEqual([
      'escalate:infrastructure-team:connectivity',
    ]);
  });

  it('a one-region CDN-fronted monitor answering 503 pages cdn-team too', async () => {
    const one = { ...cdnMonitor, regions: ['eu-west-1'] };
    const timeline = runs('shop', ['eu-west-1'], 0, 12, (_l, m) => (m >= 1 ? OUTCOMES.http503 : UP), {
      cdn: true,
    });
    const lines = await replay(timeline, config([one]), inMemory());
    expect(lines.map((l) => `${l.kind}:${l.team}:${l.issueType}`)).toEqual(['escalate:cdn-team:cdn']);
  });
});

describe('regional incidents', () => {
  const shop = { id: 'shop', intervalMinutes: 1, regions: [...FIVE_REGIONS] };

  it('one region down for 30 minutes: one regional page to the type’s team, one severity lower, one resolve', async () => {
    const timeline = runs('shop', FIVE_REGIONS, 0, 50, (l, m) =>
      l === 'us-west-2' && m >= 5 && m < 35 ? OUTCOMES.tcpTimeout : UP,
    );
    const lines = await replay(timeline, config([shop]), inMemory());
    expect(
      lines.map((l) => `${l.kind}:${l.team}:${l.issueType}:${l.scope}:${l.locations.join(',')}`),
    ).toEqual(['escalate:performance-team:tcp:regional:us-west-2', 'resolve:performance-team:tcp:regional:']);
    // Table time 15 min from the first failing run.
    const paged = minutesAfterT0((lines[0] as { at: string }).at);
    expect(paged).toBeGreaterThanOrEqual(5 + 15);
    expect(paged).toBeLessThanOrEqual(5 + 15 + 1);
  });

  it('a regional incident that spreads is superseded by a global one: resolve (superseded), then the global page', async () => {
    const timeline = runs('shop', FIVE_REGIONS, 0, 40, (l, m) => {
      if (m < 2) return UP;
      if (l === 'us-west-2') return OUTCOMES.http503;
      return m >= 20 && (l === 'eu-west-1' || l === 'us-east-1') ? OUTCOMES.http503 : UP;
    });
    const lines = await replay(timeline, config([shop]), inMemory());
    expect(lines.map((l) => `${l.kind}:${l.issueType}:${l.scope}`)).toEqual([
      'escalate:tcp:regional',
      'resolve:tcp:regional',
      'escalate:tcp:global',
    ]);
    const [regional, superseded, global] = lines as [ReplayLine, ReplayLine, ReplayLine];
    expect(superseded.incidentId).toBe(regional.incidentId);
    expect(global.incidentId).not.toBe(regional.incidentId);
    expect(minutesAfterT0(global.at)).toBeLessThanOrEqual(20 + 2);
  });

  it('confirmation.regional false: one region down however long pages nobody', async () => {
    const timeline = runs('shop', FIVE_REGIONS, 0, 50, (l, m) =>
      l === 'us-west-2' && m >= 5 ? OUTCOMES.tcpTimeout : UP,
    );
    const off = {
      ...config([shop]),
      confirmation: { minLocations: 2, consecutiveRuns: 2, regional: false as const },
    };
    expect(await replay(timeline, off, inMemory())).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import type { EscalationConfig } from '../../shared/domain/incident-assess.ts';
import { replay, type VantageLine } from '../../shared/domain/replay.ts';
import {
  DEFAULT_VANTAGE_RULE,
  impairedAmong,
  impairmentCandidates,
  type LocationFailures,
  nextVantageState,
  runOf,
  runReports,
  type VantageRule,
  vantageDedupKey,
} from '../../shared/domain/vantage.ts';
import { SnsShapedPages } from '../../shared/lab/pages.ts';
import { finding, MONITORS, REGIONS, RUN, run } from '../fixtures/vantage-runs.ts';

const CONFIG: EscalationConfig = {
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2 },
  classification: { allLocationsDown: 'connectivity' },
  monitors: MONITORS.map((id) => ({ id, intervalMinutes: 1, regions: REGIONS })),
};

/** 60 one-minute runs of every monitor from every region; `failing` fails during minutes [from, to). */
async function replayHour(failing: [string, string][], from: number, to: number) {
  const findings = Array.from({ length: 60 }, (_, m) =>
    run(m >= from && m < to ? failing : [], MONITORS, REGIONS, m),
  );
  const notices: VantageLine[] = [];
  const pages = await replay(findings.flat(), CONFIG, { store: new MemoryStore(), notices });
  return { pages, notices };
}

/**
 * The rule over one run's findings, through the parts the engine reads: one report per location
 * (each monitor by its latest finding), the failures added up, the healthy monitors.
 */
function impairedLocations(findings: readonly Finding[], rule: VantageRule): Set<string> {
  const failures = new Map<string, LocationFailures>();
  const healthy = new Map<string, Set<string>>();
  for (const r of runReports(findings, () => 'all')) {
    failures.set(r.location, { reported: r.failing.length + r.healthy.length, failing: new Set(r.failing) });
    healthy.set(r.location, new Set(r.healthy));
  }
  return impairedAmong(impairmentCandidates(failures, rule), failures, healthy);
}

const at = (minute: number, seconds = 0) =>
  new Date(Date.parse(RUN) + minute * 60_000 + seconds * 1000).toISOString();

describe('vantage impairment per (location, run)', () => {
  it('a region failing most monitors the others see healthy is impaired; the others are not', () => {
    const findings = run([
      ['ap-southeast-1', 'api'],
      ['ap-southeast-1', 'www'],
      ['ap-southeast-1', 'shop'],
    ]);
    expect([...impairedLocations(findings, DEFAULT_VANTAGE_RULE)]).toEqual(['ap-southeast-1']);
  });

  it('a real global outage (every region failing the same monitors) is not impairment', () => {
    const findings = run(REGIONS.flatMap((l) => MONITORS.map((m) => [l, m] as [string, string])));
    expect(impairedLocations(findings, DEFAULT_VANTAGE_RULE).size).toBe(0);
  });

  it('one failing monitor also failing elsewhere keeps the region healthy (each failing one must be seen healthy)', () => {
    const findings = run([
      ['ap-southeast-1', 'api'],
      ['ap-southeast-1', 'www'],
      ['ap-southeast-1', 'shop'],
      ['eu-west-1', 'shop'],
      ['us-east-1', 'shop'],
    ]);
    expect(impairedLocations(findings, DEFAULT_VANTAGE_RULE).size).toBe(0);
  });

  it('at the bounds: exactly failingShare fails → impaired; fewer than minMonitors reported → never', () => {
    const half = run([
      ['us-east-1', 'api'],
      ['us-east-1', 'www'],
    ]);
    expect([...impairedLocations(half, DEFAULT_VANTAGE_RULE)]).toEqual(['us-east-1']);
    const oneLess = run([['us-east-1', 'api']]);
    expect(impairedLocations(oneLess, DEFAULT_VANTAGE_RULE).size).toBe(0);
    const twoMonitors = run(
      [
        ['us-east-1', 'api'],
        ['us-east-1', 'www'],
      ],
      ['api', 'www'],
    );
    expect(impairedLocations(twoMonitors, DEFAULT_VANTAGE_RULE).size).toBe(0);
    expect([...impairedLocations(twoMonitors, { minMonitors: 2, failingShare: 1 })]).toEqual(['us-east-1']);
  });

  it('a region alone (nobody else reporting) is never impaired: nobody saw its failures healthy', () => {
    const findings = run(
      MONITORS.map((m) => ['eu-west-1', m]),
      MONITORS,
      ['eu-west-1'],
    );
    expect(impairedLocations(findings, DEFAULT_VANTAGE_RULE).size).toBe(0);
  });

  it('a monitor reported twice by one region counts once, by its latest finding', () => {
    const findings = [
      ...run([]),
      finding('api', 'eu-west-1', false, 30_000),
      finding('www', 'eu-west-1', false, 30_000),
    ];
    expect([...impairedLocations(findings, DEFAULT_VANTAGE_RULE)]).toEqual(['eu-west-1']);
  });

  it("a store's run index fed report by report decides as the rule read from all the run's findings at once", async () => {
    // The rule as docs/escalation.md states it, recomputed from scratch: the oracle for the index.
    const oracle = (findings: readonly Finding[], rule: VantageRule): string[] => {
      const latest = new Map<string, Finding>();
      for (const f of findings) {
        const key = `${f.location}/${f.monitorId}`;
        if ((latest.get(key)?.startedAt ?? '') <= f.startedAt) latest.set(key, f);
      }
      const states = [...latest.values()];
      const locations = [...new Set(states.map((f) => f.location))];
      return locations.filter((location) => {
        const mine = states.filter((f) => f.location === location);
        const failing = mine.filter((f) => f.status !== 'up');
        const healthyElsewhere = (m: string) =>
          states.some((f) => f.location !== location && f.monitorId === m && f.status === 'up');
        return (
          mine.length >= rule.minMonitors &&
          failing.length > 0 &&
          failing.length >= rule.failingShare * mine.length &&
          failing.every((f) => healthyElsewhere(f.monitorId))
        );
      });
    };
    const reports = fc.array(
      fc.record({
        monitor: fc.constantFrom(...MONITORS),
        location: fc.constantFrom(...REGIONS),
        up: fc.boolean(),
        // Few distinct instants: repeats and out-of-order reports within the run are common.
        offsetMs: fc.integer({ min: 0, max: 3 }).map((n) => n * 15_000),
      }),
      { maxLength: 40 },
    );
    const rules = fc.record({
      minMonitors: fc.integer({ min: 1, max: 4 }),
      failingShare: fc.constantFrom(0.25, 0.5, 0.75, 1),
    });
    await fc.assert(
      fc.asyncProperty(reports, rules, async (list, rule) => {
        // As replay records them: one report per monitor (its key), each as its finding arrives.
        const store = new MemoryStore();
        const seen: Finding[] = [];
        for (const r of list) {
          const f = finding(r.monitor, r.location, r.up, r.offsetMs);
          for (const report of runReports([f], (x) => x.monitorId)) await store.recordRunReport(report);
          seen.push(f);
          const failures = await store.readRunFailures(RUN);
          const impaired = impairedAmong(
            impairmentCandidates(failures, rule),
            failures,
            await store.readRunHealthy(RUN),
          );
          expect([...impaired].sort()).toEqual(oracle(seen, rule).sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('runReports: one report per run, location and key, each monitor by its latest finding; big ones in chunks', () => {
    const reports = runReports(
      [
        finding('api', 'eu-west-1', false, 1_000),
        finding('api', 'eu-west-1', true, 2_000),
        finding('www', 'eu-west-1', false),
      ],
      () => 'shard-0',
    );
    expect(reports).toEqual([
      {
        run: RUN,
        location: 'eu-west-1',
        key: 'shard-0',
        at: Date.parse(RUN) + 2_000,
        failing: ['www'],
        healthy: ['api'],
      },
    ]);
    const many = Array.from({ length: 2_500 }, (_, i) => finding(`m${i}`, 'us-east-1', i % 2 === 0));
    const chunks = runReports(many, () => 'all');
    expect(chunks.map((r) => [r.key, r.failing.length + r.healthy.length])).toEqual([
      ['all#0', 1000],
      ['all#1', 1000],
      ['all#2', 500],
    ]);
  });

  it('runOf is the UTC minute the probe started in', () => {
    expect(runOf({ startedAt: '2026-12-02T07:00:59.999Z' })).toBe(RUN);
    expect(runOf({ startedAt: '2026-12-02T07:01:00.000Z' })).toBe('2026-12-02T07:01:00.000Z');
  });

  it('one impaired at the first impaired run, one recovered at the first run it no longer holds', () => {
    const r = (m: number) => new Date(Date.parse(RUN) + m * 60_000).toISOString();
    let state = new Map<string, string>();
    const seen: string[] = [];
    const impairedRuns = [false, true, true, true, false, false];
    impairedRuns.forEach((impaired, m) => {
      const next = nextVantageState(state, r(m), new Set(impaired ? ['ap-southeast-1'] : []));
      state = next.state;
      seen.push(...next.changes.map((c) => `${r(m)} ${vantageDedupKey(c)}`));
    });
    expect(seen).toEqual([
      `${r(1)} ap-southeast-1:impaired:${r(1)}`,
      `${r(4)} ap-southeast-1:recovered:${r(1)}`,
    ]);
  });
});

describe('the engine and replay with a sick probe region', () => {
  it('a region failing most monitors others see healthy pages no target team: one impaired, then one recovered', async () => {
    const sick: [string, string][] = [
      ['ap-southeast-1', 'api'],
      ['ap-southeast-1', 'www'],
      ['ap-southeast-1', 'shop'],
    ];
    const { pages, notices } = await replayHour(sick, 5, 45);
    expect(pages).toEqual([]);
    expect(notices).toEqual([
      { at: expect.any(String), kind: 'impaired', team: 'infrastructure-team', location: 'ap-southeast-1' },
      { at: expect.any(String), kind: 'recovered', team: 'infrastructure-team', location: 'ap-southeast-1' },
    ]);
    // Decided once the run is over (its minute and RUN_GRACE_MS), at the engine's next call.
    const [impaired, recovered] = notices.map((n) => n.at);
    expect(impaired && impaired >= at(6, 30) && impaired <= at(7, 30)).toBe(true);
    expect(recovered && recovered >= at(46, 30) && recovered <= at(47, 30)).toBe(true);
  });

  it('the same region failing fewer than failingShare of its monitors is a regional incident, paged', async () => {
    const { pages, notices } = await replayHour([['ap-southeast-1', 'api']], 5, 45);
    expect(notices).toEqual([]);
    expect(pages.map((p) => [p.kind, p.monitorId, p.scope])).toEqual([
      ['escalate', 'api', 'regional'],
      ['resolve', 'api', 'regional'],
    ]);
  });

  it('a real global outage (every region failing) is not impairment: it pages, and no notice goes out', async () => {
    const everywhere = REGIONS.flatMap((l) => ['api', 'www', 'shop'].map((m) => [l, m] as [string, string]));
    const { pages, notices } = await replayHour(everywhere, 5, 45);
    expect(notices).toEqual([]);
    expect(
      pages
        .filter((p) => p.kind === 'escalate')
        .map((p) => [p.monitorId, p.scope])
        .sort(),
    ).toEqual([
      ['api', 'global'],
      ['shop', 'global'],
      ['www', 'global'],
    ]);
  });

  it('the operators team is configurable', async () => {
    const sick = MONITORS.map((m) => ['us-east-1', m] as [string, string]);
    const findings = Array.from({ length: 20 }, (_, m) =>
      run(m >= 2 && m < 10 ? sick : [], MONITORS, REGIONS, m),
    );
    const notices: VantageLine[] = [];
    await replay(
      findings.flat(),
      { ...CONFIG, operatorsTeam: 'sre-team' },
      { store: new MemoryStore(), notices },
    );
    expect(notices.map((n) => [n.kind, n.team, n.location])).toEqual([
      ['impaired', 'sre-team', 'us-east-1'],
      ['recovered', 'sre-team', 'us-east-1'],
    ]);
  });

  it("hands each notice whole to a notice notifier: the lab renders it as the operators' topic gets it", async () => {
    const sick = MONITORS.map((m) => ['us-east-1', m] as [string, string]);
    const findings = Array.from({ length: 12 }, (_, m) =>
      run(m >= 2 && m < 8 ? sick : [], MONITORS, REGIONS, m),
    );
    const lab = new SnsShapedPages({
      homeRegion: 'eu-west-1',
      account: '123456789012',
      namespace: 'Netprobe',
    });
    await replay(findings.flat(), CONFIG, { store: new MemoryStore(), noticeNotifier: lab });
    expect(lab.pages).toEqual([]);
    expect(
      lab.notices.map(({ notice, publish }) => [notice.dedupKey, publish.TopicArn, publish.Subject]),
    ).toEqual([
      [
        `us-east-1:impaired:${at(2)}`,
        'arn:aws:sns:eu-west-1:123456789012:netprobe-infrastructure-team',
        '[impaired] probe region us-east-1: its failures are not paged',
      ],
      [
        `us-east-1:recovered:${at(2)}`,
        'arn:aws:sns:eu-west-1:123456789012:netprobe-infrastructure-team',
        '[recovered] probe region us-east-1 counts again',
      ],
    ]);
  });
});

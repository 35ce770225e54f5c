/**
 * The escalation engine's decisions, recorded: every replay timeline of test/fixtures/timelines (the
 * lab's recorded run replayed as the lab does, as a persisting outage), and a seeded multi-monitor
 * timeline, replayed and compared line by line with test/fixtures/golden/*.ndjson (the
 * `netprobe replay --json` lines). A change that alters a decision fails here; one that means to
 * (a new rule) regenerates them with `npx vitest run test/domain/replay-golden.test.ts -u` and the
 * diff of the golden files shows, in review, every page that moved.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import type { EscalationConfig } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { readNdjsonFindings } from '../../shared/domain/findings-input.ts';
import { type ReplayLine, replay, replayHistoryMs } from '../../shared/domain/replay.ts';
import { persistedFailures } from '../../shared/lab/pages.ts';
import type { Store } from '../../shared/ports/store.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { REPLAY_JSON_KEYS } from '../fixtures/replay.ts';
import { syntheticConfig, syntheticTimeline } from '../fixtures/synthetic-timeline.ts';

const dynalite = useDynalite('golden');
/** Replay keeps its state in the Store it is given, as `netprobe replay` does with a MemoryStore. */
const inMemory = () => ({ store: new MemoryStore() });

const timeline = (name: string) =>
  readNdjsonFindings(readFileSync(new URL(`../fixtures/timelines/${name}.ndjson`, import.meta.url), 'utf8'));

/** What `netprobe replay` uses without a config: the built-in table and rules. */
const DEFAULTS: EscalationConfig = {
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2 },
  classification: { allLocationsDown: 'connectivity' },
  monitors: [],
};

/** The lab's run (recorded by `netprobe lab`) and the config it ran under. */
function labCase(): { findings: Finding[]; config: EscalationConfig } {
  const config = JSON.parse(
    readFileSync(new URL('../fixtures/timelines/lab-run.config.json', import.meta.url), 'utf8'),
  ) as EscalationConfig;
  const { timeline: findings, monitors } = persistedFailures(timeline('lab-run'), {
    escalation: config.escalation,
    monitors: config.monitors.map((m) => ({ ...m, regions: [...(m.regions ?? [])], cdn: m.cdn ?? false })),
  } as Parameters<typeof persistedFailures>[1]);
  return { findings, config: { ...config, monitors } };
}

/**
 * 10 monitors (two every 5 minutes, two CDN-fronted, two with a team override), 5 regions, 150 minutes:
 * 6,286 findings, pages of every issue type, incidents still open at the end.
 */
const SYNTHETIC = {
  seed: 3,
  monitors: 10,
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1', 'sa-east-1', 'eu-central-1'],
  minutes: 150,
  start: '2026-11-24T00:00:00Z',
  meanMinutesBetweenEpisodes: 25,
  fiveMinuteEvery: 4,
};

const FIXTURES = [
  'dns-outage-12min',
  'dns-ns-timeout-12min',
  'dns-then-outage',
  'latency-high-20min',
  'cert-expiring-30min',
];

const goldenFile = (name: string) => `../fixtures/golden/${name}.replay.ndjson`;
const ndjson = (lines: readonly ReplayLine[]) =>
  lines.map((l) => `${JSON.stringify(l, REPLAY_JSON_KEYS)}\n`).join('');

describe('replay golden files', () => {
  it.each(FIXTURES)('%s (default table), in memory and on DynamoDB (dynalite)', async (name) => {
    const findings = timeline(name);
    const lines = await replay(findings, DEFAULTS, inMemory());
    await expect(ndjson(lines)).toMatchFileSnapshot(goldenFile(name));
    const store: Store = await dynalite.freshStore();
    expect(await replay(findings, DEFAULTS, { store })).toEqual(lines);
  });

  it('the lab run, persisting (as `netprobe lab` replays it), in memory and on DynamoDB (dynalite)', async () => {
    const { findings, config } = labCase();
    const lines = await replay(findings, config, inMemory());
    expect(lines.length).toBeGreaterThan(0);
    await expect(ndjson(lines)).toMatchFileSnapshot(goldenFile('lab-run'));
    const store: Store = await dynalite.freshStore();
    expect(await replay(findings, config, { store })).toEqual(lines);
  });

  it('a seeded 10-monitor, 5-region, 150-minute timeline with every kind of trouble', async () => {
    const findings = [...syntheticTimeline(SYNTHETIC)];
    const lines = await replay(findings, syntheticConfig(SYNTHETIC, DEFAULTS), inMemory());
    // Enough happens for the file to guard every decision: pages of each kind for several monitors.
    expect(new Set(lines.map((l) => l.issueType)).size).toBe(4);
    expect(lines.length).toBeGreaterThan(30);
    expect(new Set(lines.map((l) => l.kind))).toEqual(new Set(['escalate', 'resolve']));
    await expect(ndjson(lines)).toMatchFileSnapshot(goldenFile('synthetic-10x5x150m'));
  });

  /**
   * Recorded by the engine before replay was made linear (it took 297 s for these 30,185 findings),
   * then updated for one rule on purpose (issue 14: a CDN-fronted monitor failing where the CDN
   * answers stays cdn even in every location; only its four CDN monitors' lines moved): the linear
   * replay, and a store that keeps only the history the engine reads, decide the same.
   */
  it('a seeded 20-monitor, 5-region, 6-hour timeline: decided as the quadratic engine did', async () => {
    const options = {
      ...SYNTHETIC,
      seed: 21,
      monitors: 20,
      minutes: 360,
      start: '2026-11-20T00:00:00Z',
      meanMinutesBetweenEpisodes: 40,
      fiveMinuteEvery: 5,
    };
    const findings = [...syntheticTimeline(options)];
    expect(findings).toHaveLength(30_185);
    const config = syntheticConfig(options, DEFAULTS);
    const store = new MemoryStore({ findingsWindowMs: replayHistoryMs(config) });
    const lines = await replay(findings, config, { store });
    await expect(ndjson(lines)).toMatchFileSnapshot(goldenFile('synthetic-20x5x6h'));
  });
});

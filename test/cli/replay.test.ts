/**
 * `netprobe replay`: a recorded timeline in, the notifications the policy would send out.
 * The timeline is the issue's acceptance case: a DNS outage of 12 minutes in 3 locations.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayCommand } from '../../cli/commands/replay.ts';
import { plain } from '../../cli/format/style.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { REPLAY_JSON_KEYS } from '../fixtures/replay.ts';
import { runCli, STACK_FRAME } from './run-cli.ts';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const MINUTE = 60_000;
const LOCATIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
/** Failing from minute 2 through minute 13: twelve one-minute runs in every location. */
const OUTAGE = { from: 2, to: 13 };

function finding(minute: number, location: string): Finding {
  const down = minute >= OUTAGE.from && minute <= OUTAGE.to;
  return {
    monitorId: 'www-dns',
    probe: 'dns',
    target: 'dns://127.0.0.1/www.example.test?type=A',
    location,
    // A few seconds apart per location, as real schedulers are.
    startedAt: new Date(T0 + minute * MINUTE + LOCATIONS.indexOf(location) * 2000).toISOString(),
    status: down ? 'down' : 'up',
    timings: { dns: 1.5, total: 1.5 },
    error: down ? { code: 'DNS_SERVFAIL', message: 'server answered SERVFAIL' } : null,
    layer: down ? 'dns' : null,
    issueType: down ? 'dns' : null,
    diagnosis: down ? 'The resolver answers SERVFAIL for www.example.test; check the zone.' : null,
    details: {
      kind: 'dns',
      name: 'www.example.test',
      type: 'A',
      query: { server: '127.0.0.1:53', transport: 'udp', answers: [] },
    },
  };
}

const golden = (name: string) =>
  readFile(new URL(`../fixtures/golden/${name}.replay.ndjson`, import.meta.url), 'utf8');

let dir: string;
let timeline: string;
/** A config that gives exactly the built-in defaults (no monitors: all inferred, as without a config). */
let defaultsConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netprobe-replay-'));
  defaultsConfig = join(dir, 'defaults.json');
  await writeFile(
    defaultsConfig,
    JSON.stringify({ homeRegion: 'us-east-1', regions: ['us-east-1'], monitors: [] }),
  );
  const lines: string[] = [];
  for (let minute = 0; minute <= 20; minute++) {
    for (const location of LOCATIONS) lines.push(JSON.stringify(finding(minute, location)));
  }
  timeline = join(dir, 'dns-outage.ndjson');
  await writeFile(timeline, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Line {
  at: string;
  kind: string;
  team: string;
  issueType: string;
  monitorId: string;
  incidentId: string;
  locations: string[];
}

const WWW_DNS = { id: 'www-dns', interval: '1m', url: 'dns://127.0.0.1/www.example.test?type=A' };

/** A --config file in `dir`: the timeline's locations and www-dns, with `fields` over them. */
async function writeConfig(name: string, fields: Record<string, unknown>): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    JSON.stringify({ homeRegion: 'eu-west-1', regions: LOCATIONS, monitors: [WWW_DNS], ...fields }),
  );
  return path;
}

/**
 * `replay --json` in this process (a spawn per case is seconds on a loaded machine): the exit code
 * must be 0; returns the printed lines.
 */
async function replayInProcess(findings: string, config: string): Promise<string[]> {
  const out: string[] = [];
  const output = { out: (l: string) => void out.push(l), err: () => {}, paint: plain, addSecrets: () => {} };
  expect(await replayCommand({ findings, config, json: true }, output)).toBe(0);
  return out;
}

describe('netprobe replay', () => {
  it('--json: one escalation to network-team ten minutes in, then one resolution', async () => {
    // cwd without a monitors.config.ts: the built-in defaults (the guide's table) apply.
    const r = await runCli(['replay', '--findings', timeline, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('replaying with the default escalation table');
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => [l.kind, l.team, l.issueType, l.monitorId])).toEqual([
      ['escalate', 'network-team', 'dns', 'www-dns'],
      ['resolve', 'network-team', 'dns', 'www-dns'],
    ]);
    const [escalate, resolve] = lines as [Line, Line];
    expect(Object.keys(escalate)).toEqual(REPLAY_JSON_KEYS);
    expect(escalate.incidentId).toBe(resolve.incidentId);
    expect([...escalate.locations].sort()).toEqual([...LOCATIONS].sort());
    // Paged at first failure + 10 min (dns row of the table), within one interval.
    const pagedAfter = (Date.parse(escalate.at) - (T0 + OUTAGE.from * MINUTE)) / MINUTE;
    expect(pagedAfter).toBeGreaterThanOrEqual(10);
    expect(pagedAfter).toBeLessThanOrEqual(11);
    expect(Date.parse(resolve.at)).toBeGreaterThan(T0 + OUTAGE.to * MINUTE);
  });

  it('prints a table with the time since the first finding', async () => {
    const r = await runCli(['replay', '--findings', timeline], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^AT\s+T\+\s+KIND\s+TEAM\s+ISSUE\s+MONITOR\s+LOCATIONS\s+INCIDENT$/m);
    expect(r.stdout).toMatch(/\+1[23]m\S*\s+escalate\s+network-team\s+dns\s+www-dns/);
    expect(r.stdout).toContain('63 findings over 20m04s: 1 escalation, 1 resolution.');
  });

  it('uses the escalation table of --config', async () => {
    const config = await writeConfig('fast-dns.json', {
      escalation: { dns: { escalateAfterMinutes: 3, team: 'dns-oncall' } },
    });
    const r = await runCli(['replay', '--findings', timeline, '--config', config, '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [escalate] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(escalate?.team).toBe('dns-oncall');
    expect((Date.parse(escalate?.at ?? '') - (T0 + OUTAGE.from * MINUTE)) / MINUTE).toBeLessThanOrEqual(4);
  });

  // Issue 14: the config's maintenance windows hold pages in a replay as in the escalator.
  it.each<[string, unknown, string[]]>([
    // Tuesday 10:00-10:20 UTC weekly: the incident resolves inside it, never paged, so nothing at all.
    ['a weekly window over the whole outage', { weekly: { day: 'tue', at: '10:00', duration: '20m' } }, []],
    // Until 10:12:30: the page due at ~10:12 is held, then sent at the first tick after the window.
    [
      'a window ending after the table time',
      { from: '2026-11-24T10:00:00Z', to: '2026-11-24T10:12:30Z' },
      ['escalate@2026-11-24T10:13:00.000Z', 'resolve'],
    ],
  ])('--config with %s', async (_name, when, expected) => {
    const config = await writeConfig('maintenance.json', {
      maintenance: [{ monitors: ['www-dns'], reason: 'resolver upgrade', ...(when as object) }],
    });
    const lines = (await replayInProcess(timeline, config)).map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => (l.kind === 'escalate' ? `escalate@${l.at}` : l.kind))).toEqual(expected);
  });

  it("types a minimal line of the config's CDN-fronted monitor as the runner would: 5xx in two regions pages cdn-team", async () => {
    const findings = join(dir, 'cdn-minimal.ndjson');
    const lines = Array.from({ length: 12 }, (_, m) =>
      LOCATIONS.map((location) =>
        JSON.stringify({
          monitorId: 'edge',
          location,
          startedAt: new Date(T0 + m * MINUTE).toISOString(),
          ...(m < 10 && location !== 'ap-southeast-2'
            ? { status: 'down', error: { code: 'HTTP_STATUS' } }
            : { status: 'up' }),
        }),
      ),
    ).flat();
    await writeFile(findings, `${lines.join('\n')}\n`);
    const config = await writeConfig('cdn.json', {
      monitors: [{ id: 'edge', interval: '1m', url: 'https://edge.example.test/', cdn: true }],
    });
    const pages = (await replayInProcess(findings, config)).map((l) => JSON.parse(l) as Line);
    expect(pages.map((l) => `${l.kind}:${l.team}:${l.issueType}`)).toEqual([
      'escalate:cdn-team:cdn',
      'resolve:cdn-team:cdn',
    ]);
  });

  // The file is streamed (one pass, docs/cli.md): the lines must be exactly those of the engine's golden files.
  it('streams a recorded timeline to exactly its golden lines', async () => {
    const path = fileURLToPath(new URL('../fixtures/timelines/dns-outage-12min.ndjson', import.meta.url));
    const r = await runCli(['replay', '--findings', path, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await golden('dns-outage-12min'));
  });

  it.each([
    'dns-outage-12min',
    'dns-ns-timeout-12min',
    'dns-then-outage',
    'latency-high-20min',
    'cert-expiring-30min',
  ])(
    '%s: the golden lines in order, shuffled within a minute (streamed), or reversed (sorted whole)',
    async (name) => {
      const text = await readFile(new URL(`../fixtures/timelines/${name}.ndjson`, import.meta.url), 'utf8');
      const lines = text.trim().split('\n');
      // Each pair of neighbours swapped: out of order by seconds, within the 1-minute window.
      const swapped = lines.flatMap((_, i) => (i % 2 === 0 ? [lines[i + 1], lines[i]] : [])).filter(Boolean);
      const variants = { inOrder: lines, swapped, reversed: [...lines].reverse() };
      for (const [variant, content] of Object.entries(variants)) {
        const file = join(dir, `${name}-${variant}.ndjson`);
        await writeFile(file, `${content.join('\n')}\n`);
        // --config: the built-in defaults.
        const out = await replayInProcess(file, defaultsConfig);
        expect(out.map((l) => `${l}\n`).join('')).toBe(await golden(name));
      }
    },
  );

  it('exits 2 for a timeline longer than replay simulates, naming the file', async () => {
    const path = join(dir, 'too-long.ndjson');
    const [first] = (await readFile(timeline, 'utf8')).split('\n') as [string];
    const far = JSON.parse(first) as Finding;
    far.startedAt = new Date(T0 + 100_005 * MINUTE).toISOString();
    await writeFile(path, `${first}\n${JSON.stringify(far)}\n`);
    const r = await runCli(['replay', '--findings', path], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`netprobe: --findings ${path}: replay: the findings span 100005 minutes`);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it.each([
    ['missing.ndjson', null, 'file not found'],
    ['garbage.ndjson', '{"monitorId":"x"}\nnot json\n', 'line 1: '],
    ['notjson.ndjson', 'not json\n', 'line 1: not JSON'],
  ])('exits 2 for a bad findings file (%s), naming file and line', async (name, content, message) => {
    const path = join(dir, name);
    if (content !== null) await writeFile(path, content);
    const r = await runCli(['replay', '--findings', path], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`netprobe: --findings ${path}: ${message}`);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('reports every bad line of a file with its number (exit 2), and replays minimal lines', async () => {
    const path = join(dir, 'hand-written.ndjson');
    const line = (minute: number, extra: object) =>
      JSON.stringify({
        monitorId: 'www',
        location: 'eu-west-1',
        startedAt: new Date(T0 + minute * MINUTE).toISOString(),
        ...extra,
      });
    await writeFile(
      path,
      `${line(0, { status: 'down' })}\n${line(1, { status: 'maybe' })}\n${line(2, { status: 'up' })}\n`,
    );
    const bad = await runCli(['replay', '--findings', path], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--findings ${path}: line 1: error.code: required when status is not up`);
    expect(bad.stderr).toContain('line 2: status:');
    expect(bad.stderr).not.toMatch(STACK_FRAME);

    const good = Array.from({ length: 24 }, (_, m) =>
      line(m, m < 20 ? { status: 'down', error: { code: 'TCP_REFUSED' } } : { status: 'up' }),
    );
    await writeFile(path, `${good.join('\n')}\n`);
    const r = await runCli(['replay', '--findings', path, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const [escalate] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(Object.keys(escalate)).toEqual(REPLAY_JSON_KEYS);
    expect(escalate).toMatchObject({ kind: 'escalate', issueType: 'tcp', scope: 'global', monitorId: 'www' });
  });
});

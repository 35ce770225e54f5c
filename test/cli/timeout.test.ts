/**
 * The timeout bounds the whole command (docs/cli.md "Timeouts"): against a blackholed port (a listener
 * whose accept queue is full, so connects hang as behind a DROP rule), `check --timeout T` exits about T
 * after the same command against a closed port would, and `run` within ceil(monitors ÷ concurrency) ×
 * the largest timeout. Probe and triage share the one deadline; with none left the finding says triage was skipped.
 * Bounds here are generous for a loaded CI machine (the old code took T + 3 s of triage, per wave);
 * BENCHMARKS.md measures the 0.5 s of the contract.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import { closedPort, filteredPort } from '../fixtures/net-servers.ts';
import { type CliResult, runCli } from './run-cli.ts';

/**
 * Starting Node, loading the CLI and its warm-up vary by seconds on a loaded machine, so each case is
 * compared with the same command against a closed port (refused at once: the same start-up, no waiting)
 * run just before it, and allowed this much more. The deterministic evidence is the finding's: no triage
 * ran, and `triageSkipped` says why.
 */
const SLACK_MS = 2500;

let filtered: { port: number; close: () => Promise<void> };
let closed: number;
let dir: string;

beforeAll(async () => {
  filtered = await filteredPort();
  closed = await closedPort();
  dir = await mkdtemp(join(tmpdir(), 'netprobe-timeout-'));
});

/** How much longer `args(port)` takes against the blackholed port than against the closed one. */
async function extraMs(args: (port: number) => string[]): Promise<{ r: CliResult; extra: number }> {
  const baseline = await runCli(args(closed));
  const r = await runCli(args(filtered.port));
  return { r, extra: r.ms - baseline.ms };
}

afterAll(async () => {
  await filtered?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('check --timeout bounds the whole command', () => {
  it('ends a blackholed HTTP check at the timeout, with triage skipped and the finding saying so', async () => {
    const { r, extra } = await extraMs((port) => [
      'check',
      `http://127.0.0.1:${port}/`,
      '--timeout',
      '1s',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const finding = JSON.parse(r.stdout) as Finding;
    expect(finding.error?.code).toBe('TCP_TIMEOUT');
    expect(finding).not.toHaveProperty('triage');
    expect(finding.triageSkipped).toMatch(
      /^no time left: \d+ ms of the 1000 ms timeout remained after the probe/,
    );
    expect(extra).toBeLessThan(1000 + SLACK_MS);
  });

  it('says in the table that triage was skipped', async () => {
    const { r, extra } = await extraMs((port) => ['check', `tcp://127.0.0.1:${port}`, '--timeout', '500ms']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/triage skipped: no time left/);
    expect(extra).toBeLessThan(500 + SLACK_MS);
  });
});

describe('run is bounded by ceil(monitors ÷ concurrency) × the largest timeout', () => {
  it('runs 3 blackholed monitors, 2 at a time, 1 s each, in about 2 s', async () => {
    const monitor = (id: string, port: number) => ({
      id,
      interval: '1m',
      timeout: '1s',
      url: `tcp://127.0.0.1:${port}`,
    });
    const configFor = async (port: number) => {
      const config = join(dir, `three-${port}.json`);
      await writeFile(
        config,
        JSON.stringify({
          homeRegion: 'eu-west-1',
          regions: ['eu-west-1'],
          monitors: [monitor('a', port), monitor('b', port), monitor('c', port)],
        }),
      );
      return config;
    };
    const configs = new Map([
      [closed, await configFor(closed)],
      [filtered.port, await configFor(filtered.port)],
    ]);
    const { r, extra } = await extraMs((port) => [
      'run',
      '--config',
      configs.get(port) ?? '',
      '--concurrency',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const findings = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Finding);
    expect(findings.map((f) => [f.monitorId, f.error?.code])).toEqual([
      ['a', 'TCP_TIMEOUT'],
      ['b', 'TCP_TIMEOUT'],
      ['c', 'TCP_TIMEOUT'],
    ]);
    for (const f of findings) expect(f.triageSkipped).toMatch(/^no time left/);
    expect(extra).toBeLessThan(2 * 1000 + SLACK_MS);
  });
});

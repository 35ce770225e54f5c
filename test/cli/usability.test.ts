/**
 * The CLI's rough edges, each as a new user met it (issue 9, "a CLI that feels finished"): the launcher,
 * hints on bad input, help text, colors, `--fail-on`, the evidence in the table, numbers that agree
 * between views, JSON to the microsecond, and progress that costs a probe in flight nothing.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../cli/commands/check.ts';
import { createOutput } from '../../cli/output.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { closedPort } from '../fixtures/net-servers.ts';
import { checkFlags } from './fixtures/check-flags.ts';
import { REPO, runCli } from './run-cli.ts';

const run = promisify(execFile);

let dir: string;
let slow: http.Server;
let slowUrl: string;
let closed: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netprobe-usability-'));
  // Answers after 60 ms: over a 10 ms latency budget, so degraded, never down.
  slow = http.createServer((_req, res) => {
    setTimeout(() => res.end('ok'), 60);
  });
  slow.listen(0, '127.0.0.1');
  await once(slow, 'listening');
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
  closed = await closedPort();
});

afterAll(async () => {
  slow?.closeAllConnections();
  await new Promise((resolve) => slow?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A decimal with more than 3 digits after the point anywhere in the text. */
const OVER_3_DECIMALS = /\d\.\d{4,}/;

describe('the launcher (bin/netprobe, linked as node_modules/.bin/netprobe)', () => {
  it('runs with the repo’s Node 24 whatever node is first on PATH, printing nothing else', async () => {
    // /usr/bin first: on this project's machines that is the system Node 20, which cannot run the .ts entry.
    const { stdout, stderr } = await run(join(REPO, 'bin/netprobe'), ['--version'], {
      env: { PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` },
    });
    expect(stdout).toBe('0.1.0\n');
    expect(stderr).toBe('');
  });
});

describe('usage errors say what to try', () => {
  it('suggests tcp:// (or http://) for host:port without a scheme', async () => {
    const r = await runCli(['check', 'localhost:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'netprobe: url: unknown scheme "localhost:" (expected dns, tcp, tls, http, https); did you mean tcp://localhost:1 (a TCP port) or http://localhost:1/?\n',
    );
  });

  it.each([
    [['check', 'http://127.0.0.1:1/', '--bogus'], 'check'],
    [['run', '--concurrency', '0'], 'run'],
    [['replay'], 'replay'],
  ])('a parser error in %j points to `netprobe %s --help`', async (args, verb) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`(see netprobe ${verb} --help)`);
  });

  it('help shows 2xx for --expect-status and no "(default: [])" for repeatable flags', async () => {
    const r = await runCli(['check', '--help']);
    expect(r.stdout).toMatch(/--expect-status <codes>\s+accepted status codes: 200, 2xx,/);
    expect(r.stdout).not.toContain('(default: [])');
    expect(r.stdout).toMatch(/--fail-on <status>/);
  });
});

describe('colors', () => {
  it('FORCE_COLOR=1 forces them into a pipe; FORCE_COLOR=0 and NO_COLOR keep it plain', async () => {
    const args = ['check', `http://127.0.0.1:${closed}/`, '--no-triage'];
    const forced = await runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(forced.stdout).toContain('\u001b[');
    const off = await runCli(args, { env: { FORCE_COLOR: '0', NO_COLOR: '' } });
    expect(off.stdout).not.toContain('\u001b[');
  });
});

describe('--fail-on', () => {
  it('degraded exits 0 by default and 1 with --fail-on degraded (check)', async () => {
    const args = ['check', slowUrl, '--max-latency', '10ms', '--json'];
    const lenient = await runCli(args);
    expect((JSON.parse(lenient.stdout) as Finding).status).toBe('degraded');
    expect(lenient.code).toBe(0);
    const strict = await runCli([...args, '--fail-on', 'degraded']);
    expect(strict.code).toBe(1);
    expect((await runCli([...args, '--fail-on', 'later'])).code).toBe(2);
  });

  it('applies to run too', async () => {
    const config = join(dir, 'slow.json');
    await writeFile(
      config,
      JSON.stringify({
        homeRegion: 'eu-west-1',
        regions: ['eu-west-1'],
        monitors: [
          { id: 'slow', interval: '1m', timeout: '2s', url: slowUrl, thresholds: { total: '10ms' } },
        ],
      }),
    );
    expect((await runCli(['run', '--config', config, '--json'])).code).toBe(0);
    expect((await runCli(['run', '--config', config, '--json', '--fail-on', 'degraded'])).code).toBe(1);
  });
});

describe('the views agree', () => {
  it('the table shows the probe’s own error message under the diagnosis', async () => {
    const r = await runCli(['check', `http://127.0.0.1:${closed}/`]);
    expect(r.stdout).toContain(
      `TCP_REFUSED: 127.0.0.1:${closed} refused the connection (nothing listening on that port)`,
    );
  });

  it('a refused connect has a connect time over HTTP as over TCP', async () => {
    const [overHttp, overTcp] = await Promise.all([
      runCli(['check', `http://127.0.0.1:${closed}/`, '--json', '--no-triage']),
      runCli(['check', `tcp://127.0.0.1:${closed}`, '--json', '--no-triage']),
    ]);
    for (const r of [overHttp, overTcp]) {
      const finding = JSON.parse(r.stdout) as Finding;
      expect(finding.error?.code).toBe('TCP_REFUSED');
      expect(finding.timings.connect).toEqual(expect.any(Number));
    }
  });

  it('JSON numbers have at most 3 decimals, details and triage included', async () => {
    const r = await runCli(['check', `http://127.0.0.1:${closed}/`, '--json']);
    const finding = JSON.parse(r.stdout) as Finding;
    expect(finding.triage?.length).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(OVER_3_DECIMALS);
  });
});

describe('progress', () => {
  it('is a single short write prepared before the probe: firing it costs under 0.1 ms', () => {
    const fd = openSync('/dev/null', 'w');
    let writes = 0;
    // A synchronous sink, as Node writes to a terminal.
    const stderr = {
      write: (text: string) => {
        writes++;
        return writeSync(fd, text);
      },
    };
    try {
      const output = createOutput({ write: () => true }, stderr, false, true);
      const show = output.progress?.prepare('netprobe: probing https://example.test/ (gives up after 10 s)…');
      if (!show) throw new Error('a terminal stderr must get progress');
      const costs: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        show();
        costs.push(performance.now() - t0);
      }
      costs.sort((a, b) => a - b);
      expect(writes).toBe(50);
      expect(costs[25]).toBeLessThan(0.1);
    } finally {
      closeSync(fd);
    }
  });

  it('check says what it probes before the probe’s clock starts, never while it is timed', async () => {
    // Longer than the old notice's 1 s delay, which wrote it in the middle of the probe.
    let requestAt = Number.NaN;
    const held = http.createServer((_req, res) => {
      requestAt = performance.now();
      setTimeout(() => res.end('ok'), 1100);
    });
    held.listen(0, '127.0.0.1');
    await once(held, 'listening');
    const url = `http://127.0.0.1:${(held.address() as AddressInfo).port}/`;
    const writes: { text: string; at: number }[] = [];
    const output = createOutput(
      { write: () => true },
      { write: (text: string) => writes.push({ text, at: performance.now() }) },
      false,
      true,
    );
    try {
      expect(await checkCommand(url, { ...checkFlags(), triage: true }, output)).toBe(0);
    } finally {
      await new Promise((resolve) => held.close(resolve));
    }
    expect(writes.map((w) => w.text)).toEqual([`netprobe: probing ${url} (gives up after 10 s)…\n`]);
    // The request arrives once the probe has connected: its clock had started.
    expect(writes[0]?.at).toBeLessThan(requestAt);
  });

  it('is absent when stderr is not a terminal', () => {
    expect(createOutput({ write: () => true }, { write: () => true }, false).progress).toBeUndefined();
  });
});

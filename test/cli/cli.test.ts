/**
 * The `netprobe` executable end to end: spawned as a user runs it, against servers on 127.0.0.1
 * port 0 that this file starts. Asserts exit codes, output shapes and error messages (docs/cli.md).
 */
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import { runCli, STACK_FRAME } from './run-cli.ts';

const SECRET = 'Bearer s3cr3t-t0ken-9f8e7d';
const TOKEN = 's3cr3t-t0ken-9f8e7d';

let dir: string;
let web: http.Server;
let webOrigin: string;
let silent: net.Server;
let silentPort: number;
let closedPort: number;
const silentSockets = new Set<net.Socket>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netprobe-cli-'));
  // Echoes what it was sent, in a response header and the body: a server that leaks the request's
  // secrets, so the tests prove the CLI never prints them whatever the target does.
  web = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    res.setHeader('connection', 'close');
    res.setHeader('x-echo', auth);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', path: req.url, youSent: auth }));
  });
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  webOrigin = `http://127.0.0.1:${(web.address() as net.AddressInfo).port}`;

  // Accepts and never answers: only a deadline ends a probe against it.
  silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
    socket.on('error', () => {});
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  silentPort = (silent.address() as net.AddressInfo).port;

  const released = net.createServer().listen(0, '127.0.0.1');
  await once(released, 'listening');
  closedPort = (released.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => released.close(() => resolve()));
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await Promise.all([
    new Promise<void>((resolve) => web.close(() => resolve())),
    new Promise<void>((resolve) => silent.close(() => resolve())),
  ]);
  web.closeAllConnections();
  await rm(dir, { recursive: true, force: true });
});

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe('netprobe check', () => {
  it('exits 0 for an up target and prints one JSON finding with the contract fields', async () => {
    const url = `${webOrigin}/health`;
    const r = await runCli(['check', url, '--json', '--expect-status', '200', '--expect-body', 'ok']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const finding = JSON.parse(lines[0] ?? '') as Finding;
    expect(finding).toMatchObject({
      monitorId: url,
      probe: 'http',
      target: url,
      status: 'up',
      error: null,
      layer: null,
      issueType: null,
      diagnosis: null,
      details: { kind: 'http', statusCode: 200, method: 'GET' },
    });
    expect(finding.location).toMatch(/^local:.+/);
    expect(new Date(finding.startedAt).toISOString()).toBe(finding.startedAt);
    for (const phase of ['dns', 'connect', 'ttfb', 'transfer', 'total'] as const) {
      expect(finding.timings[phase]).toBeTypeOf('number');
    }
  });

  it('prints a table with phases and no color codes when stdout is not a TTY', async () => {
    const r = await runCli(['check', `${webOrigin}/health`], { env: { NO_COLOR: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^MONITOR\s+PROBE\s+STATUS\s+DNS\s+CONNECT\s+TLS\s+TTFB\s+TRANSFER\s+TOTAL\s+CODE$/m,
    );
    expect(r.stdout).toMatch(/\s+http\s+up\s+\d+\.\d\s+\d+\.\d\s+-\s+\d+\.\d\s+\d+\.\d\s+\d+\.\d/);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('exits 1 with TCP_REFUSED for a closed port', async () => {
    const r = await runCli(['check', `tcp://127.0.0.1:${closedPort}`, '--json']);
    expect(r.code).toBe(1);
    const finding = JSON.parse(r.stdout) as Finding;
    expect(finding).toMatchObject({
      status: 'down',
      error: { code: 'TCP_REFUSED' },
      layer: 'transport',
      probe: 'tcp',
      target: `tcp://127.0.0.1:${closedPort}`,
    });
    expect(finding.diagnosis).toEqual(expect.any(String));
  });

  it('shows the diagnosis and triage for a failure in the table', async () => {
    const r = await runCli(['check', `http://127.0.0.1:${closedPort}/`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('TCP_REFUSED');
    expect(r.stdout).toMatch(/↳ .+/);
    expect(r.stdout).toContain('triage');
  });

  it('skips triage with --no-triage', async () => {
    const r = await runCli(['check', `http://127.0.0.1:${closedPort}/`, '--json', '--no-triage']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).not.toHaveProperty('triage');
  });

  it('ends at --timeout against a server that never answers', async () => {
    const r = await runCli([
      'check',
      `http://127.0.0.1:${silentPort}/`,
      '--timeout',
      '300ms',
      '--json',
      '--no-triage',
    ]);
    expect(r.code).toBe(1);
    const finding = JSON.parse(r.stdout) as Finding;
    expect(finding.error?.code).toBe('HTTP_TIMEOUT');
    expect(finding.timings.total).toBeGreaterThanOrEqual(290);
    // 300 ms of probing; the rest is starting Node, generously bounded for a loaded CI machine.
    expect(finding.timings.total).toBeLessThan(1000);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('is degraded (exit 0) over --max-latency', async () => {
    const r = await runCli([
      'check',
      `tcp://127.0.0.1:${silentPort}`,
      '--max-latency',
      'connect=1ms',
      '--json',
    ]);
    // Connecting to loopback can take under 1 ms; only assert the contract: degraded never exits 1.
    const finding = JSON.parse(r.stdout) as Finding;
    expect(['up', 'degraded']).toContain(finding.status);
    expect(r.code).toBe(0);
  });
});

describe('usage errors exit 2 with a message, never a stack trace', () => {
  it.each([
    [['check', 'ftp://example.test/'], 'netprobe: url: unknown scheme "ftp:"'],
    [['check', 'example.test'], 'netprobe: url: "example.test" has no scheme'],
    [['check', 'tcp://127.0.0.1'], 'netprobe: url: missing port'],
    [['check', 'dns://127.0.0.1/www.example.test?type=NOPE'], 'netprobe: url: unknown record type "NOPE"'],
    [['check', 'http://127.0.0.1:1/', '--timeout', '2x'], 'netprobe: --timeout: "2x" is not a duration'],
    [
      ['check', 'dns://127.0.0.1/a.test', '--expect-status', '200'],
      'netprobe: --expect-status applies to http://, https://',
    ],
    [
      ['check', 'http://127.0.0.1:1/', '--ca', '/nonexistent/ca.pem'],
      'netprobe: --ca /nonexistent/ca.pem: cannot read',
    ],
    [['check', 'http://127.0.0.1:1/', '--bogus'], "error: unknown option '--bogus'"],
    [['check'], "error: missing required argument 'url'"],
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['run', '--concurrency', '0'], "error: option '--concurrency <n>' argument '0' is invalid"],
    [['replay'], "error: required option '--findings <file>' not specified"],
    [[], 'Usage: netprobe'],
  ])('%j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stdout).toBe('');
  });

  it('--help exits 0 and lists the verbs', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const verb of ['check', 'run', 'replay', 'lab']) expect(r.stdout).toContain(verb);
  });
});

describe('netprobe run', () => {
  it('prints one JSON finding per monitor and exits 1 when one is down', async () => {
    const config = await writeJson('two.json', {
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      monitors: [
        { id: 'web', interval: '1m', timeout: '3s', url: `${webOrigin}/health` },
        { id: 'db', interval: '1m', timeout: '3s', url: `tcp://127.0.0.1:${closedPort}` },
        { id: 'web-again', interval: '1m', timeout: '3s', http: { url: `${webOrigin}/again` } },
      ],
    });
    const r = await runCli(['run', '--config', config, '--json', '--concurrency', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const findings = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Finding);
    expect(findings.map((f) => [f.monitorId, f.status])).toEqual([
      ['web', 'up'],
      ['db', 'down'],
      ['web-again', 'up'],
    ]);
    expect(findings[1]?.error?.code).toBe('TCP_REFUSED');
  });

  it('exits 0 and prints the table and summary when everything is up', async () => {
    const config = await writeJson('up.json', {
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      monitors: [{ id: 'web', interval: '1m', url: `${webOrigin}/health` }],
    });
    const r = await runCli(['run', '-c', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^web\s+http\s+up\s/m);
    expect(r.stdout).toContain('1 monitor: 1 up, 0 degraded, 0 down');
  });

  it('exits 2 naming the file and the path of a bad value', async () => {
    const config = await writeJson('bad.json', {
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      monitors: [{ id: 'web', interval: '1m', url: `${webOrigin}/`, colour: 'blue' }],
    });
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`netprobe: ${config}: monitors[0].colour`);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('exits 2 naming a config file that does not exist', async () => {
    const missing = join(dir, 'missing.config.ts');
    const r = await runCli(['run', '--config', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`netprobe: ${missing}: file not found\n`);
  });

  it('exits 2 without --config where there is no monitors.config.ts, saying what to do', async () => {
    const r = await runCli(['run'], { cwd: dir });
    expect(r.code).toBe(2);
    // The directory as the process sees it (a symlinked temp dir resolves to its real path).
    expect(r.stderr).toBe(
      `netprobe: no --config given and no ./monitors.config.ts in ${realpathSync(dir)}: pass --config <file>\n`,
    );
  });

  it('exits 2 for invalid JSON, naming the file', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{ "homeRegion": ');
    const r = await runCli(['run', '--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`netprobe: ${path}: invalid JSON`);
  });
});

describe('secrets', () => {
  it('never prints a --header secret, even when the target echoes it', async () => {
    const url = `${webOrigin}/echo`;
    const runs = await Promise.all([
      runCli([
        'check',
        url,
        '--json',
        '-H',
        `Authorization: ${SECRET}`,
        '--header',
        `X-Api-Key: ${TOKEN}-key`,
      ]),
      runCli(['check', url, '-H', `Authorization: ${SECRET}`, '--expect-body', 'nope']),
      runCli(['check', url, '--header', `Authorization ${SECRET}`]),
    ]);
    for (const r of runs) {
      expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
    }
    const [json, table, malformed] = runs;
    expect(json?.code).toBe(0);
    // The request really carried it (the server echoed something, scrubbed on the way out).
    expect(json?.stdout).toContain('[redacted]');
    expect(table?.code).toBe(1);
    expect(malformed?.code).toBe(2);
    expect(malformed?.stderr).toBe(
      'netprobe: --header #1: expected "Name: value" with a valid header name\n',
    );
  });
});

/**
 * The offline demo lab (`npm start` = `netprobe lab`): every lab monitor finds what its target was
 * built to produce, the process exits 0 in seconds, and nothing is left listening.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import { compareWithExpected, runLab, startLab } from '../../shared/lab/lab.ts';
import type { MetricDatum } from '../../shared/ports/metrics.ts';
import type { ErrorCode } from '../../shared/probes/types.ts';
import { runCli, STACK_FRAME } from './run-cli.ts';

function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

describe('compareWithExpected', () => {
  const finding = (monitorId: string, status: Finding['status'], code?: ErrorCode) =>
    ({ monitorId, status, error: code ? { code, message: '' } : null }) as Finding;
  const expected = {
    a: { status: 'up', why: '' },
    b: { status: 'down', code: 'TCP_REFUSED', why: '' },
    c: { status: 'degraded', code: 'LATENCY_HIGH', why: '' },
  } as const;

  it('passes what matches, excuses a busy host, and flags everything else', () => {
    expect(
      compareWithExpected(
        [finding('a', 'degraded', 'LATENCY_HIGH'), finding('b', 'down', 'TCP_REFUSED')],
        expected,
      ),
    ).toEqual({
      surprises: [],
      slow: ['a'],
    });
    const { surprises } = compareWithExpected(
      [finding('a', 'down', 'HTTP_STATUS'), finding('b', 'down', 'TCP_TIMEOUT'), finding('c', 'up')],
      expected,
    );
    expect(surprises.map((s) => [s.monitorId, s.got])).toEqual([
      ['a', { status: 'down', code: 'HTTP_STATUS' }],
      ['b', { status: 'down', code: 'TCP_TIMEOUT' }],
      ['c', { status: 'up' }],
    ]);
  });
});

describe('lab', () => {
  it('finds exactly what each target was built to produce', async () => {
    const datums: MetricDatum[] = [];
    const run = await runLab({
      location: 'local:test',
      metrics: { publish: async (d) => void datums.push(...d) },
    });
    expect(run.skipped).toEqual([]);
    expect(run.surprises).toEqual([]);
    expect(run.findings.map((f) => f.monitorId)).toEqual(run.lab.config.monitors.map((m) => m.id));
    const byId = Object.fromEntries(run.findings.map((f) => [f.monitorId, f]));
    // The lab's point: one of each kind of failure, each with its code and a diagnosis.
    expect(byId['checkout-api']).toMatchObject({ status: 'down', error: { code: 'HTTP_STATUS' } });
    expect(byId['legacy-portal']).toMatchObject({
      status: 'down',
      error: { code: 'TLS_CERT_EXPIRED' },
      layer: 'tls',
    });
    expect(byId['db-primary-port']).toMatchObject({ status: 'down', error: { code: 'TCP_REFUSED' } });
    expect(byId['search-api']).toMatchObject({ status: 'degraded', error: { code: 'LATENCY_HIGH' } });
    expect(byId['smtps-mail-example-test']).toMatchObject({
      status: 'degraded',
      error: { code: 'TLS_CERT_EXPIRING' },
    });
    expect(byId['dns-example-test-authoritative']).toMatchObject({ error: { code: 'DNS_SERIAL_MISMATCH' } });
    expect(byId['www-cdn-asset']?.details).toMatchObject({ kind: 'http', cdn: { cache: 'hit' } });
    expect(byId['www-http-redirect']?.details).toMatchObject({
      statusCode: 200,
      redirects: [{ status: 301 }],
    });
    // The run's datums, as the probe-runner would publish them: Up for every monitor, 0 for the down ones.
    expect(run.metrics.datums).toBe(datums.length);
    const up = datums.filter((d) => d.name === 'Up');
    expect(up.map((d) => [d.dimensions.Monitor, d.value])).toEqual(
      run.findings.map((f) => [f.monitorId, f.status === 'down' ? 0 : 1]),
    );
    expect(datums.find((d) => d.name === 'CdnCacheHit')).toMatchObject({
      dimensions: { Monitor: 'www-cdn-asset' },
      value: 1,
    });
    // Through DynamoDB and back, unchanged.
    const byMonitor = (a: Finding, b: Finding) => a.monitorId.localeCompare(b.monitorId);
    expect([...run.stored.readBack].sort(byMonitor)).toEqual([...run.findings].sort(byMonitor));
    // Persisting, every down monitor pages (db-primary-port its own team), and only failing ones do.
    const notUp = new Set(run.findings.filter((f) => f.status !== 'up').map((f) => f.monitorId));
    for (const page of run.pages) expect(notUp.has(page.monitorId)).toBe(true);
    const paged = new Set(run.pages.filter((p) => p.kind === 'escalate').map((p) => p.monitorId));
    for (const id of ['db-primary-port', 'checkout-api', 'legacy-portal']) expect(paged.has(id)).toBe(true);
    expect(run.pages.find((p) => p.monitorId === 'db-primary-port')?.team).toBe('database-team');
    for (const f of run.findings.filter((x) => x.status !== 'up'))
      expect(f.diagnosis).toEqual(expect.any(String));
  });

  it('runs without the stale secondary where there is no IPv6 loopback, and says so', async () => {
    const run = await runLab({
      location: 'local:test',
      secondaryNameserver: false,
      metrics: { publish: async () => {} },
    });
    expect(run.lab.notes).toEqual([
      'no IPv6 loopback here: the stale secondary nameserver ([::1]) is left out',
    ]);
    expect(run.surprises).toEqual([]);
    const zone = run.findings.find((f) => f.monitorId === 'dns-example-test-authoritative');
    expect(zone).toMatchObject({ status: 'up', details: { nameservers: [{ soaSerial: 2026112401 }] } });
  });

  it('stops every server on close', async () => {
    const lab = await startLab();
    const ports = [lab.targets.http.port, lab.targets.https.port, lab.targets.expired.port, lab.dnsPort];
    expect(await connectError(lab.targets.http.port)).toBeUndefined();
    await lab.close();
    for (const port of ports) expect(await connectError(port)).toBe('ECONNREFUSED');
  });

  it('npm start: `netprobe lab` prints the findings and exits 0 within seconds', async () => {
    const r = await runCli(['lab']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^MONITOR\s+PROBE\s+STATUS\s+DNS\s+CONNECT\s+TLS\s+TTFB\s+TRANSFER\s+TOTAL\s+CODE\s+TARGET$/m,
    );
    expect(r.stdout).toMatch(/^checkout-api\s+http\s+down\s.*HTTP_STATUS/m);
    expect(r.stdout).toMatch(/^db-primary-port\s+tcp\s+down\s.*TCP_REFUSED/m);
    expect(r.stdout).toContain('Broken on purpose');
    expect(r.stdout).toMatch(
      /^ {2}metric Netprobe\/Up\{Monitor="db-primary-port",Probe="tcp",Region="local:[^"]+"\} 0 None /m,
    );
    expect(r.stdout).toMatch(
      /Stored 10 findings in the embedded DynamoDB \(dynalite at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(r.stdout).toMatch(/\+\d+m\s+escalate\s+database-team\s+\w+\s+db-primary-port/);
    expect(r.stdout).toContain('Exit code 0');
    expect(r.stdout).not.toMatch(STACK_FRAME);
    // A few seconds on a developer machine; bounded generously for a loaded CI box.
    expect(r.ms).toBeLessThan(20_000);
  });

  it('ends quietly when the reader of its output goes away (| head -1)', async () => {
    const r = await runCli(['lab'], { closeStdoutEarly: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('`netprobe lab --json` prints one finding per lab monitor', async () => {
    const r = await runCli(['lab', '--json']);
    expect(r.code).toBe(0);
    const findings = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Finding);
    expect(findings).toHaveLength(10);
    expect(findings.filter((f) => f.status === 'down').map((f) => f.monitorId)).toEqual([
      'db-primary-port',
      'checkout-api',
      'legacy-portal',
    ]);
  });
});

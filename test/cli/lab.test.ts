/**
 * The offline demo lab (`npm start` = `netprobe lab`): every lab monitor finds what its target was
 * built to produce, the process exits 0 in seconds, and nothing is left listening.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/errors.ts';
import { loadConfig } from '../../shared/config/load.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { compareWithExpected, ROOT_CONFIG_PATH, runLab, startLab } from '../../shared/lab/lab.ts';
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
    a: { status: 'up', why: '', fromConfig: true },
    b: { status: 'down', code: 'TCP_REFUSED', why: '', fromConfig: true },
    c: { status: 'degraded', code: 'LATENCY_HIGH', why: '', fromConfig: false },
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
    let namespace = '';
    const run = await runLab({
      location: 'local:test',
      metrics: (ns) => {
        namespace = ns;
        return { publish: async (d) => void datums.push(...d) };
      },
    });
    expect(run.skipped).toEqual([]);
    expect(run.surprises).toEqual([]);
    // The monitors of the root monitors.config.ts, in its order, then the lab's own.
    const root = await loadConfig(ROOT_CONFIG_PATH);
    expect(run.findings.map((f) => f.monitorId)).toEqual([
      ...root.monitors.map((m) => m.id),
      'search-api',
      'checkout-api',
      'legacy-portal',
      'partner-api',
      'shop-pool',
      'dual-stack',
      'api-h2',
      'zone-dnssec',
    ]);
    expect(run.lab.notes).not.toContainEqual(expect.stringContaining('monitors.config.ts'));
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
    expect(byId['smtps-mail-example-net']).toMatchObject({
      status: 'degraded',
      error: { code: 'TLS_CERT_EXPIRING' },
    });
    // The whole chain: the leaf is fine, the intermediate it is sent with expires in days.
    expect(byId['partner-api']).toMatchObject({ status: 'degraded', error: { code: 'TLS_CERT_EXPIRING' } });
    expect(byId['partner-api']?.diagnosis).toMatch(
      /^Intermediate certificate CN=netprobe lab intermediate CA in the chain served for 127\.0\.0\.1 expires in 5 days/,
    );
    // Every address: one node of the two behind shop.example.test is down, which partial: 'degraded' keeps degraded.
    expect(byId['shop-pool']).toMatchObject({
      status: 'degraded',
      error: { code: 'TCP_REFUSED' },
      details: {
        addressResults: [
          { address: '127.0.0.1', status: 'up' },
          { address: '127.0.0.3', status: 'down' },
        ],
      },
    });
    // DNSSEC: the lab signs its zone with 2-day signatures: a warning (no page), with its countdown metric.
    expect(byId['zone-dnssec']).toMatchObject({
      status: 'degraded',
      error: { code: 'DNS_DNSSEC_EXPIRING' },
      details: { dnssec: { signer: 'example.test.', daysLeft: 2 } },
    });
    // The signatures are the evidence: no other resolver is asked, and the advice is the signer's.
    expect(byId['zone-dnssec']?.diagnosis).toMatch(
      /check that the signer re-signs the zone before the signatures expire\.$/,
    );
    expect(datums.find((d) => d.name === 'DnssecDaysRemaining')).toMatchObject({
      dimensions: { Monitor: 'zone-dnssec' },
      value: 2,
    });
    // HTTP/2 through ALPN, recorded as Node reports it.
    expect(byId['api-h2']).toMatchObject({
      status: 'up',
      details: { httpVersion: '2.0', tls: { alpn: 'h2' } },
    });
    // Both families: IPv6 broken, IPv4 fine, and the diagnosis says so.
    expect(byId['dual-stack']).toMatchObject({ status: 'degraded', error: { code: 'TCP_REFUSED' } });
    expect(byId['dual-stack']?.diagnosis).toMatch(
      /IPv6 path broken, IPv4 fine: connect refused by \[::1\]:\d+/,
    );
    expect(datums.find((d) => d.name === 'AddressesFailed')).toMatchObject({
      dimensions: { Monitor: 'shop-pool' },
      value: 1,
    });
    expect(byId['dns-example-com-authoritative']).toMatchObject({ error: { code: 'DNS_SERIAL_MISMATCH' } });
    expect(byId['www-cdn-asset']?.details).toMatchObject({ kind: 'http', cdn: { cache: 'hit' } });
    expect(byId['www-http-redirect']?.details).toMatchObject({
      statusCode: 200,
      redirects: [{ status: 301 }],
    });
    // The run's datums, as the probe-runner would publish them: Up for every monitor, 0 for the down ones.
    expect(namespace).toBe(root.namespace);
    expect(run.metrics.published).toEqual(datums);
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
    // Persisting, every monitor with a paging failure pages once, at its table time, its team; the
    // expiring certificate does not page (a warning) and healthy monitors do not.
    const staleZone = run.lab.expected['dns-example-com-authoritative']?.status === 'degraded';
    expect(
      run.pages.map((p) => [p.notification.kind, p.notification.monitorId, p.notification.team]),
    ).toEqual([
      ['escalate', 'db-primary-port', 'database-team'],
      ...(staleZone ? [['escalate', 'dns-example-com-authoritative', 'network-team']] : []),
      ['escalate', 'search-api', 'performance-team'],
      ['escalate', 'checkout-api', 'performance-team'],
      ['escalate', 'legacy-portal', 'performance-team'],
      ['escalate', 'shop-pool', 'performance-team'],
      ['escalate', 'dual-stack', 'performance-team'],
    ]);
    const db = run.pages.find((p) => p.notification.monitorId === 'db-primary-port');
    // A single-location hard failure is a complete outage; the monitor's own team is paged for it.
    expect(db?.notification).toMatchObject({ team: 'database-team', issueType: 'connectivity' });
    // As the SNS adapter sends it: the team's topic, subject, filterable attributes, JSON message.
    expect(db?.publish).toMatchObject({
      TopicArn: `arn:aws:sns:${root.homeRegion}:${root.account}:netprobe-database-team`,
      Subject: expect.stringMatching(
        /^\[critical\] db-primary-port: connectivity failure in local:test since /,
      ),
      MessageAttributes: {
        team: { DataType: 'String', StringValue: 'database-team' },
        issueType: { DataType: 'String', StringValue: 'connectivity' },
        severity: { DataType: 'String', StringValue: 'critical' },
        kind: { DataType: 'String', StringValue: 'escalate' },
      },
    });
    expect(JSON.parse(db?.publish.Message ?? '{}')).toMatchObject({
      monitor: 'db-primary-port',
      errorCodes: ['TCP_REFUSED'],
      diagnosis: byId['db-primary-port']?.diagnosis,
      locations: { failing: ['local:test'], healthy: [] },
    });
    const origin = Math.min(...run.findings.map((f) => Date.parse(f.startedAt)));
    const minutesIn = (monitorId: string) =>
      (Date.parse(run.pages.find((p) => p.notification.monitorId === monitorId)?.notification.at ?? '') -
        origin) /
      60_000;
    expect(minutesIn('db-primary-port')).toBeCloseTo(2, 0);
    if (staleZone) expect(minutesIn('dns-example-com-authoritative')).toBeCloseTo(10, 0);
    expect(minutesIn('checkout-api')).toBeCloseTo(15, 0);
    // The dry-run had a table of its own: the real one holds the run, not simulated minutes.
    expect(run.replayTableName).not.toBe(run.stored.tableName);
    for (const f of run.findings.filter((x) => x.status !== 'up'))
      expect(f.diagnosis).toEqual(expect.any(String));
  });

  it('runs without the stale secondary where there is no IPv6 loopback, and says so', async () => {
    const run = await runLab({
      location: 'local:test',
      secondaryNameserver: false,
      metrics: () => ({ publish: async () => {} }),
    });
    expect(run.lab.notes).toEqual([
      'no IPv6 loopback here: the stale secondary nameserver ([::1]) is left out',
    ]);
    expect(run.surprises).toEqual([]);
    const zone = run.findings.find((f) => f.monitorId === 'dns-example-com-authoritative');
    expect(zone).toMatchObject({ status: 'up', details: { nameservers: [{ soaSerial: 2026112401 }] } });
  });

  it('runs an edited config: a monitor with no lab target is a note, the rest runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netprobe-lab-config-'));
    try {
      const configPath = join(dir, 'monitors.config.json');
      const config = {
        homeRegion: 'us-east-1',
        regions: ['us-east-1'],
        monitors: [
          { id: 'intranet', interval: '1m', dns: { name: 'intranet.corp.internal', type: 'A' } },
          { id: 'home', interval: '1m', url: 'https://www.example.org/' },
        ],
      };
      await writeFile(configPath, JSON.stringify(config));

      const run = await runLab({
        location: 'local:test',
        configPath,
        metrics: () => ({ publish: async () => {} }),
      });

      expect(run.lab.notes).toContainEqual(
        expect.stringMatching(/^intranet \(monitors\.config\.json\) is left out: /),
      );
      expect(run.findings.map((f) => [f.monitorId, f.status])).toEqual([
        ['home', 'up'],
        ['search-api', 'degraded'],
        ['checkout-api', 'down'],
        ['legacy-portal', 'down'],
        ['partner-api', 'degraded'],
        ['shop-pool', 'degraded'],
        ['dual-stack', 'degraded'],
        ['api-h2', 'up'],
        ['zone-dnssec', 'degraded'],
      ]);
      expect(run.surprises).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a config that does not load is a ConfigError naming the file (the store started beside it is closed)', async () => {
    const run = runLab({
      location: 'local:test',
      configPath: 'no-such-monitors.config.ts',
      metrics: () => ({ publish: async () => {} }),
    });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(/no-such-monitors\.config\.ts: file not found/);
  });

  it('stops every server on close', async () => {
    const lab = await startLab();
    const ports = [lab.targets.http.port, lab.targets.https.port, lab.targets.expired.port, lab.dnsPort];
    expect(await connectError(lab.targets.http.port)).toBeUndefined();
    await lab.close();
    for (const port of ports) expect(await connectError(port)).toBe('ECONNREFUSED');
  });

  it('npm start: `netprobe lab` prints findings, stored, metrics and pages, in that order, and exits 0', async () => {
    const r = await runCli(['lab']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    const at = (heading: RegExp) => out.search(heading);
    const order = [/^Findings /m, /^Stored /m, /^Metrics /m, /^Pages /m, /^Lab ran in /m].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(out).toMatch(/^netprobe lab: the 7 monitors of monitors\.config\.ts and 8 lab-only ones/);

    expect(out).toMatch(
      /^MONITOR\s+PROBE\s+STATUS\s+DNS\s+CONNECT\s+TLS\s+TTFB\s+TRANSFER\s+TOTAL\s+CODE\s+TARGET$/m,
    );
    expect(out).toMatch(/^checkout-api\s+http\s+down\s.*HTTP_STATUS/m);
    expect(out).toMatch(/^db-primary-port\s+tcp\s+down\s.*TCP_REFUSED/m);
    expect(out).toContain('Broken on purpose');
    expect(out).toMatch(
      /Stored 15 findings in the embedded DynamoDB \(dynalite at http:\/\/127\.0\.0\.1:\d+/,
    );

    // Metrics: one summary line per monitor instead of one line per datum, and the request they make.
    expect(out).toMatch(/^Metrics 97 datums, 1 PutMetricData request to CloudWatch namespace Netprobe/m);
    expect(out).toMatch(/^ {2}db-primary-port\s+Up=0 Latency=\d+\.\dms \(\+2 PhaseLatency\)$/m);
    expect(out).toMatch(
      /^ {2}www-cdn-asset\s+Up=1 Latency=\d+\.\dms CertDaysRemaining=89 CdnCacheHit=1 \(\+5 PhaseLatency\)$/m,
    );
    expect(out).not.toMatch(/^ {2}metric Netprobe\//m);

    // Pages: as SNS would get them; the JSON body of the first one only.
    expect(out).toMatch(
      /^ {3}\+2m {2}escalate → SNS topic netprobe-database-team\n {8}Subject: \[critical\] db-primary-port: connectivity failure in local:\S+ since \d\d:\d\dZ\n {8}MessageAttributes: team=database-team issueType=connectivity severity=critical kind=escalate dedupKey=\S+-connectivity-[0-9a-f]+:escalate scope=global\n {8}↳ Connect refused by 127\.0\.0\.1:\d+/m,
    );
    expect(out).toMatch(/^ {2}\+15m {2}escalate → SNS topic netprobe-performance-team$/m);
    expect(out).toContain(
      "Message of the first page, the JSON body SNS delivers (--verbose prints every page's):",
    );
    const json = out.slice(out.indexOf('\n    {\n') + 1, out.indexOf('\n    }\n') + 6);
    expect(JSON.parse(json)).toMatchObject({
      kind: 'escalate',
      monitor: 'db-primary-port',
      team: 'database-team',
    });
    expect(out.match(/^ {6}"kind": /gm)).toHaveLength(1);

    expect(out).toContain('Exit code 0');
    expect(out).not.toMatch(STACK_FRAME);
    // A few seconds on a developer machine; bounded generously for a loaded CI box.
    expect(r.ms).toBeLessThan(20_000);
  });

  it("`netprobe lab --verbose` prints every datum and every page's message", async () => {
    const r = await runCli(['lab', '--verbose']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const datumLines = r.stdout.match(/^ {2}metric Netprobe\/\w+\{.*$/gm) ?? [];
    expect(datumLines).toHaveLength(97);
    expect(r.stdout).toMatch(
      /^ {2}metric Netprobe\/Up\{Monitor="db-primary-port",Probe="tcp",Region="local:[^"]+"\} 0 None /m,
    );
    const pages = r.stdout.match(/^ +\+\d+m {2}escalate → SNS topic /gm) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(r.stdout.match(/^ +Message:$/gm)).toHaveLength(pages.length);
    expect(r.stdout).not.toContain('Message of the first page');
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
    expect(findings).toHaveLength(15);
    expect(findings.filter((f) => f.status === 'down').map((f) => f.monitorId)).toEqual([
      'db-primary-port',
      'checkout-api',
      'legacy-portal',
    ]);
  });
});

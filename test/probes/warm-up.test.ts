/**
 * The warm-up (shared/probes/warm-up.ts): a probe's clock never starts before its code paths are warm.
 * Each case runs in a fresh Node process (test/probes/fixtures/first-probes.ts), as `netprobe check` and
 * a Lambda cold start do, against loopback servers of this file: after warmUp(), the first probe of each
 * kind loads no module and runs no garbage collection while it is timed, and costs about the CPU of a
 * second one. Without the warm-up
 * the same first probes load modules (dgram's lazy child_process and cluster) and cost several times
 * more: the control that shows the checks can fail.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueCert } from '../../shared/lab/certs.ts';
import { type DnsServerHandle, startDnsServer } from '../../shared/lab/dns-server.ts';
import { secureContextWithExtraCa } from '../../shared/probes/tls.ts';
import { prepareSecureContext, warmUp } from '../../shared/probes/warm-up.ts';
import { startHttpServer, startRawServer, type TestServer } from '../fixtures/http-servers.ts';
import type { FirstProbe, FirstProbesInput } from './fixtures/first-probes.ts';

const run = promisify(execFile);
const CHILD = new URL('./fixtures/first-probes.ts', import.meta.url).pathname;

let servers: TestServer[] = [];
let dns: DnsServerHandle;
let targets: FirstProbesInput['targets'];

beforeAll(async () => {
  const ca = await createCa();
  const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
  const ok = (_req: unknown, res: { end: (body: string) => void }) => res.end('ok');
  const http = await startHttpServer(ok);
  const https = await startHttpServer(ok, { tls: leaf });
  const tcp = await startRawServer((socket) => socket.end('hello\n'));
  servers = [http, https, tcp];
  dns = await startDnsServer({
    records: [
      { name: 'warm.test', type: 'SOA', ttl: 60, data: 'ns.warm.test. h.warm.test. 1 60 60 60 60' },
      { name: 'www.warm.test', type: 'A', ttl: 60, data: '127.0.0.1' },
    ],
  });
  targets = [
    { url: `${http.origin}/` },
    { url: `${https.origin}/`, ca: ca.certPem },
    { url: `tcp://127.0.0.1:${tcp.port}` },
    { url: `dns://127.0.0.1:${dns.port}/www.warm.test?type=A` },
  ];
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await dns?.close();
});

async function firstProbes(warm: boolean): Promise<FirstProbe[]> {
  const input: FirstProbesInput = { warmUp: warm, targets };
  const { stdout } = await run(process.execPath, [CHILD, JSON.stringify(input)], { timeout: 60_000 });
  return JSON.parse(stdout) as FirstProbe[];
}

describe('warmUp', () => {
  it('exercises every prober over loopback and leaves nothing open', async () => {
    const before = process.getActiveResourcesInfo().length;
    const report = await warmUp();
    expect(report.steps.map((s) => [s.name, s.ok, s.detail])).toEqual([
      ['heap', true, expect.stringMatching(/^collected in \d+\.\d ms$/)],
      ['secure context', true, 'default + 0 ca bundle(s)'],
      ['http', true, undefined],
      ['https', true, undefined],
      ['tcp', true, undefined],
      ['tls', true, undefined],
      ['dns', true, undefined],
      ['getaddrinfo', true, undefined],
    ]);
    expect(report.ms).toBeGreaterThan(0);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before);
  });

  it('warms only the paths its specs will time: one http:// URL to an IP literal is the http path alone', async () => {
    const report = await warmUp([
      {
        kind: 'http',
        url: 'http://127.0.0.1:1/',
        method: 'GET',
        headers: {},
        maxRedirects: 0,
        maxBodyBytes: 1024,
        tls: { insecure: false, certWarnDays: 21, certCriticalDays: 7 },
        timeoutMs: 1000,
        assert: {},
        thresholds: {},
      },
    ]);
    expect(report.steps.map((s) => [s.name, s.ok])).toEqual([
      ['heap', true],
      ['secure context', true],
      ['http', true],
    ]);
  });

  it('reports an unusable ca bundle of a spec instead of throwing (the probe itself will say it)', async () => {
    const report = await warmUp([
      {
        kind: 'tcp',
        host: '127.0.0.1',
        port: 1,
        allAddresses: false,
        tls: { insecure: false, ca: 'not pem', certWarnDays: 21, certCriticalDays: 7 },
        timeoutMs: 1000,
        thresholds: {},
      },
    ]);
    expect(report.steps[1]).toEqual({
      name: 'secure context',
      ok: false,
      detail: 'expected PEM text (-----BEGIN CERTIFICATE----- …), not a file name',
    });
  });
});

describe('prepareSecureContext', () => {
  it('builds the context of a spec’s ca bundle once, before any clock, and names an unusable bundle', async () => {
    const ca = await createCa();
    const spec = {
      kind: 'tcp' as const,
      host: '127.0.0.1',
      port: 1,
      allAddresses: false,
      tls: { insecure: false, ca: ca.certPem, certWarnDays: 21, certCriticalDays: 7 },
      timeoutMs: 1000,
      thresholds: {},
    };
    expect(prepareSecureContext(spec)).toBeUndefined();
    const first = secureContextWithExtraCa(ca.certPem);
    const again = secureContextWithExtraCa(ca.certPem);
    expect(first.ok && again.ok && first.context === again.context).toBe(true);
    expect(prepareSecureContext({ ...spec, tls: { ...spec.tls, ca: 'not pem' } })).toMatch(/PEM/);
  });
});

describe('a fresh process after warmUp', () => {
  it('loads no module and collects no garbage while a first probe is timed, and spends about a warm probe’s CPU on it', async () => {
    const probes = await firstProbes(true);
    expect(probes.map((p) => [p.status, p.loaded, p.gcs])).toEqual(targets.map(() => ['up', [], []]));
    for (const p of probes) {
      // Generous: CPU time barely depends on load, and a cold first probe costs 3–20× a warm one.
      expect(p.cpuMs, p.url).toBeLessThan(2 * p.secondCpuMs + 3);
    }
  });

  it('(control) without it, first probes load modules and cost several warm probes of CPU', async () => {
    const probes = await firstProbes(false);
    const dnsProbe = probes.find((p) => p.url.startsWith('dns://'));
    expect(dnsProbe?.loaded).toContain('NativeModule child_process');
    const https = probes.find((p) => p.url.startsWith('https://'));
    expect(https?.cpuMs).toBeGreaterThan(2 * (https?.secondCpuMs ?? 0) + 3);
  });
});

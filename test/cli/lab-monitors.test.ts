/**
 * The lab's monitors come from monitors.config.ts: same ids, assertions, thresholds and teams, only
 * the target moved to the lab; a monitor with no lab target is a note, and the lab-only ones give way
 * to a config monitor of the same id. No servers here: the mapping is pure.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../shared/config/load.ts';
import type { MonitorInput } from '../../shared/config/schema.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { createCa } from '../../shared/lab/certs.ts';
import { ROOT_CONFIG_PATH } from '../../shared/lab/lab.ts';
import { labMonitors } from '../../shared/lab/monitors.ts';
import { persistedFailures } from '../../shared/lab/pages.ts';
import type { LabTargets } from '../../shared/lab/targets.ts';

/** A real CA certificate (the schema parses `ca`); nothing connects in these tests. */
const LAB_CA = (await createCa({ commonName: 'lab-monitors test CA' })).certPem;
const targets: LabTargets = {
  http: { origin: 'http://127.0.0.1:1001', port: 1001 },
  https: { origin: 'https://127.0.0.1:1002', port: 1002 },
  expired: { origin: 'https://127.0.0.1:1003', port: 1003 },
  mail: { port: 1004 },
  chain: { origin: 'https://127.0.0.1:1006', port: 1006 },
  h2: { origin: 'https://127.0.0.1:1007', port: 1007 },
  closedPort: 1005,
  caPem: LAB_CA,
  hits: () => 0,
  close: async () => {},
};
/** The lab's own monitors, after the config's. */
const LAB_ONLY = [
  'search-api',
  'checkout-api',
  'legacy-portal',
  'partner-api',
  'shop-pool',
  'dual-stack',
  'api-h2',
  'zone-dnssec',
];
const OPTS = { slowMs: 400, source: 'monitors.config.ts' };
const env = { dns: { host: '127.0.0.1', port: 1053 }, targets, staleSecondary: true };

function configWith(monitors: MonitorInput[]) {
  return parseConfig({ homeRegion: 'us-east-1', regions: ['us-east-1'], monitors }, 'test config');
}

describe('labMonitors', () => {
  it('points every monitor of the root config at the lab and keeps everything else', async () => {
    const root = await loadConfig(ROOT_CONFIG_PATH);
    const lab = labMonitors(root, env, OPTS);

    expect(lab.notes).toEqual([]);
    const ids = root.monitors.map((m) => m.id);
    expect(lab.monitors.map((m) => m.id)).toEqual([...ids, ...LAB_ONLY]);
    for (const [i, original] of root.monitors.entries()) {
      const mapped = lab.monitors[i];
      const { probe: _moved, ...settings } = original;
      expect(mapped).toMatchObject(settings);
      // Assertions, thresholds, timeouts and headers stay; only where it connects changes.
      const { probe } = original;
      expect(mapped?.probe).toMatchObject({
        kind: probe.kind,
        thresholds: probe.thresholds,
        timeoutMs: probe.timeoutMs,
        ...('assert' in probe ? { assert: probe.assert } : {}),
        ...(probe.kind === 'http' ? { headers: probe.headers, method: probe.method } : {}),
      });
      expect(lab.expected[original.id]?.fromConfig).toBe(true);
    }
    const byId = Object.fromEntries(lab.monitors.map((m) => [m.id, m.probe]));
    expect(byId['dns-example-com']).toMatchObject({ name: 'example.test', server: env.dns });
    expect(byId['dns-example-com-authoritative']).toMatchObject({ name: 'example.test', server: env.dns });
    expect(byId['api-health']).toMatchObject({
      url: 'https://127.0.0.1:1002/health',
      tls: { ca: LAB_CA, certWarnDays: expect.any(Number) },
    });
    expect(byId['www-cdn-asset']).toMatchObject({ url: 'https://127.0.0.1:1002/cdn/logo.svg' });
    expect(byId['www-http-redirect']).toMatchObject({ url: 'http://127.0.0.1:1001/' });
    expect(byId['db-primary-port']).toMatchObject({ host: '127.0.0.1', port: 1005 });
    expect(byId['smtps-mail-example-net']).toMatchObject({
      host: '127.0.0.1',
      port: 1004,
      tls: { ca: LAB_CA, certWarnDays: 30 },
      expect: { regex: '^220 ' },
    });
    expect(lab.expected).toMatchObject({
      'dns-example-com': { status: 'up' },
      'dns-example-com-authoritative': { status: 'degraded', code: 'DNS_SERIAL_MISMATCH' },
      'api-health': { status: 'up' },
      'db-primary-port': { status: 'down', code: 'TCP_REFUSED' },
      'smtps-mail-example-net': { status: 'degraded', code: 'TLS_CERT_EXPIRING' },
      'search-api': { status: 'degraded', code: 'LATENCY_HIGH', fromConfig: false },
      'checkout-api': { status: 'down', code: 'HTTP_STATUS', fromConfig: false },
      'legacy-portal': { status: 'down', code: 'TLS_CERT_EXPIRED', fromConfig: false },
      'partner-api': { status: 'degraded', code: 'TLS_CERT_EXPIRING', fromConfig: false },
    });
  });

  it('leaves out what it has no target for, with a note naming the monitor and why', () => {
    const config = configWith([
      { id: 'corp-dns', interval: '1m', dns: { name: 'intranet.corp.internal', type: 'A' } },
      { id: 'missing-name', interval: '1m', dns: { name: 'nope.example.com', type: 'A' } },
      { id: 'admin-page', interval: '1m', url: 'https://www.example.com/admin' },
      { id: 'kept', interval: '1m', url: 'https://www.example.com/health' },
    ]);

    const lab = labMonitors(config, env, OPTS);

    expect(lab.monitors.map((m) => m.id)).toEqual(['kept', ...LAB_ONLY]);
    expect(lab.notes).toEqual([
      expect.stringMatching(
        /^corp-dns \(monitors\.config\.ts\) is left out: .*has no intranet\.corp\.internal$/,
      ),
      expect.stringMatching(
        /^missing-name \(monitors\.config\.ts\) is left out: .*has no nope\.example\.com$/,
      ),
      expect.stringMatching(/^admin-page \(monitors\.config\.ts\) is left out: .* not \/admin$/),
    ]);
    expect(lab.expected['corp-dns']).toBeUndefined();
  });

  it("gives way to a config monitor of the same id, and follows the config's certificate window", () => {
    const config = configWith([
      { id: 'search-api', interval: '1m', url: 'https://api.example.net/health' },
      { id: 'mail', interval: '5m', tcp: { host: 'mail.example.net', port: 465, tls: { certWarnDays: 14 } } },
    ]);

    const lab = labMonitors(config, env, OPTS);

    expect(lab.monitors.map((m) => m.id)).toEqual(['search-api', 'mail', ...LAB_ONLY.slice(1)]);
    expect(lab.monitors[0]?.probe).toMatchObject({ url: 'https://127.0.0.1:1002/health' });
    expect(lab.notes).toEqual([
      'the lab-only monitor search-api is left out: monitors.config.ts has a monitor of that id',
    ]);
    // 20 days left is outside a 14-day window: up, not a warning.
    expect(lab.expected.mail).toMatchObject({ status: 'up', fromConfig: true });
    expect(lab.expected['search-api']).toMatchObject({ status: 'up', fromConfig: true });
  });

  it('expects the zone to pass where the stale secondary cannot run', async () => {
    const root = await loadConfig(ROOT_CONFIG_PATH);
    const lab = labMonitors(root, { ...env, staleSecondary: false }, OPTS);
    expect(lab.expected['dns-example-com-authoritative']).toMatchObject({ status: 'up' });
  });
});

describe('persistedFailures', () => {
  const config = configWith([
    { id: 'every-minute', interval: '1m', url: 'https://www.example.com/' },
    { id: 'every-five', interval: '5m', url: 'https://www.example.com/' },
    { id: 'healthy', interval: '1m', url: 'https://www.example.com/' },
    { id: 'cert-warning', interval: '1m', url: 'https://www.example.com/' },
  ]);
  const at = '2026-11-24T12:00:00.250Z';
  const finding = (monitorId: string, status: Finding['status'], code?: string) =>
    ({ monitorId, status, startedAt: at, error: code ? { code, message: '' } : null }) as Finding;

  it('repeats each paging failure at its interval until its page is due, the real finding first', () => {
    const real = [
      finding('every-minute', 'down', 'TCP_REFUSED'),
      finding('every-five', 'degraded', 'LATENCY_HIGH'),
      finding('healthy', 'up'),
      finding('cert-warning', 'degraded', 'TLS_CERT_EXPIRING'),
    ];

    const { timeline, monitors } = persistedFailures(real, config);

    // Nothing to do for the engine where nothing can page.
    expect(monitors.map((m) => m.id)).toEqual(['every-minute', 'every-five']);
    const minutes = (id: string) =>
      timeline
        .filter((f) => f.monitorId === id)
        .map((f) => (Date.parse(f.startedAt) - Date.parse(at)) / 60_000);
    // The longest default table time is 15 minutes (tcp).
    expect(minutes('every-minute')).toEqual(Array.from({ length: 16 }, (_, k) => k));
    expect(minutes('every-five')).toEqual([0, 5, 10, 15]);
    expect(timeline[0]).toEqual(real[0]);
  });
});

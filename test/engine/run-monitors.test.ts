/**
 * runMonitors / checkOnce: the one path from monitors to findings. Real HTTP servers on 127.0.0.1
 * count requests in flight on the server side, so the concurrency bound is measured, not assumed.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../shared/config/types.ts';
import { checkOnce, runMonitors } from '../../shared/engine/run-monitors.ts';
import { PROBES, type ProbeRegistry } from '../../shared/probes/index.ts';
import type { ProbeSpec } from '../../shared/probes/spec.ts';
import type { Probe } from '../../shared/probes/types.ts';
import { httpSpec } from '../fixtures/specs.ts';

function monitor(id: string, probe: ProbeSpec, extra: Partial<MonitorConfig> = {}): MonitorConfig {
  return { id, probe, intervalMinutes: 1, regions: ['eu-west-1', 'us-east-1'], cdn: false, ...extra };
}

/** Holds each request `delayMs` before answering 200, and records the most requests it held at once. */
async function startCountingServer(delayMs: number) {
  let inFlight = 0;
  let maxInFlight = 0;
  let served = 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((_req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const timer = setTimeout(() => {
      timers.delete(timer);
      inFlight--;
      served++;
      res.end('ok');
    }, delayMs);
    timers.add(timer);
  });
  server.on('connection', (s) => sockets.add(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stats: () => ({ maxInFlight, served }),
    reset: () => {
      maxInFlight = 0;
      served = 0;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('runMonitors', () => {
  let counting: Awaited<ReturnType<typeof startCountingServer>>;
  let slow: Awaited<ReturnType<typeof startCountingServer>>;
  let silent: http.Server;
  let silentUdp: UdpSocket;
  let closedPort: number;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    counting = await startCountingServer(150);
    slow = await startCountingServer(400);
    silent = http.createServer(() => {});
    silent.on('connection', (s) => sockets.add(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    silentUdp = createSocket('udp4');
    silentUdp.on('message', () => {});
    silentUdp.bind(0, '127.0.0.1');
    await once(silentUdp, 'listening');
    const scratch = net.createServer().listen(0, '127.0.0.1');
    await once(scratch, 'listening');
    closedPort = (scratch.address() as net.AddressInfo).port;
    await new Promise((resolve) => scratch.close(resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await counting.close();
    await slow.close();
    await new Promise((resolve) => silent.close(resolve));
    silentUdp.close();
  });

  const silentUrl = () => `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;

  it.each([1, 2, 3])(
    'never has more than %i probes in flight (counted by the server)',
    async (concurrency) => {
      counting.reset();
      const monitors = Array.from({ length: 7 }, (_, i) => monitor(`m${i}`, httpSpec(counting.url)));
      const { findings, skipped } = await runMonitors(monitors, { location: 'eu-west-1', concurrency });
      expect(counting.stats()).toEqual({ maxInFlight: concurrency, served: 7 });
      expect(findings.map((f) => [f.monitorId, f.status])).toEqual(monitors.map((m) => [m.id, 'up']));
      expect(skipped).toEqual([]);
    },
  );

  it('builds findings: context, classification, diagnosis, triage only when not up', async () => {
    const at = new Date('2026-11-24T10:00:00.000Z');
    const refused = httpSpec(`http://127.0.0.1:${closedPort}/`);
    const monitors = [
      monitor('up', httpSpec(counting.url)),
      monitor('one-region', refused, { regions: ['eu-west-1'] }),
      monitor('two-regions', refused),
      monitor('behind-cdn', refused, { cdn: true }),
    ];
    const { findings } = await runMonitors(monitors, {
      location: 'eu-west-1',
      concurrency: 4,
      now: () => at,
    });
    const [up, oneRegion, twoRegions, behindCdn] = findings;
    // Phases to the microsecond (curl's resolution), never performance.now()'s float tails.
    for (const ms of Object.values(up?.timings ?? {})) expect(String(ms)).toMatch(/^\d+(\.\d{1,3})?$/);
    expect(Object.keys(up?.timings ?? {}).sort()).toEqual(['connect', 'dns', 'total', 'transfer', 'ttfb']);
    expect(up).toMatchObject({
      monitorId: 'up',
      probe: 'http',
      location: 'eu-west-1',
      startedAt: '2026-11-24T10:00:00.000Z',
      status: 'up',
      issueType: null,
      diagnosis: null,
    });
    expect(up).not.toHaveProperty('triage');
    // Down in its only region: that is every location, so an outage.
    expect(oneRegion).toMatchObject({
      status: 'down',
      error: { code: 'TCP_REFUSED' },
      issueType: 'connectivity',
    });
    expect(twoRegions?.issueType).toBe('tcp');
    expect(behindCdn?.issueType).toBe('cdn');
    expect(oneRegion?.triage?.map((s) => [s.layer, s.status])).toEqual([['transport', 'down']]);
    expect(oneRegion?.diagnosis).toBe(
      `Connect refused by 127.0.0.1:${closedPort}; check the listener or security group.`,
    );
  });

  it('applies config.classification to failures everywhere', async () => {
    const only = monitor('only', httpSpec(`http://127.0.0.1:${closedPort}/`), { regions: ['eu-west-1'] });
    const { findings } = await runMonitors([only], {
      location: 'eu-west-1',
      concurrency: 1,
      triage: false,
      classification: { allLocationsDown: 'tcp' },
    });
    expect(findings[0]?.issueType).toBe('tcp');
    // Without triage the finding still explains itself, from the probe's own evidence.
    expect(findings[0]).not.toHaveProperty('triage');
    expect(findings[0]?.diagnosis).toMatch(/refused.*check the listener or security group\.$/);
  });

  it('starts a monitor only while its whole timeout fits before the deadline; the rest are skipped', async () => {
    slow.reset();
    const monitors = Array.from({ length: 4 }, (_, i) =>
      monitor(`s${i}`, httpSpec(slow.url, { timeoutMs: 1000 })),
    );
    // 1200 ms left: s0 starts; it takes ~400 ms, after which less than its 1000 ms timeout remains.
    const { findings, skipped } = await runMonitors(monitors, {
      location: 'local:test',
      concurrency: 1,
      deadline: performance.now() + 1200,
    });
    expect(findings.map((f) => [f.monitorId, f.status])).toEqual([['s0', 'up']]);
    expect(skipped).toEqual(['s1', 's2', 's3']);
    expect(slow.stats().served).toBe(1);
  });

  it("a probe cut by the caller's signal still yields a finding; monitors not started are skipped", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const monitors = ['a', 'b', 'c'].map((id) => monitor(id, httpSpec(silentUrl(), { timeoutMs: 10_000 })));
    const start = performance.now();
    const { findings, skipped } = await runMonitors(monitors, {
      location: 'eu-west-1',
      concurrency: 1,
      signal: controller.signal,
    });
    expect(performance.now() - start).toBeLessThan(300 + 300);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ monitorId: 'a', status: 'down', error: { code: 'HTTP_TIMEOUT' } });
    expect(findings[0]?.diagnosis).toEqual(expect.any(String));
    expect(skipped).toEqual(['b', 'c']);
  });

  it('triage is cut at the run deadline too', async () => {
    // Fails at once (refused), then triage would wait on a silent resolver for its full budget.
    const spec = httpSpec(`http://localhost:${closedPort}/`, { timeoutMs: 500 });
    const start = performance.now();
    const deadline = start + 800;
    const { findings } = await runMonitors([monitor('m', spec)], {
      location: 'eu-west-1',
      concurrency: 1,
      deadline,
      triage: { resolvers: [{ host: '127.0.0.1', port: silentUdp.address().port }] },
    });
    expect(performance.now()).toBeLessThan(deadline + 150);
    expect(findings[0]?.error?.code).toBe('TCP_REFUSED');
    expect(findings[0]?.triage?.find((s) => s.check.startsWith('direct query'))?.error?.code).toBe(
      'DNS_TIMEOUT',
    );
  });

  it('hands findings to onFinding (progress) only while no probe is timed, each once, all before it resolves', async () => {
    // The real probers, each call bracketed: `timed` counts the probes whose clock runs (triage's included).
    let timed = 0;
    const bracket =
      <S>(probe: Probe<S>): Probe<S> =>
      async (spec, ctx) => {
        timed++;
        try {
          return await probe(spec, ctx);
        } finally {
          timed--;
        }
      };
    const probes: ProbeRegistry = {
      dns: bracket(PROBES.dns),
      tcp: bracket(PROBES.tcp),
      http: bracket(PROBES.http),
    };
    // Different lengths, so probes overlap and end while others are still timed: 150 and 400 ms
    // servers, and a refused port whose triage probes run after the refusal.
    const monitors = [
      monitor('slow', httpSpec(slow.url)),
      monitor('counting-1', httpSpec(counting.url)),
      monitor('refused', httpSpec(`http://127.0.0.1:${closedPort}/`)),
      monitor('counting-2', httpSpec(counting.url)),
      monitor('counting-3', httpSpec(counting.url)),
    ];
    const writes: { id: string; timed: number }[] = [];
    const { findings } = await runMonitors(monitors, {
      location: 'local:test',
      concurrency: 3,
      probes,
      onFinding: (finding) => writes.push({ id: finding.monitorId, timed }),
    });
    expect(writes.map((w) => w.timed)).toEqual(monitors.map(() => 0));
    expect(writes.map((w) => w.id).sort()).toEqual(findings.map((f) => f.monitorId).sort());
  });

  it('refuses a bad run before starting anything, naming what and where', async () => {
    const good = monitor('good', httpSpec(counting.url));
    const bad = monitor('bad', httpSpec(counting.url, { timeoutMs: -1 }));
    counting.reset();
    await expect(runMonitors([good, bad], { location: 'x', concurrency: 2 })).rejects.toThrow(
      'monitors[1] (bad): runProbe: http spec timeoutMs must be a positive number of ms, got -1',
    );
    expect(counting.stats().served).toBe(0);
    await expect(runMonitors([good], { location: 'x', concurrency: 0 })).rejects.toThrow(
      'runMonitors: concurrency must be a whole number ≥ 1, got 0',
    );
  });
});

describe('checkOnce', () => {
  // Issue 14, on purpose: one place cannot tell a complete outage (was: its one location is every location).
  it('an ad-hoc URL: monitorId is the target, typed as one location can know, seen from one place', async () => {
    const scratch = net.createServer().listen(0, '127.0.0.1');
    await once(scratch, 'listening');
    const port = (scratch.address() as net.AddressInfo).port;
    await new Promise((resolve) => scratch.close(resolve));

    const finding = await checkOnce(httpSpec(`http://127.0.0.1:${port}/health`), {
      location: 'local:laptop',
      now: () => new Date('2026-11-24T10:00:00.000Z'),
    });
    expect(finding).toMatchObject({
      monitorId: `http://127.0.0.1:${port}/health`,
      target: `http://127.0.0.1:${port}/health`,
      location: 'local:laptop',
      startedAt: '2026-11-24T10:00:00.000Z',
      status: 'down',
      layer: 'transport',
      issueType: 'tcp',
    });
    expect(finding.diagnosis).toContain(`127.0.0.1:${port}`);
    expect(finding.diagnosis).toMatch(
      /Seen from one place only \(local:laptop\): whether it fails everywhere is not known\.$/,
    );
  });
});

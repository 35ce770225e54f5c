/**
 * runProbe's one hard deadline: real servers that never answer, for every kind, and fake probers that
 * misbehave (never resolve, throw, ignore their signal) for the safety net.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertRunnable,
  DEADLINE_GRACE_MS,
  PROBES,
  type ProbeRegistry,
  runProbe,
  targetOf,
} from '../../shared/probes/index.ts';
import type { ProbeSpec } from '../../shared/probes/spec.ts';
import type { Probe, ProbeContext, ProbeResult } from '../../shared/probes/types.ts';
import { filteredPort } from '../fixtures/net-servers.ts';
import { dnsSpec, httpSpec, tcpSpec } from '../fixtures/specs.ts';

/**
 * How late after its deadline a result may arrive, whatever the prober does. Measured lateness is a
 * few ms (median ~2 ms); the bound is generous because CI shares 2 cores with other test files, and
 * a probe that ignored its deadline would still miss it by seconds.
 */
const LATE_MS = 400;
const TIMEOUT_MS = 600;
const SHORT = { timeoutMs: TIMEOUT_MS };
const dnsAt = (port: number) => ({ host: '127.0.0.1', port });

async function timed(run: () => Promise<ProbeResult>): Promise<{ result: ProbeResult; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

describe('runProbe: servers that never answer', () => {
  let silentDns: UdpSocket;
  let silentTcp: net.Server;
  let silentHttp: http.Server;
  let filtered: { port: number; close: () => Promise<void> };
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    silentDns = createSocket('udp4');
    silentDns.on('message', () => {}); // reads every query, answers none
    silentDns.bind(0, '127.0.0.1');
    await once(silentDns, 'listening');

    silentTcp = net.createServer((socket) => sockets.add(socket)); // accepts, never says a word
    silentTcp.listen(0, '127.0.0.1');
    await once(silentTcp, 'listening');

    silentHttp = http.createServer(() => {}); // reads the request, never responds
    silentHttp.on('connection', (socket) => sockets.add(socket));
    silentHttp.listen(0, '127.0.0.1');
    await once(silentHttp, 'listening');

    filtered = await filteredPort();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    silentDns.close();
    await new Promise((resolve) => silentTcp.close(resolve));
    await new Promise((resolve) => silentHttp.close(resolve));
    await filtered.close();
  });

  const portOf = (server: net.Server | http.Server) => (server.address() as net.AddressInfo).port;

  it('DNS: a server that reads and never answers → DNS_TIMEOUT within the deadline', async () => {
    const { result, ms } = await timed(() => runProbe(dnsSpec(dnsAt(silentDns.address().port), SHORT)));
    expect(result.status).toBe('down');
    expect(result.error?.code).toBe('DNS_TIMEOUT');
    expect(result.layer).toBe('dns');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
  });

  it('TCP: a filtered port (SYN never answered) → TCP_TIMEOUT within the deadline', async () => {
    const { result, ms } = await timed(() => runProbe(tcpSpec(filtered.port, SHORT)));
    expect(result.error?.code).toBe('TCP_TIMEOUT');
    expect(result.layer).toBe('transport');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
  });

  it('HTTP: the request is read but no response comes → HTTP_TIMEOUT within the deadline', async () => {
    const { result, ms } = await timed(() =>
      runProbe(httpSpec(`http://127.0.0.1:${portOf(silentHttp)}/`, SHORT)),
    );
    expect(result.error?.code).toBe('HTTP_TIMEOUT');
    expect(result.layer).toBe('application');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
  });

  it("HTTP: the caller's deadline cuts before the probe's own timeout", async () => {
    const spec = httpSpec(`http://127.0.0.1:${portOf(silentHttp)}/`, { timeoutMs: 10_000 });
    const { result, ms } = await timed(() => runProbe(spec, { deadline: performance.now() + 300 }));
    expect(result.error?.code).toBe('HTTP_TIMEOUT');
    expect(ms).toBeLessThan(300 + LATE_MS);
  });

  it("DNS: the caller's signal (a Lambda running out of time) cuts the probe", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const { result, ms } = await timed(() =>
      runProbe(dnsSpec(dnsAt(silentDns.address().port), { timeoutMs: 10_000 }), {
        signal: controller.signal,
      }),
    );
    expect(result.error?.code).toBe('DNS_TIMEOUT');
    expect(ms).toBeLessThan(200 + LATE_MS);
  });
});

// ---------------------------------------------------------------- the safety net

const never: Probe<ProbeSpec> = () => new Promise<ProbeResult>(() => {});
const fakeRegistry = (probe: Probe<ProbeSpec>): ProbeRegistry => ({ dns: probe, tcp: probe, http: probe });

describe('runProbe safety net', () => {
  it.each<[string, string, string, ProbeSpec]>([
    ['dns', 'DNS_TIMEOUT', 'dns', dnsSpec(dnsAt(53), { timeoutMs: 300 })],
    ['tcp', 'TCP_TIMEOUT', 'transport', tcpSpec(22, { timeoutMs: 300 })],
    ['http', 'HTTP_TIMEOUT', 'application', httpSpec('https://api.example.com/health', { timeoutMs: 300 })],
  ])('%s prober that never returns → %s by deadline + grace', async (_kind, code, layer, spec) => {
    const { result, ms } = await timed(() => runProbe(spec, { probes: fakeRegistry(never) }));
    expect(result).toMatchObject({ probe: spec.kind, status: 'down', layer, error: { code } });
    expect(result.target).toBe(targetOf(spec));
    expect(result.details.kind).toBe(spec.kind);
    expect(result.error?.message).toMatch(/cut by its 300 ms deadline/);
    expect(ms).toBeGreaterThanOrEqual(300 + DEADLINE_GRACE_MS - 5);
    expect(ms).toBeLessThan(300 + LATE_MS);
  });

  it("answers for a prober that ignores the caller's abort too", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { result, ms } = await timed(() =>
      runProbe(httpSpec('http://api.example.com/', { timeoutMs: 10_000 }), {
        probes: fakeRegistry(never),
        signal: controller.signal,
      }),
    );
    expect(result.error).toEqual({
      code: 'HTTP_TIMEOUT',
      message: expect.stringMatching(/cut by the caller/),
    });
    expect(ms).toBeLessThan(100 + LATE_MS);
  });

  it('hands the prober a signal that fires at the deadline, and the deadline itself', async () => {
    let seen: ProbeContext | undefined;
    let abortedAfter: number | undefined;
    const start = performance.now();
    const listening: Probe<ProbeSpec> = (spec, ctx) => {
      seen = ctx;
      return new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          abortedAfter = performance.now() - start;
          // A well-behaved prober answers for itself: the runner must return this, not its fallback.
          resolve({ ...fallbackShape(spec), error: { code: 'TCP_TIMEOUT', message: 'own result' } });
        });
      });
    };
    const result = await runProbe(tcpSpec(22, { timeoutMs: 250 }), { probes: fakeRegistry(listening) });
    expect(result.error?.message).toBe('own result');
    expect(seen?.deadline).toBeGreaterThanOrEqual(start + 250 - 1);
    expect(seen?.deadline).toBeLessThanOrEqual(start + 250 + 50);
    expect(abortedAfter).toBeGreaterThanOrEqual(245);
  });

  it.each<[string, Probe<ProbeSpec>]>([
    [
      'throws synchronously',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', () => Promise.reject(new Error('boom'))],
  ])('a prober that %s becomes a down PROBE_ERROR result, not a crash', async (_how, probe) => {
    const spec = tcpSpec(5432, { host: 'db.example.com' });
    const { result, ms } = await timed(() => runProbe(spec, { probes: fakeRegistry(probe) }));
    expect(result).toMatchObject({
      probe: 'tcp',
      target: 'tcp://db.example.com:5432',
      status: 'down',
      layer: 'transport',
      error: { code: 'PROBE_ERROR', message: 'tcp probe threw: boom' },
    });
    expect(ms).toBeLessThan(100);
  });

  it('leaves no timer behind: a fast probe resolves and the process could exit', async () => {
    const fast: Probe<ProbeSpec> = async (spec) => ({
      ...fallbackShape(spec),
      status: 'up',
      error: null,
      layer: null,
    });
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await runProbe(dnsSpec(dnsAt(53), { timeoutMs: 60_000 }), { probes: fakeRegistry(fast) });
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'unknown kind',
      { kind: 'icmp', timeoutMs: 1000 },
      /unknown probe kind "icmp" \(expected one of dns, tcp, http\)/,
    ],
    [
      'zero timeout',
      { ...tcpSpec(22), timeoutMs: 0 },
      /tcp spec timeoutMs must be a positive number of ms, got 0/,
    ],
    ['NaN timeout', { ...tcpSpec(22), timeoutMs: Number.NaN }, /got NaN/],
  ])('rejects a spec no prober can take (%s) with a message naming it', async (_name, spec, message) => {
    expect(() => assertRunnable(spec as ProbeSpec)).toThrow(message);
    await expect(runProbe(spec as ProbeSpec)).rejects.toThrow(message);
  });

  it('registers one prober per kind', () => {
    expect(Object.keys(PROBES).sort()).toEqual(['dns', 'http', 'tcp']);
  });
});

function fallbackShape(spec: ProbeSpec): ProbeResult {
  return {
    probe: spec.kind,
    target: targetOf(spec),
    status: 'down',
    timings: { total: 1 },
    error: null,
    layer: 'transport',
    details: { kind: 'tcp', host: 'h', port: 1, addresses: [], attempts: [] },
  };
}

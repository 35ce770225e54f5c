/**
 * `allAddresses` on http and tcp (TLS included): every address of the name runs every phase on its own,
 * over real loopback servers (127.0.0.1 and 127.0.0.2 on the same port). The name's addresses come from
 * an injected resolver, as a round-robin DNS name would give them.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTargetUrl } from '../../shared/config/url.ts';
import { createCa, issueCert } from '../../shared/lab/certs.ts';
import { createHttpProbe } from '../../shared/probes/http.ts';
import type { HttpSpec, TcpSpec } from '../../shared/probes/spec.ts';
import { createTcpProbe, type LookupAll } from '../../shared/probes/tcp.ts';
import type { ConnectGuard, HttpDetails, ProbeResult, TcpDetails } from '../../shared/probes/types.ts';
import { trackServers } from '../fixtures/net-servers.ts';
import { httpSpec, tcpSpec, tlsOptions } from '../fixtures/specs.ts';

const NAME = 'pool.example.test';
const FIRST = '127.0.0.1';
const SECOND = '127.0.0.2';
const servers = trackServers();
afterEach(servers.closeAll);

/** The name resolves to both loopback addresses, FIRST first. */
const lookup: LookupAll = async (host) => {
  if (host !== NAME) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [
    { address: FIRST, family: 4 },
    { address: SECOND, family: 4 },
  ];
};

const ok: http.RequestListener = (_req, res) => res.end('ok');

/** Listens on FIRST (port 0), then on SECOND at the same port when `both`. */
async function pool(make: () => net.Server, both: boolean): Promise<number> {
  const port = await servers.listen(make(), FIRST);
  if (both) await servers.listen(make(), SECOND, port);
  return port;
}

function run<S extends HttpSpec | TcpSpec>(spec: S, guard?: ConnectGuard): Promise<ProbeResult> {
  const ctx = {
    signal: AbortSignal.timeout(spec.timeoutMs),
    deadline: performance.now() + spec.timeoutMs,
    connectGuard: guard,
  };
  return spec.kind === 'http'
    ? createHttpProbe({ lookup })(spec as HttpSpec, ctx)
    : createTcpProbe({ lookup })(spec as TcpSpec, ctx);
}

describe('http with allAddresses', () => {
  it('runs the request against every address; the top-level phases are the first address’s', async () => {
    const port = await pool(() => http.createServer(ok), true);

    const r = await run(httpSpec(`http://${NAME}:${port}/`, { allAddresses: true }));
    const d = r.details as HttpDetails;

    expect(r.status).toBe('up');
    expect(d.addressResults?.map((a) => [a.address, a.family, a.status, a.code])).toEqual([
      [FIRST, 4, 'up', null],
      [SECOND, 4, 'up', null],
    ]);
    expect(d.remoteAddress).toBe(`${FIRST}:${port}`);
    expect(r.timings).toEqual(d.addressResults?.[0]?.timings);
    for (const a of d.addressResults ?? []) {
      expect(Object.keys(a.timings)).toEqual(['dns', 'connect', 'ttfb', 'transfer', 'total']);
      // One lookup for all of them.
      expect(a.timings.dns).toBe(r.timings.dns);
    }
  });

  it('one node down is down by default, naming how many failed', async () => {
    const port = await pool(() => http.createServer(ok), false);

    const r = await run(httpSpec(`http://${NAME}:${port}/`, { allAddresses: true }));
    const d = r.details as HttpDetails;

    expect(r.status).toBe('down');
    expect(r.layer).toBe('transport');
    expect(r.error?.code).toBe('TCP_REFUSED');
    expect(r.error?.message).toMatch(/^1 of 2 addresses failed; .*127\.0\.0\.2/);
    expect(d.addressResults?.map((a) => [a.address, a.status, a.code])).toEqual([
      [FIRST, 'up', null],
      [SECOND, 'down', 'TCP_REFUSED'],
    ]);
    // The first address worked: the top-level result still shows its response.
    expect(d.statusCode).toBe(200);
  });

  it("one node down is degraded with partial: 'degraded'; every node down is down anyway", async () => {
    const port = await pool(() => http.createServer(ok), false);

    const partly = await run(
      httpSpec(`http://${NAME}:${port}/`, { allAddresses: true, partial: 'degraded' }),
    );
    expect(partly).toMatchObject({ status: 'degraded', error: { code: 'TCP_REFUSED' }, layer: 'transport' });

    await servers.closeAll();
    const none = await run(httpSpec(`http://${NAME}:${port}/`, { allAddresses: true, partial: 'degraded' }));
    expect(none.status).toBe('down');
    expect(none.error?.message).toMatch(/^all 2 addresses failed; /);
  });

  it('without allAddresses only the first address that accepts is used (unchanged)', async () => {
    const port = await pool(() => http.createServer(ok), false);

    const r = await run(httpSpec(`http://${NAME}:${port}/`));

    expect(r.status).toBe('up');
    expect((r.details as HttpDetails).addressResults).toBeUndefined();
  });

  it('asks the connect guard about every address: a refused one gets no packet', async () => {
    const port = await pool(() => http.createServer(ok), true);
    const asked: string[] = [];
    const guard: ConnectGuard = (address, _port, host) => {
      asked.push(`${host} ${address}`);
      return address === SECOND ? { code: 'TCP_UNREACHABLE', message: `${address} is not allowed` } : null;
    };

    const r = await run(httpSpec(`http://${NAME}:${port}/`, { allAddresses: true }), guard);

    expect(asked.sort()).toEqual([`${NAME} ${FIRST}`, `${NAME} ${SECOND}`]);
    expect((r.details as HttpDetails).addressResults?.[1]).toMatchObject({
      status: 'down',
      code: 'TCP_UNREACHABLE',
    });
    // Only FIRST was connected to: SECOND's server accepted nothing.
    expect(servers.sockets.size).toBe(1);
  });

  it('is an option of http(s) URLs and config blocks', () => {
    expect(
      parseTargetUrl('https://pool.example.test/', { allAddresses: true, partial: 'degraded' }),
    ).toMatchObject({
      kind: 'http',
      allAddresses: true,
      partial: 'degraded',
    });
    expect(parseTargetUrl('https://pool.example.test/')).not.toHaveProperty('allAddresses');
    expect(() => parseTargetUrl('https://pool.example.test/', { partial: 'maybe' as 'down' })).toThrow(
      'partial: expected one of down, degraded (got "maybe")',
    );
  });
});

describe('tcp with TLS and allAddresses', () => {
  let leaf: { certPem: string; keyPem: string; caPem: string };
  beforeAll(async () => {
    leaf = await issueCert(await createCa(), { hosts: [NAME] });
  });

  it('every address gets its own handshake; one that does not speak TLS fails alone', async () => {
    const port = await servers.listen(
      tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (s) => s.end()),
      FIRST,
    );
    await servers.listen(http.createServer(ok), SECOND, port);
    const spec = tcpSpec(port, { host: NAME, allAddresses: true, tls: tlsOptions({ ca: leaf.caPem }) });

    const r = await run(spec);
    const d = r.details as TcpDetails;

    expect(r.status).toBe('down');
    expect(r.error?.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(d.addressResults?.map((a) => [a.address, a.status, a.code])).toEqual([
      [FIRST, 'up', null],
      [SECOND, 'down', 'TLS_HANDSHAKE_FAILED'],
    ]);
    expect(d.addressResults?.[0]?.timings.tls).toBeGreaterThan(0);
    expect(d.addressResults?.[1]?.timings.tls).toBeGreaterThan(0);
    expect(d.tls?.authorized).toBe(true);
    expect(r.timings.tls).toBe(d.addressResults?.[0]?.timings.tls);
  });

  it("partial: 'degraded' keeps a half-healthy pool degraded", async () => {
    const port = await pool(() => https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, ok), false);
    const spec = tcpSpec(port, {
      host: NAME,
      allAddresses: true,
      partial: 'degraded',
      tls: tlsOptions({ ca: leaf.caPem }),
    });

    const r = await run(spec);

    expect(r).toMatchObject({ status: 'degraded', error: { code: 'TCP_REFUSED' } });
    expect((r.details as TcpDetails).attempts.map((a) => a.address)).toEqual([FIRST, SECOND]);
  });
});

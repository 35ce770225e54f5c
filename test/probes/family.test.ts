/**
 * `family` on http, tcp and dns: the names come from a real DNS server on loopback (the lab's, asked
 * through resolverLookup), the targets are real servers on 127.0.0.1 and [::1].
 */
import * as http from 'node:http';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DnsServerHandle, startDnsServer } from '../../shared/lab/dns-server.ts';
import { resolverLookup } from '../../shared/lab/lookup.ts';
import { createDnsProbe } from '../../shared/probes/dns.ts';
import { createHttpProbe } from '../../shared/probes/http.ts';
import type { DnsSpec, HttpSpec, TcpSpec } from '../../shared/probes/spec.ts';
import { createTcpProbe } from '../../shared/probes/tcp.ts';
import type { DnsDetails, HttpDetails, ProbeResult, TcpDetails } from '../../shared/probes/types.ts';
import { trackServers } from '../fixtures/net-servers.ts';
import { ipv6Loopback, type Requirement, skipUnless } from '../fixtures/requirements.ts';
import { dnsSpec, httpSpec, tcpSpec } from '../fixtures/specs.ts';

const ZONE = 'family.test';
const DUAL = `dual.${ZONE}`;
const V6_ONLY = `v6.${ZONE}`;
const NS = `ns.${ZONE}`;
const servers = trackServers();
let dns: DnsServerHandle;
let v6: Requirement;

beforeAll(async () => {
  v6 = await ipv6Loopback();
  dns = await startDnsServer({
    records: [
      { name: ZONE, type: 'SOA', ttl: 60, data: `${NS}. hostmaster.${ZONE}. 1 3600 600 86400 60` },
      { name: ZONE, type: 'NS', ttl: 60, data: `${NS}.` },
      { name: DUAL, type: 'A', ttl: 60, data: '127.0.0.1' },
      { name: DUAL, type: 'AAAA', ttl: 60, data: '::1' },
      { name: V6_ONLY, type: 'AAAA', ttl: 60, data: '::1' },
      { name: NS, type: 'A', ttl: 60, data: '127.0.0.1' },
      { name: NS, type: 'AAAA', ttl: 60, data: '::1' },
      { name: `www.${ZONE}`, type: 'A', ttl: 60, data: '127.0.0.9' },
    ],
  });
});
afterAll(() => dns.close());
beforeEach((ctx) => skipUnless(ctx, v6));
afterEach(servers.closeAll);

const ok: http.RequestListener = (_req, res) => res.end('ok');
const lookup = () => resolverLookup({ host: dns.host, port: dns.port });

/** A server on 127.0.0.1 and, when `v6` is set, on [::1] at the same port. */
async function dual(make: () => net.Server, both: boolean): Promise<number> {
  const port = await servers.listen(make(), '127.0.0.1');
  if (both) await servers.listen(make(), '::1', port);
  return port;
}

function run(spec: HttpSpec | TcpSpec | DnsSpec): Promise<ProbeResult> {
  const ctx = { signal: AbortSignal.timeout(spec.timeoutMs), deadline: performance.now() + spec.timeoutMs };
  if (spec.kind === 'http') return createHttpProbe({ lookup: lookup() })(spec, ctx);
  if (spec.kind === 'tcp') return createTcpProbe({ lookup: lookup() })(spec, ctx);
  return createDnsProbe({ lookup: lookup() })(spec, ctx);
}

describe("family: 'both'", () => {
  it('http over each family: the IPv6 path broken with IPv4 fine is down, and says so', async () => {
    const port = await dual(() => http.createServer(ok), false);

    const r = await run(httpSpec(`http://${DUAL}:${port}/`, { family: 'both' }));
    const d = r.details as HttpDetails;

    expect(r.status).toBe('down');
    expect(r.error?.code).toBe('TCP_REFUSED');
    expect(r.error?.message).toMatch(/^IPv6 path broken, IPv4 fine \(1 of 2 addresses failed\); .*\[::1\]/);
    expect(d.addressResults?.map((a) => [a.address, a.family, a.status])).toEqual([
      ['127.0.0.1', 4, 'up'],
      ['::1', 6, 'down'],
    ]);
    expect(d.statusCode).toBe(200);
  });

  it("follows partial: 'degraded', and is up when both families answer", async () => {
    const port = await dual(() => http.createServer(ok), false);
    const degraded = await run(httpSpec(`http://${DUAL}:${port}/`, { family: 'both', partial: 'degraded' }));
    expect(degraded).toMatchObject({ status: 'degraded', error: { code: 'TCP_REFUSED' } });

    await servers.closeAll();
    const both = await dual(() => http.createServer(ok), true);
    const up = await run(tcpSpec(both, { host: DUAL, family: 'both' }));
    expect(up.status).toBe('up');
    expect((up.details as TcpDetails).addressResults?.map((a) => a.family)).toEqual([4, 6]);
  });

  it('a name without an IPv4 address fails that family by name', async () => {
    const port = await dual(() => http.createServer(ok), true);

    const r = await run(tcpSpec(port, { host: V6_ONLY, family: 'both', partial: 'degraded' }));

    expect(r.status).toBe('degraded');
    expect(r.error).toMatchObject({ code: 'DNS_NO_ANSWER' });
    expect(r.error?.message).toMatch(/^IPv4 path broken, IPv6 fine .*v6\.family\.test has no IPv4 address/);
  });

  it('dns: the server is asked over each family; one family silent is named', async () => {
    const spec = dnsSpec(
      { host: NS, port: dns.port },
      { name: `www.${ZONE}`, family: 'both', timeoutMs: 1500 },
    );

    const r = await run(spec);
    const d = r.details as DnsDetails;

    // The lab DNS server listens on 127.0.0.1 only: over IPv6 nobody answers.
    expect(r.status).toBe('down');
    expect(r.error?.message).toMatch(/^IPv6 path broken, IPv4 fine/);
    expect(d.addressResults?.map((a) => [a.address, a.status])).toEqual([
      ['127.0.0.1', 'up'],
      ['::1', 'down'],
    ]);
    expect(d.query.answers.map((a) => a.data)).toEqual(['127.0.0.9']);
  });
});

describe('family: 4 or 6', () => {
  it('uses only that family', async () => {
    const port = await dual(() => http.createServer(ok), true);

    const r6 = await run(httpSpec(`http://${DUAL}:${port}/`, { family: 6 }));
    const r4 = await run(httpSpec(`http://${DUAL}:${port}/`, { family: 4 }));

    expect((r6.details as HttpDetails).remoteAddress).toBe(`[::1]:${port}`);
    expect((r4.details as HttpDetails).remoteAddress).toBe(`127.0.0.1:${port}`);
    expect((r6.details as HttpDetails).addressResults).toBeUndefined();
  });

  it('a name without that family is DNS_NO_ANSWER naming it', async () => {
    const r = await run(tcpSpec(80, { host: V6_ONLY, family: 4 }));

    expect(r).toMatchObject({ status: 'down', layer: 'dns', error: { code: 'DNS_NO_ANSWER' } });
    expect(r.error?.message).toBe('v6.family.test has no IPv4 address (it resolved to ::1)');
  });
});

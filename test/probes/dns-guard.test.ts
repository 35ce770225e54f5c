/**
 * ProbeContext.connectGuard in the DNS prober (issue 10): asked before the first byte of every
 * exchange (UDP, and the TCP retry after a truncation) with the address the query really goes to; a
 * server given by name is resolved once and that address pinned; the system resolver is exempt.
 * Lab servers on 127.0.0.1 and 127.0.0.2 only.
 */
import dns from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { type DnsServerHandle, startDnsServer, type ZoneRecord } from '../../shared/lab/dns-server.ts';
import { createDnsProbe, dnsProbe } from '../../shared/probes/dns.ts';
import { exchange } from '../../shared/probes/dns-wire.ts';
import type { LookupAll } from '../../shared/probes/tcp.ts';
import type { AddressOrigin, ConnectGuard, ProbeContext } from '../../shared/probes/types.ts';
import { dnsSpec } from '../fixtures/specs.ts';

const SOA = 'ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300';
const ZONE: ZoneRecord[] = [
  { name: 'example.test', type: 'SOA', ttl: 3600, data: SOA },
  { name: 'www.example.test', type: 'A', ttl: 300, data: '192.0.2.10' },
];

const servers: DnsServerHandle[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(host = '127.0.0.1', port = 0, truncateUdp = false): Promise<DnsServerHandle> {
  const started = await startDnsServer({ host, port, records: ZONE, faults: { truncateUdp } });
  servers.push(started);
  return started;
}

type Asked = [address: string, port: number, host: string, origin: AddressOrigin];

/** Records every question; refuses the addresses in `refuse`. */
function recordingGuard(refuse: readonly string[] = []) {
  const asked: Asked[] = [];
  const guard: ConnectGuard = (address, port, host, origin) => {
    asked.push([address, port, host, origin]);
    return refuse.includes(address) ? { code: 'TCP_UNREACHABLE', message: `refused ${address}` } : null;
  };
  return { guard, asked };
}

function context(connectGuard?: ConnectGuard): ProbeContext {
  return { signal: new AbortController().signal, deadline: performance.now() + 5_000, connectGuard };
}

describe('the DNS prober asks the connect guard', () => {
  it('before the query to an explicit server, and sends nothing when refused', async () => {
    const target = await server();
    const { guard, asked } = recordingGuard(['127.0.0.1']);

    const result = await dnsProbe(dnsSpec(target), context(guard));

    expect(asked).toEqual([['127.0.0.1', target.port, '127.0.0.1', 'target']]);
    expect(result.status).toBe('down');
    expect(result.error).toEqual({ code: 'TCP_UNREACHABLE', message: 'refused 127.0.0.1' });
    expect(target.queries).toBe(0);
  });

  it('before the TCP retry after a truncated UDP answer, too', async () => {
    const target = await server('127.0.0.1', 0, true);
    let calls = 0;
    // Allows the UDP query, refuses the TCP one: the TCP path must ask on its own.
    const guard = () =>
      ++calls > 1 ? { code: 'TCP_UNREACHABLE' as const, message: 'refused over TCP' } : null;

    const response = await exchange({
      server: { host: '127.0.0.1', port: target.port, guard },
      name: 'www.example.test',
      type: 'A',
      recursionDesired: true,
      signal: AbortSignal.timeout(5_000),
    });

    expect(calls).toBe(2);
    expect(target.queries).toBe(1);
    expect(response.result).toMatchObject({ transport: 'tcp', error: { message: 'refused over TCP' } });
  });

  it('resolves a server given by name once and sends to the address it judged (no rebinding)', async () => {
    const judged = await server('127.0.0.1');
    const rebound = await server('127.0.0.2', judged.port);
    const answers = ['127.0.0.1', '127.0.0.2'];
    let lookups = 0;
    // A resolver that answers differently on every call, as a rebinding attacker's would.
    const lookup: LookupAll = async () => [{ address: answers[lookups++ % 2] as string, family: 4 }];
    const { guard, asked } = recordingGuard();

    const result = await createDnsProbe({ lookup })(
      dnsSpec({ host: 'ns.rebind.test', port: judged.port }),
      context(guard),
    );

    expect(result.status).toBe('up');
    expect(lookups).toBe(1);
    expect(asked).toEqual([['127.0.0.1', judged.port, 'ns.rebind.test', 'target']]);
    expect([judged.queries, rebound.queries]).toEqual([1, 0]);
    // Results still name the server as written.
    expect(result.target).toBe(`dns://ns.rebind.test:${judged.port}/www.example.test?type=A`);
  });

  it('a server name that does not resolve is the check’s failure, not a query to somewhere else', async () => {
    const lookup: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND ns.nowhere.test'), { code: 'ENOTFOUND' });
    };
    const result = await createDnsProbe({ lookup })(
      dnsSpec({ host: 'ns.nowhere.test', port: 53 }),
      context(),
    );

    expect(result.status).toBe('down');
    expect(result.error?.code).toBe('DNS_NXDOMAIN');
    expect(result.error?.message).toMatch(/^DNS server: ns\.nowhere\.test does not resolve/);
  });

  it('does not ask about the system resolver (the runtime’s own configuration), the one exemption', async () => {
    const resolver = await server();
    const saved = dns.getServers();
    dns.setServers([`127.0.0.1:${resolver.port}`]);
    try {
      const { guard, asked } = recordingGuard(['127.0.0.1']);

      const result = await dnsProbe(dnsSpec(undefined), context(guard));

      expect(result.status).toBe('up');
      expect(asked).toEqual([]);
      expect(resolver.queries).toBe(1);
    } finally {
      dns.setServers(saved);
    }
  });

  it('family both: each family’s address is judged for the server’s name, from one lookup', async () => {
    const target = await server();
    let lookups = 0;
    const lookup: LookupAll = async () => {
      lookups++;
      return [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ];
    };
    const { guard, asked } = recordingGuard(['::1']);

    await createDnsProbe({ lookup })(
      dnsSpec({ host: 'ns.dual.test', port: target.port }, { family: 'both' }),
      context(guard),
    );

    expect(lookups).toBe(1);
    expect(asked.sort()).toEqual([
      ['127.0.0.1', target.port, 'ns.dual.test', 'target'],
      ['::1', target.port, 'ns.dual.test', 'target'],
    ]);
  });
});

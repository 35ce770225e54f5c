/**
 * The lab's name resolution: names under example.test resolved through the lab's own DNS server (real
 * queries over loopback), so a lab name can stand for several addresses, as a round-robin or
 * dual-stack name does. Handed to the TCP and HTTP probers as their `lookup`; everything else stays the
 * probes' default (IP literals never reach a resolver).
 */
import { Resolver } from 'node:dns/promises';
import { createHttpProbe } from '../probes/http.ts';
import { PROBES, type ProbeRegistry } from '../probes/index.ts';
import { formatAddress } from '../probes/net-errors.ts';
import type { DnsServer } from '../probes/spec.ts';
import { createTcpProbe, type LookupAll } from '../probes/tcp.ts';

/** Short: the server is on loopback; a lost answer should fail the probe, not stall the demo. */
const QUERY_TIMEOUT_MS = 1000;

/** A getaddrinfo-shaped lookup asking `server` for A and AAAA records (IPv4 first, as the lab serves). */
export function resolverLookup(server: DnsServer): LookupAll {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 1 });
  resolver.setServers([formatAddress(server.host, server.port)]);
  return async (host) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason;
    return addresses;
  };
}

/** The default probes, with the TCP and HTTP ones resolving through the lab's DNS server. */
export function labProbes(server: DnsServer): ProbeRegistry {
  const lookup = resolverLookup(server);
  return { ...PROBES, tcp: createTcpProbe({ lookup }), http: createHttpProbe({ lookup }) };
}

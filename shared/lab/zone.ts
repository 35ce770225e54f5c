/**
 * The lab's DNS zone, example.test (RFC 6761: never delegated, so the lab cannot shadow a real name),
 * and how the example config's names map into it.
 */
import { canonicalName } from '../probes/dns-rdata.ts';
import type { ZoneRecord } from './dns-server.ts';

export const LAB_ZONE = 'example.test';
/** A name of two addresses: the lab's web servers answer on the first, nothing on the second. */
export const SHOP_NAME = `shop.${LAB_ZONE}`;
export const SHOP_DOWN_ADDRESS = '127.0.0.3';
/** A name with an IPv4 and an IPv6 address; the lab's web servers listen on IPv4 only. */
export const DUAL_NAME = `dual.${LAB_ZONE}`;
/** The primary's DNSSEC signatures are valid this many days: under the 3-day warning, on purpose. */
export const LAB_DNSSEC_DAYS = 2;
/** The serial the primary serves; the secondary lags one zone transfer behind. */
export const LAB_SERIAL = 2026112401;
export const LAB_STALE_SERIAL = 2026112400;

/**
 * The documentation domains (RFC 2606) the example config names: the lab answers for them as
 * example.test, so `www.example.com` is queried as `www.example.test`.
 */
const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org', LAB_ZONE];

/** The zone; `withSecondary` lists ns2 on [::1], the nameserver that serves LAB_STALE_SERIAL. */
export function labZone(withSecondary: boolean): ZoneRecord[] {
  const soa = `ns1.${LAB_ZONE}. hostmaster.${LAB_ZONE}. ${LAB_SERIAL} 3600 600 86400 60`;
  return [
    { name: LAB_ZONE, type: 'SOA', ttl: 3600, data: soa },
    { name: LAB_ZONE, type: 'NS', ttl: 3600, data: `ns1.${LAB_ZONE}.` },
    ...(withSecondary ? [{ name: LAB_ZONE, type: 'NS' as const, ttl: 3600, data: `ns2.${LAB_ZONE}.` }] : []),
    { name: `ns1.${LAB_ZONE}`, type: 'A', ttl: 3600, data: '127.0.0.1' },
    ...(withSecondary ? [{ name: `ns2.${LAB_ZONE}`, type: 'AAAA' as const, ttl: 3600, data: '::1' }] : []),
    { name: LAB_ZONE, type: 'A', ttl: 300, data: '127.0.0.1' },
    { name: `www.${LAB_ZONE}`, type: 'A', ttl: 300, data: '127.0.0.1' },
    // Round-robin over two nodes; the lab's servers listen on the first only: the second node is down.
    { name: SHOP_NAME, type: 'A', ttl: 60, data: '127.0.0.1' },
    { name: SHOP_NAME, type: 'A', ttl: 60, data: SHOP_DOWN_ADDRESS },
    // Dual-stack name: the lab's servers listen on IPv4 only, so its IPv6 path is broken.
    { name: DUAL_NAME, type: 'A', ttl: 60, data: '127.0.0.1' },
    { name: DUAL_NAME, type: 'AAAA', ttl: 60, data: '::1' },
    { name: `api.${LAB_ZONE}`, type: 'CNAME', ttl: 300, data: `www.${LAB_ZONE}.` },
    { name: LAB_ZONE, type: 'MX', ttl: 3600, data: `10 mail.${LAB_ZONE}.` },
    { name: `mail.${LAB_ZONE}`, type: 'A', ttl: 3600, data: '127.0.0.1' },
    { name: LAB_ZONE, type: 'TXT', ttl: 3600, data: '"v=spf1 -all"' },
  ];
}

/**
 * The lab name for a config name (`api.example.com` → `api.example.test`), or undefined when the
 * name is outside the example domains or the zone has no record of that name.
 */
export function labName(name: string): string | undefined {
  const canonical = canonicalName(name);
  const domain = EXAMPLE_DOMAINS.find((d) => canonical === d || canonical.endsWith(`.${d}`));
  if (domain === undefined) return undefined;
  const mapped = `${canonical.slice(0, canonical.length - domain.length)}${LAB_ZONE}`;
  return labZone(true).some((r) => r.name === mapped) ? mapped : undefined;
}

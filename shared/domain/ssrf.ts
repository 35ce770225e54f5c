/**
 * The address policy of ad-hoc probes (the probe API's `POST /check`): which addresses a target chosen
 * by a caller may reach. Without it, anyone allowed to call the API could make netprobe's Lambda read
 * the instance metadata service or scan the VPC: server-side request forgery.
 *
 * The policy judges IP addresses, never names: the probes call it with the address they are about to
 * connect to, after resolution (ProbeContext.connectGuard), so a name that resolves to a public address
 * when checked and to 127.0.0.1 when connected (DNS rebinding) is still refused. Pure: no I/O.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address is not public. `metadata` outranks the range it sits in. */
export const FORBIDDEN_KINDS = [
  'metadata',
  'unspecified',
  'loopback',
  'private',
  'cgnat',
  'link-local',
  'unique-local',
  'multicast',
  'reserved',
  'invalid',
] as const;
export type ForbiddenKind = (typeof FORBIDDEN_KINDS)[number];

const DESCRIPTIONS: Record<ForbiddenKind, string> = {
  metadata: 'a cloud metadata service address',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  cgnat: 'a carrier-grade NAT (RFC 6598) address',
  'link-local': 'a link-local address',
  'unique-local': 'a unique local (fc00::/7) address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  invalid: 'not an IP address',
};

/**
 * Instance metadata and credential endpoints. They all sit inside a forbidden range already; they are
 * listed so the refusal names them, and so allow-listing a private range never opens them (only the
 * address itself does).
 */
export const METADATA_ADDRESSES: readonly string[] = [
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean
  '169.254.170.2', // ECS task metadata and credentials
  'fd00:ec2::254', // AWS IMDS over IPv6
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (classic)
  '169.254.0.23', // Tencent Cloud
];

const RANGES: readonly (readonly [string, ForbiddenKind])[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments (RFC 6890)
  ['198.18.0.0/15', 'reserved'], // benchmarking, used inside networks
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // deprecated site-local
  ['fc00::/7', 'unique-local'],
  ['ff00::/8', 'multicast'],
  ['100::/64', 'reserved'], // discard-only
  ['64:ff9b:1::/48', 'private'], // local-use NAT64 (RFC 8215)
];
const PARSED_RANGES = RANGES.map(([cidr, kind]) => ({ range: ipaddr.parseCIDR(cidr), kind }));
const METADATA = new Set(METADATA_ADDRESSES.map((a) => ipaddr.parse(a).toNormalizedString()));

/**
 * IPv6 forms that carry an IPv4 address the packets end up at: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:aabb:ccdd::/48).
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = address.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return v4(p[6] as number, p[7] as number);
  // ::a.b.c.d, but not :: and ::1, which have their own ranges.
  if (zeros(0, 6) && ((p[6] as number) > 0 || (p[7] as number) > 1))
    return v4(p[6] as number, p[7] as number);
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return v4(p[6] as number, p[7] as number);
  if (p[0] === 0x2002) return v4(p[1] as number, p[2] as number);
  return null;
}

/** The address the packets go to, with an IPv6 zone (`%eth0`) and embedded IPv4 forms unwrapped. */
function effective(text: string): Address | null {
  const bare = text.replace(/%.*$/, '');
  if (isIP(bare) === 0) return null;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' ? (embeddedIPv4(parsed as ipaddr.IPv6) ?? parsed) : parsed;
}

function inRange(address: Address, range: [Address, number]): boolean {
  return address.kind() === range[0].kind() && address.match(range);
}

/** Why `address` is not a public unicast address, or null when it is. */
export function forbiddenKind(address: string): ForbiddenKind | null {
  const parsed = effective(address);
  if (!parsed) return 'invalid';
  if (METADATA.has(parsed.toNormalizedString())) return 'metadata';
  return PARSED_RANGES.find(({ range }) => inRange(parsed, range))?.kind ?? null;
}

/** A connect the policy refuses: which address, reached through which name, and why. */
export interface Refusal {
  address: string;
  port: number;
  host: string;
  kind: ForbiddenKind;
  /** One sentence naming the address and the way to allow it. */
  message: string;
}

export interface AddressPolicy {
  /** Null when a connect to `address` (resolved from `host`) may go ahead. */
  check(address: string, port: number, host: string): Refusal | null;
}

/** Host names compare case-insensitively and without a trailing dot. */
function normalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * The policy with config.allowPrivateTargets as exceptions: IPs, CIDR blocks, or host names (a name
 * allows every address it resolves to, except metadata ones). A metadata address is reachable only
 * when the list names that very address, never through a range or a name that happens to cover it.
 * Entries are validated by the config schema; one that still cannot be read here is a programming error.
 */
export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
  const ranges: [Address, number][] = [];
  const exact = new Set<string>();
  const hosts = new Set<string>();
  for (const entry of allow) {
    if (entry.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(entry);
      ranges.push([address, bits]);
      const full = address.kind() === 'ipv4' ? 32 : 128;
      if (bits === full) exact.add(address.toNormalizedString());
    } else if (isIP(entry) !== 0) {
      const address = ipaddr.parse(entry);
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      exact.add(address.toNormalizedString());
    } else {
      hosts.add(normalHost(entry));
    }
  }

  return {
    check(address, port, host) {
      const kind = forbiddenKind(address);
      if (kind === null) return null;
      const parsed = effective(address);
      if (parsed && kind === 'metadata' && exact.has(parsed.toNormalizedString())) return null;
      if (parsed && kind !== 'metadata') {
        if (ranges.some((range) => inRange(parsed, range))) return null;
        if (hosts.has(normalHost(host))) return null;
      }
      return { address, port, host, kind, message: refusalMessage(address, port, host, kind) };
    },
  };
}

function refusalMessage(address: string, port: number, host: string, kind: ForbiddenKind): string {
  const where = host === address ? address : `${host} resolved to ${address}`;
  const allowHint =
    kind === 'metadata'
      ? 'list the address itself in allowPrivateTargets to allow it'
      : 'list it in allowPrivateTargets to allow it';
  return `refused to connect to port ${port}: ${where}, ${DESCRIPTIONS[kind]}; ad-hoc checks may only reach public addresses (${allowHint})`;
}

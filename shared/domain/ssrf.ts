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
 * IPv6 forms that carry an IPv4 address the packets end up at: IPv4-mapped (::ffff:0:0/96),
 * IPv4-translated (::ffff:0:0:0/96, RFC 2765), IPv4-compatible (::/96), NAT64 (64:ff9b::/96), 6to4
 * (2002::/16, the address in bits 16-47) and Teredo (2001::/32: its server in bits 32-63, and the
 * client, stored inverted, in the last 32 bits). Local-use NAT64 (64:ff9b:1::/48) is refused whole.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = address.parts.map((x) => x ?? 0);
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  const last = v4(p[6] as number, p[7] as number);
  if (zeros(0, 5) && p[5] === 0xffff) return [last];
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return [last];
  // ::a.b.c.d, but not :: and ::1, which have their own ranges.
  if (zeros(0, 6) && ((p[6] as number) > 0 || (p[7] as number) > 1)) return [last];
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return [last];
  if (p[0] === 0x2002) return [v4(p[1] as number, p[2] as number)];
  if (p[0] === 0x2001 && p[1] === 0) {
    return [v4(p[2] as number, p[3] as number), v4(~(p[6] as number) & 0xffff, ~(p[7] as number) & 0xffff)];
  }
  return [];
}

/**
 * The addresses the packets go to, with an IPv6 zone (`%eth0`) stripped: the address itself and any
 * IPv4 address it embeds. Null when `text` is not an IP address.
 */
function effective(text: string): Address[] | null {
  const bare = text.replace(/%.*$/, '');
  if (isIP(bare) === 0) return null;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' ? [parsed, ...embeddedIPv4(parsed as ipaddr.IPv6)] : [parsed];
}

function inRange(address: Address, range: [Address, number]): boolean {
  return address.kind() === range[0].kind() && address.match(range);
}

function kindOf(address: Address): ForbiddenKind | null {
  if (METADATA.has(address.toNormalizedString())) return 'metadata';
  return PARSED_RANGES.find(({ range }) => inRange(address, range))?.kind ?? null;
}

/**
 * Why `address` is not a public unicast address, or null when it is. An IPv6 address embedding an
 * IPv4 one is also judged by what it embeds (the IPv4 address is where its packets end up).
 */
export function forbiddenKind(address: string): ForbiddenKind | null {
  const parsed = effective(address);
  if (!parsed) return 'invalid';
  return forbiddenParts(parsed)[0]?.kind ?? null;
}

/** Every forbidden address among `addresses` (embedded IPv4 ones first), with its kind. */
function forbiddenParts(addresses: Address[]): { address: Address; kind: ForbiddenKind }[] {
  return [...addresses].reverse().flatMap((address) => {
    const kind = kindOf(address);
    return kind ? [{ address, kind }] : [];
  });
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
 * `subject` names what the policy restricts, in the refusal's sentence.
 */
export function createAddressPolicy(allow: readonly string[], subject = 'ad-hoc checks'): AddressPolicy {
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
      const parsed = effective(address);
      const kind: ForbiddenKind | undefined = parsed
        ? forbiddenParts(parsed).find((part) => !allowed(part.address, part.kind, host))?.kind
        : 'invalid';
      if (!kind) return null;
      return { address, port, host, kind, message: refusalMessage(address, port, host, kind, subject) };
    },
  };

  function allowed(address: Address, kind: ForbiddenKind, host: string): boolean {
    if (kind === 'metadata') return exact.has(address.toNormalizedString());
    return ranges.some((range) => inRange(address, range)) || hosts.has(normalHost(host));
  }
}

function refusalMessage(
  address: string,
  port: number,
  host: string,
  kind: ForbiddenKind,
  subject: string,
): string {
  const where = host === address ? address : `${host} resolved to ${address}`;
  const allowHint =
    kind === 'metadata'
      ? 'list the address itself in allowPrivateTargets to allow it'
      : 'list it in allowPrivateTargets to allow it';
  return `refused to connect to port ${port}: ${where}, ${DESCRIPTIONS[kind]}; ${subject} may only reach public addresses (${allowHint})`;
}

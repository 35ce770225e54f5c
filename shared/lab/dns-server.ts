/**
 * An authoritative DNS server for the tests and the offline demo lab (`npm start`): real packets
 * (dns-packet) over UDP and TCP on the same loopback port, zones written like zone-file lines, and
 * faults that can be set at start and flipped at run time (slow, silent, SERVFAIL/REFUSED, truncated,
 * a stale SOA serial) so every failure the DNS probe reports can be produced for real.
 *
 * Behaviour follows RFC 1034 §4.3.2 for what it serves: AA=1 inside its zones; CNAMEs are chased
 * inside its own zones; NXDOMAIN or NOERROR/no-data carry the zone SOA in the authority section with
 * the negative TTL of RFC 2308; names outside every zone are REFUSED (no recursion, RA=0).
 * Not implemented: delegations below a zone apex, wildcards, zone transfers, DNSSEC denial of
 * existence (NSEC); with `signing`, answers are signed on the fly.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import {
  isIPv4,
  isIPv6,
  type Socket,
  type Server as TcpServer,
  createServer as tcpCreateServer,
} from 'node:net';
import * as dnsPacket from 'dns-packet';
import { canonicalName, parseRdata, type RecordData } from '../probes/dns-rdata.ts';
import type { Rr } from '../probes/dnssec.ts';
import { DNS_RECORD_TYPES, type DnsRecordType } from '../probes/types.ts';
import { dnskeyRecord, signRrset, type ZoneKey } from './dnssec-sign.ts';

/** One resource record, as a zone-file line would say it. Names are absolute (trailing dot optional). */
export interface ZoneRecord {
  name: string;
  type: DnsRecordType;
  ttl: number;
  /** Presentation form: "192.0.2.1", "10 mx.example.test.", "\"v=spf1 -all\"", "0 issue \"ca.test\"". */
  data: string;
}

export type InjectedRcode = 'SERVFAIL' | 'REFUSED';

export interface DnsFaults {
  /** Wait this long before answering (UDP and TCP). Default 0. */
  delayMs: number;
  /** Read queries and never answer them. Default false. */
  silent: boolean;
  /** Answer every query with this rcode and no records. Default: none. */
  rcode: InjectedRcode | undefined;
  /** Same, for queries of one name (any type); takes precedence over `rcode`. Keys: names, any case. */
  rcodeByName: Record<string, InjectedRcode>;
  /** Answer over UDP with TC=1 and an empty answer section; TCP still gets the full answer. */
  truncateUdp: boolean;
  /** Serve this serial in every SOA instead of the zone's: a secondary that missed a zone transfer. */
  soaSerial: number | undefined;
  /** Answer with AA=0, like a listed nameserver that no longer serves the zone (lame delegation). */
  lame: boolean;
}

export interface DnsServerOptions {
  /** A loopback address: 127.0.0.0/8 or ::1. Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). Give the port of another server to run several nameservers on 127.0.0.x:port. */
  port?: number;
  /** Every SOA record makes its owner a zone apex; every other record must sit inside one of them. */
  records: ZoneRecord[];
  faults?: Partial<DnsFaults>;
  /**
   * Sign on the fly, as knot does: to a query with the DO bit, every answer RRset gets its RRSIG by
   * `key`, and DNSKEY at a zone apex answers with the key and its RRSIG (one key for every zone served).
   */
  signing?: { key: ZoneKey; validity: { inception: Date; expiration: Date } };
}

export interface DnsServerHandle {
  readonly host: string;
  readonly port: number;
  /** Queries received so far (UDP and TCP, answered or not). */
  readonly queries: number;
  /** The faults in force now. */
  readonly faults: Readonly<DnsFaults>;
  /** Changes faults from the next query on: the keys given replace current values, others stay. */
  set(faults: Partial<DnsFaults>): void;
  /** Stops listening, drops TCP connections and pending delayed answers. Idempotent. */
  close(): Promise<void>;
}

const NO_FAULTS: DnsFaults = {
  delayMs: 0,
  silent: false,
  rcode: undefined,
  rcodeByName: {},
  truncateUdp: false,
  soaSerial: undefined,
  lame: false,
};
/** UDP answer size without EDNS (RFC 1035 §4.2.1). */
const CLASSIC_UDP_SIZE = 512;
/** Largest UDP answer this server sends even when a client offers more (DNS Flag Day 2020). */
const MAX_UDP_SIZE = 1232;
/** Bound on CNAME chasing, against loops in zone data. */
const MAX_CNAME_HOPS = 8;
/** An idle TCP client is dropped after this long (RFC 7766 §6.2.3 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
/** Attempts to find an ephemeral port free for both TCP and UDP. */
const PORT_ATTEMPTS = 10;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

interface StoredRecord {
  owner: string;
  type: DnsRecordType;
  ttl: number;
  data: RecordData;
}

interface Zone {
  apex: string;
  soa: StoredRecord;
}

/** Zone data, indexed by canonical owner name. Immutable once built. */
class ZoneData {
  readonly zones: Zone[];
  private readonly byName = new Map<string, StoredRecord[]>();
  private readonly nonTerminals = new Set<string>();

  constructor(records: ZoneRecord[]) {
    const stored = records.map((record, index) => toStored(record, index));
    this.zones = stored
      .filter((r) => r.type === 'SOA')
      .map((soa) => ({ apex: soa.owner, soa }))
      // Most specific apex first, so a child zone served here wins over its parent.
      .sort((a, b) => b.apex.length - a.apex.length);
    const apexes = new Set<string>();
    for (const zone of this.zones) {
      if (apexes.has(zone.apex)) throw new Error(`zone ${zone.apex}: more than one SOA record`);
      apexes.add(zone.apex);
    }
    for (const [index, record] of stored.entries()) {
      if (!this.zoneOf(record.owner)) {
        throw new Error(
          `records[${index}] (${record.owner} ${record.type}) is outside every zone: add an SOA record for its zone`,
        );
      }
      const list = this.byName.get(record.owner) ?? [];
      if (record.type === 'CNAME' ? list.length > 0 : list.some((r) => r.type === 'CNAME')) {
        throw new Error(`records[${index}]: ${record.owner} has a CNAME and other records (RFC 1034 §3.6.2)`);
      }
      list.push(record);
      this.byName.set(record.owner, list);
      // Every ancestor down to the apex exists (empty non-terminal): NOERROR/no-data, not NXDOMAIN.
      for (let name = parent(record.owner); name !== undefined; name = parent(name))
        this.nonTerminals.add(name);
    }
  }

  zoneOf(name: string): Zone | undefined {
    return this.zones.find((z) => name === z.apex || name.endsWith(`.${z.apex}`) || z.apex === '');
  }

  records(name: string): StoredRecord[] {
    return this.byName.get(name) ?? [];
  }

  exists(name: string): boolean {
    return this.byName.has(name) || this.nonTerminals.has(name);
  }
}

function toStored(record: ZoneRecord, index: number): StoredRecord {
  const where = `records[${index}] (${record.name} ${record.type})`;
  if (!(DNS_RECORD_TYPES as readonly string[]).includes(record.type)) {
    throw new Error(`${where}: type must be one of ${DNS_RECORD_TYPES.join(', ')}`);
  }
  if (!Number.isInteger(record.ttl) || record.ttl < 0 || record.ttl > 0x7fffffff) {
    throw new Error(`${where}: ttl must be an integer 0-2147483647, got ${record.ttl}`);
  }
  try {
    return {
      owner: canonicalName(record.name),
      type: record.type,
      ttl: record.ttl,
      data: parseRdata(record.type, record.data),
    };
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

function parent(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot === -1 ? undefined : name.slice(dot + 1);
}

function isLoopback(host: string): boolean {
  return (isIPv4(host) && host.startsWith('127.')) || (isIPv6(host) && /^(0*:)*:?0*1$/.test(host));
}

/** A response header for `query` with our flags: QR, AA when authoritative, RD echoed, RA=0. */
function responseTo(query: dnsPacket.DecodedPacket, rcode: number, authoritative: boolean): dnsPacket.Packet {
  return {
    type: 'response',
    id: query.id ?? 0,
    flags:
      rcode |
      (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
      (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0),
    questions: query.questions ?? [],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

/** A copy of stored data: dns-packet's encoder rewrites TXT strings and CAA flags in place. */
function copyData(data: RecordData): RecordData {
  if (Array.isArray(data)) return data.map((chunk) => Buffer.from(chunk));
  return typeof data === 'object' && !Buffer.isBuffer(data) ? { ...data } : data;
}

function toAnswer(record: StoredRecord, faults: DnsFaults, ttl = record.ttl): dnsPacket.Answer {
  let data = copyData(record.data);
  if (record.type === 'SOA' && faults.soaSerial !== undefined) {
    data = { ...(data as dnsPacket.SoaData), serial: faults.soaSerial };
  }
  return { name: record.owner, type: record.type, class: 'IN', ttl, data } as dnsPacket.Answer;
}

/** RFC 2308 §5: the SOA that proves a negative answer, with TTL min(SOA TTL, SOA MINIMUM). */
function negativeSoa(zone: Zone, faults: DnsFaults): dnsPacket.Answer {
  const minimum = (zone.soa.data as dnsPacket.SoaData).minimum ?? 0;
  return toAnswer(zone.soa, faults, Math.min(zone.soa.ttl, minimum));
}

function lookup(zones: ZoneData, query: dnsPacket.DecodedPacket, faults: DnsFaults): dnsPacket.Packet {
  const questions = query.questions ?? [];
  const question = questions[0];
  // dns-packet decodes the opcode, but @types/dns-packet does not declare it.
  if ((query as { opcode?: string }).opcode !== 'QUERY') return responseTo(query, RCODE.NOTIMP, false);
  if (questions.length !== 1 || !question) return responseTo(query, RCODE.FORMERR, false);

  const qname = canonicalName(question.name);
  const injected = faults.rcodeByName[qname] ?? faults.rcode;
  if (injected) return responseTo(query, RCODE[injected], false);

  let zone = zones.zoneOf(qname);
  if (!zone) return responseTo(query, RCODE.REFUSED, false);
  if ((question.class ?? 'IN') !== 'IN') return responseTo(query, RCODE.REFUSED, false);

  const response = responseTo(query, RCODE.NOERROR, !faults.lame);
  const answers = response.answers as dnsPacket.Answer[];
  let name = qname;
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const records = zones.records(name);
    const cname = records.find((r) => r.type === 'CNAME');
    if (cname && question.type !== 'CNAME') {
      answers.push(toAnswer(cname, faults));
      const target = canonicalName(cname.data as string);
      const targetZone = zones.zoneOf(target);
      // A target outside our zones is for the client's resolver to chase.
      if (!targetZone) return response;
      name = target;
      zone = targetZone;
      continue;
    }
    const matching = records.filter((r) => r.type === question.type);
    if (matching.length > 0) {
      answers.push(...matching.map((r) => toAnswer(r, faults)));
      return response;
    }
    // RFC 6604: after a CNAME the rcode describes the last name in the chain.
    if (!zones.exists(name)) response.flags = (response.flags ?? 0) | RCODE.NXDOMAIN;
    (response.authorities as dnsPacket.Answer[]).push(negativeSoa(zone, faults));
    return response;
  }
  return responseTo(query, RCODE.SERVFAIL, false);
}

/** The response with RRSIGs (and DNSKEY at an apex) when the query asked with DO and the server signs. */
function signed(
  response: dnsPacket.Packet,
  query: dnsPacket.DecodedPacket,
  zones: ZoneData,
  signing: DnsServerOptions['signing'],
): dnsPacket.Packet {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
  if (signing === undefined || !opt?.flag_do) return response;
  const question = query.questions?.[0];
  const qname = question ? canonicalName(question.name) : '';
  const zone = zones.zoneOf(qname);
  if (zone === undefined) return response;
  const sign = (rrset: Rr[]) =>
    signRrset(rrset, signing.key, zone.apex, signing.validity) as dnsPacket.Answer;
  if (question?.type === 'DNSKEY' && zone.apex === qname) {
    const keys = [dnskeyRecord(zone.apex, signing.key) as dnsPacket.Answer];
    return { ...responseTo(query, RCODE.NOERROR, true), answers: [...keys, sign(keys as Rr[])] };
  }
  const answers = (response.answers ?? []) as dnsPacket.Answer[];
  const rrsets = new Map<string, Rr[]>();
  for (const answer of answers) {
    const id = `${answer.name} ${answer.type}`;
    rrsets.set(id, [...(rrsets.get(id) ?? []), answer as Rr]);
  }
  return { ...response, answers: [...answers, ...[...rrsets.values()].map(sign)] };
}

/** The client's EDNS buffer size, or undefined without an OPT record (RFC 6891). */
function ednsSize(query: dnsPacket.DecodedPacket): number | undefined {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
  return opt ? opt.udpPayloadSize : undefined;
}

/** Encodes for UDP: answers that do not fit the client's size are dropped and TC set, as RFC 2181 §9 says. */
function encodeUdp(response: dnsPacket.Packet, clientSize: number | undefined, truncate: boolean): Buffer {
  const limit = Math.min(Math.max(clientSize ?? CLASSIC_UDP_SIZE, CLASSIC_UDP_SIZE), MAX_UDP_SIZE);
  const full = dnsPacket.encode(response);
  if (!truncate && full.length <= limit) return full;
  return dnsPacket.encode({
    ...response,
    flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    answers: [],
    authorities: [],
  });
}

function withEdns(response: dnsPacket.Packet, query: dnsPacket.DecodedPacket): dnsPacket.Packet {
  if (ednsSize(query) === undefined) return response;
  const opt: dnsPacket.OptAnswer = {
    type: 'OPT',
    name: '.',
    udpPayloadSize: MAX_UDP_SIZE,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
  return { ...response, additionals: [opt] };
}

function decodeQuery(message: Buffer): dnsPacket.DecodedPacket | undefined {
  try {
    const packet = dnsPacket.decode(message);
    return packet.flag_qr ? undefined : packet;
  } catch {
    return undefined;
  }
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new Error(`startDnsServer: host must be a loopback address (127.0.0.0/8 or ::1), got ${host}`);
  }
  const requestedPort = opts.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 0xffff) {
    throw new Error(`startDnsServer: port must be an integer 0-65535, got ${requestedPort}`);
  }
  const zones = new ZoneData(opts.records);
  let faults: DnsFaults = { ...NO_FAULTS, ...normalizeFaults(opts.faults ?? {}) };
  let queries = 0;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const connections = new Set<Socket>();

  /** Answers after the configured delay, unless silent or closed by then. */
  const answer = (query: dnsPacket.DecodedPacket, send: (response: dnsPacket.Packet) => void): void => {
    queries++;
    const current = faults;
    if (current.silent) return;
    const reply = (): void => {
      if (!closed) send(withEdns(signed(lookup(zones, query, current), query, zones, opts.signing), query));
    };
    if (current.delayMs <= 0) {
      reply();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      reply();
    }, current.delayMs);
    timers.add(timer);
  };

  const onDatagram = (udp: UdpSocket) => (message: Buffer, from: RemoteInfo) => {
    const query = decodeQuery(message);
    if (!query) return;
    const truncate = faults.truncateUdp;
    answer(query, (response) => {
      udp.send(encodeUdp(response, ednsSize(query), truncate), from.port, from.address);
    });
  };

  const onConnection = (socket: Socket): void => {
    connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const query = decodeQuery(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        if (!query) {
          socket.destroy();
          return;
        }
        answer(query, (response) => {
          if (socket.destroyed) return;
          const message = dnsPacket.encode(response);
          const frame = Buffer.alloc(2 + message.length);
          frame.writeUInt16BE(message.length, 0);
          message.copy(frame, 2);
          socket.write(frame);
        });
      }
    });
  };

  const { tcp, udp, port } = await listenBoth(host, requestedPort, onConnection);
  udp.on('message', onDatagram(udp));
  // A failed send to one client (or a client resetting) must not take the server down with it.
  udp.on('error', () => {});
  tcp.on('error', () => {});

  return {
    host,
    port,
    get queries() {
      return queries;
    },
    get faults() {
      return faults;
    },
    set(patch: Partial<DnsFaults>) {
      faults = { ...faults, ...normalizeFaults(patch) };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of connections) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => tcp.close(() => resolve())),
        new Promise<void>((resolve) => udp.close(() => resolve())),
      ]);
    },
  };
}

/** Validates a fault patch and canonicalises rcodeByName keys; an explicit `undefined` clears a key. */
function normalizeFaults(patch: Partial<DnsFaults>): Partial<DnsFaults> {
  const out: Partial<DnsFaults> = { ...patch };
  if ('delayMs' in patch) {
    const delay = patch.delayMs ?? 0;
    if (!Number.isFinite(delay) || delay < 0) throw new Error(`DNS fault delayMs must be ≥ 0, got ${delay}`);
    out.delayMs = delay;
  }
  if ('silent' in patch) out.silent = patch.silent ?? false;
  if ('truncateUdp' in patch) out.truncateUdp = patch.truncateUdp ?? false;
  if ('lame' in patch) out.lame = patch.lame ?? false;
  const injected = [patch.rcode, ...Object.values(patch.rcodeByName ?? {})];
  for (const rcode of injected) {
    if (rcode !== undefined && rcode !== 'SERVFAIL' && rcode !== 'REFUSED') {
      throw new Error(`DNS fault rcode must be SERVFAIL or REFUSED, got ${String(rcode)}`);
    }
  }
  if ('rcodeByName' in patch) {
    out.rcodeByName = Object.fromEntries(
      Object.entries(patch.rcodeByName ?? {}).map(([name, rcode]) => [canonicalName(name), rcode]),
    );
  }
  if (
    patch.soaSerial !== undefined &&
    (!Number.isInteger(patch.soaSerial) || patch.soaSerial < 0 || patch.soaSerial > 0xffffffff)
  ) {
    throw new Error(`DNS fault soaSerial must be an integer 0-4294967295, got ${patch.soaSerial}`);
  }
  return out;
}

/**
 * Binds TCP then UDP on the same port. With port 0 the kernel picks the TCP port and the UDP bind
 * may find it taken: retried a bounded number of times with a fresh port.
 */
async function listenBoth(
  host: string,
  port: number,
  onConnection: (socket: Socket) => void,
): Promise<{ tcp: TcpServer; udp: UdpSocket; port: number }> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (port === 0 ? PORT_ATTEMPTS : 1); attempt++) {
    const tcp = tcpCreateServer(onConnection);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host, port, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw new Error(`startDnsServer: cannot listen on ${host} port ${port}/tcp: ${(err as Error).message}`);
    }
    const bound = (tcp.address() as { port: number }).port;
    const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: host, port: bound, exclusive: true }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      return { tcp, udp, port: bound };
    } catch (err) {
      lastError = err as Error;
      udp.removeAllListeners();
      try {
        udp.close();
      } catch {
        // Never bound: nothing to close.
      }
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  }
  throw new Error(
    `startDnsServer: cannot listen on ${host} port ${port || 'ephemeral'}/udp: ${lastError?.message}`,
  );
}

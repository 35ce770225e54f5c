/**
 * A minimal DNS stub client speaking real packets (dns-packet): one query over UDP, retried over TCP
 * when the answer comes back truncated (TC=1), like dig. It never throws: every failure comes back
 * as a DnsQueryResult carrying `error`, and an abort of `signal` ends the exchange at once.
 *
 * Like blackbox_exporter's DNS prober there is no UDP retransmission: a lost datagram is reported,
 * not hidden. The query time is measured like dig's "Query time": from the query being sent (built
 * before) to the response's arrival (decoded after), of the exchange that produced the answer (the TCP
 * one after a truncation); over TCP it includes the connection handshake.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6, connect as tcpConnect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { formatRdata, fqdn } from './dns-rdata.ts';
import { NO_NETWORK } from './net-errors.ts';
import type { DnsServer } from './spec.ts';
import type { AddressGuard } from './tcp.ts';
import type { DnsAnswer, DnsQueryResult, DnsRecordType } from './types.ts';

/** EDNS(0) buffer size recommended since DNS Flag Day 2020 (and dig's default). */
export const EDNS_UDP_SIZE = 1232;

/**
 * A server as the wire client dials it. `address` pins the IP a server given by name was resolved to,
 * once, so the address the guard judged is the one sent to (default: `host`, an IP). `guard`
 * (ProbeContext.connectGuard, bound to the server's name and origin) is asked before the first byte
 * of each transport, UDP and the TCP retry; a refusal ends the exchange with the guard's error.
 */
export interface WireServer extends DnsServer {
  address?: string;
  guard?: AddressGuard;
}

export interface WireQuery {
  server: WireServer;
  name: string;
  /** DNSKEY only for the DNSSEC check's own query. */
  type: DnsRecordType | 'DNSKEY';
  recursionDesired: boolean;
  /** Sets the DO bit (RFC 3225): the server includes RRSIGs. */
  dnssec?: boolean;
  /** Aborts the exchange; the result is then DNS_TIMEOUT. */
  signal: AbortSignal;
}

/** The reported result plus the decoded packet, for callers that read the authority section. */
export interface WireResponse {
  result: DnsQueryResult;
  packet?: dnsPacket.DecodedPacket;
}

/** "127.0.0.1:53", "[::1]:5353": how a server is named in results and messages. */
export function serverLabel(server: DnsServer): string {
  return isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

function encodeQuery(q: WireQuery, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    // AD=1 asks a validating resolver to report the AD bit (RFC 6840 §5.7), as dig does by default.
    flags: (q.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.AUTHENTIC_DATA,
    questions: [{ type: q.type, name: q.name, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: EDNS_UDP_SIZE,
        extendedRcode: 0,
        ednsVersion: 0,
        // dns-packet encodes the OPT flags from `flags`: DO asks for the RRSIGs (RFC 3225).
        flags: q.dnssec === true ? dnsPacket.DNSSEC_OK : 0,
        flag_do: q.dnssec === true,
        options: [],
      },
    ],
  });
}

/**
 * The response belongs to our query only if id and question echo it (RFC 5452 §9.1): anything else
 * is a stray or spoofed packet and is ignored. Names compare case-insensitively.
 */
function decodeMatching(message: Buffer, q: WireQuery, id: number): dnsPacket.DecodedPacket | undefined {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  const question = packet.questions?.[0];
  const sameQuestion =
    packet.questions?.length === 1 &&
    question !== undefined &&
    question.type === q.type &&
    fqdn(question.name).toLowerCase() === fqdn(q.name).toLowerCase();
  return packet.id === id && packet.flag_qr && sameQuestion ? packet : undefined;
}

/**
 * formatRdata of a decoded record. Formatting runs inside socket event handlers, where an exception
 * would escape every caller: a record it cannot present is reported as such instead.
 */
function presentable(answer: dnsPacket.Answer): string {
  try {
    return formatRdata(answer);
  } catch {
    return '(record data not presentable)';
  }
}

function toResult(
  q: WireQuery,
  transport: 'udp' | 'tcp',
  packet: dnsPacket.DecodedPacket,
  queryTimeMs: number,
): DnsQueryResult {
  const answers: DnsAnswer[] = (packet.answers ?? [])
    .filter((a) => a.type !== 'OPT')
    .map((a) => ({
      name: fqdn(a.name),
      type: a.type,
      ttl: 'ttl' in a ? (a.ttl ?? 0) : 0,
      data: presentable(a),
    }));
  return {
    server: serverLabel(q.server),
    transport,
    rcode: (packet as { rcode?: string }).rcode ?? 'NOERROR',
    flags: {
      aa: packet.flag_aa,
      tc: packet.flag_tc,
      rd: packet.flag_rd,
      ra: packet.flag_ra,
      ad: packet.flag_ad,
    },
    answers,
    queryTimeMs,
  };
}

function failure(q: WireQuery, transport: 'udp' | 'tcp', message: string): WireResponse {
  return {
    result: {
      server: serverLabel(q.server),
      transport,
      answers: [],
      error: { code: 'DNS_TIMEOUT', message },
    },
  };
}

/**
 * Runs `body` with a settle-once callback and cleanups that always run: on settle, on abort, or when
 * `body` throws (e.g. a port out of range), whichever comes first. Keeps the socket code free of
 * repeated bookkeeping.
 */
function exchangeOnce(
  q: WireQuery,
  transport: 'udp' | 'tcp',
  abortMessage: () => string,
  body: (settle: (r: WireResponse) => void, onCleanup: (fn: () => void) => void) => void,
): Promise<WireResponse> {
  return new Promise((resolve) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const settle = (r: WireResponse): void => {
      if (done) return;
      done = true;
      q.signal.removeEventListener('abort', abort);
      for (const fn of cleanups) fn();
      resolve(r);
    };
    const abort = (): void => settle(failure(q, transport, abortMessage()));
    if (q.signal.aborted) {
      abort();
      return;
    }
    q.signal.addEventListener('abort', abort, { once: true });
    try {
      body(settle, (fn) => cleanups.push(fn));
    } catch (err) {
      settle(failure(q, transport, `query to ${serverLabel(q.server)} failed: ${(err as Error).message}`));
    }
  });
}

function elapsedSince(start: number): string {
  return `${Math.round(performance.now() - start)} ms`;
}

function queryUdp(q: WireQuery): Promise<WireResponse> {
  const id = randomInt(0x10000);
  const start = performance.now();
  let strays = 0;
  const label = serverLabel(q.server);
  return exchangeOnce(
    q,
    'udp',
    () =>
      `no response from ${label} over UDP after ${elapsedSince(start)}` +
      (strays > 0 ? ` (${strays} non-matching packet(s) ignored)` : ''),
    (settle, onCleanup) => {
      const socket: UdpSocket = createSocket(isIPv6(dialled(q)) ? 'udp6' : 'udp4');
      // close() throws if the socket already went down with an error; there is nothing left to release then.
      onCleanup(() => {
        try {
          socket.close();
        } catch {}
      });
      let sentAt = start;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // A connected UDP socket reports ICMP port-unreachable as ECONNREFUSED: nothing listens there.
        const why = err.code === 'ECONNREFUSED' ? 'port unreachable (nothing listening)' : err.message;
        settle(failure(q, 'udp', `no response from ${label} over UDP: ${why}`));
      });
      socket.on('message', (message) => {
        // Marked on arrival, before decoding: dig stamps the response as it comes off the socket too.
        const receivedAt = performance.now();
        const packet = decodeMatching(message, q, id);
        if (!packet) {
          strays++;
          return;
        }
        settle({ result: toResult(q, 'udp', packet, receivedAt - sentAt), packet });
      });
      // connect() makes the kernel drop datagrams from any other address/port.
      // A failed connect (no route: ENETUNREACH on a machine without a network) comes to this callback,
      // not to 'error': sending on the unconnected socket would throw out of the probe.
      socket.connect(q.server.port, dialled(q), (err?: Error) => {
        if (err) {
          const why = (err as NodeJS.ErrnoException).code === 'ENETUNREACH' ? NO_NETWORK : err.message;
          settle(failure(q, 'udp', `no response from ${label} over UDP: ${why}`));
          return;
        }
        // Built before the mark, as dig renders its message before stamping it sent.
        const query = encodeQuery(q, id);
        sentAt = performance.now();
        socket.send(query);
      });
    },
  );
}

function queryTcp(q: WireQuery): Promise<WireResponse> {
  const id = randomInt(0x10000);
  const start = performance.now();
  const label = serverLabel(q.server);
  let connected = false;
  return exchangeOnce(
    q,
    'tcp',
    () =>
      connected
        ? `no response from ${label} over TCP after ${elapsedSince(start)}`
        : `TCP connection to ${label} not established after ${elapsedSince(start)}`,
    (settle, onCleanup) => {
      const socket = tcpConnect({ host: dialled(q), port: q.server.port });
      onCleanup(() => socket.destroy());
      let buffered = Buffer.alloc(0);
      socket.on('error', (err: NodeJS.ErrnoException) => {
        settle(failure(q, 'tcp', `TCP exchange with ${label} failed: ${err.code ?? err.message}`));
      });
      socket.on('close', () => {
        settle(failure(q, 'tcp', `${label} closed the TCP connection without an answer`));
      });
      socket.on('connect', () => {
        connected = true;
        const query = encodeQuery(q, id);
        const frame = Buffer.alloc(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        socket.write(frame);
      });
      socket.on('data', (chunk: Buffer) => {
        const receivedAt = performance.now();
        buffered = Buffer.concat([buffered, chunk]);
        // Several messages may share one connection (RFC 7766): skip the ones that are not ours.
        while (buffered.length >= 2) {
          const length = buffered.readUInt16BE(0);
          if (buffered.length < 2 + length) break;
          const message = buffered.subarray(2, 2 + length);
          buffered = buffered.subarray(2 + length);
          const packet = decodeMatching(message, q, id);
          if (packet) {
            settle({ result: toResult(q, 'tcp', packet, receivedAt - start), packet });
            return;
          }
        }
      });
    },
  );
}

/** The IP the query goes to. */
function dialled(q: WireQuery): string {
  return q.server.address ?? q.server.host;
}

/** The guard's refusal of this transport, as the exchange's result: nothing was sent. */
function refusal(q: WireQuery, transport: 'udp' | 'tcp'): WireResponse | undefined {
  const error = q.server.guard?.(dialled(q), q.server.port);
  return error ? { result: { server: serverLabel(q.server), transport, answers: [], error } } : undefined;
}

/** One query: UDP first, TCP when the UDP answer is truncated. Never throws. */
export async function exchange(q: WireQuery): Promise<WireResponse> {
  const udp = refusal(q, 'udp') ?? (await queryUdp(q));
  if (!udp.packet?.flag_tc) return udp;
  return refusal(q, 'tcp') ?? queryTcp(q);
}

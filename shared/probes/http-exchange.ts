/**
 * One HTTP request/response on a fresh connection, phase by phase, timed the way curl times it.
 *
 * We run each phase ourselves instead of letting an Agent do it, because an Agent hides them:
 *   resolve  the system resolver, skipped for IP literals (tcp.ts resolveHost)    → curl time_namelookup
 *   connect  each resolved address in turn until one accepts (tcp.ts connectTcp)  → curl time_connect
 *   tls      tls.connect over that socket (tls.ts tlsHandshake)                    → curl time_appconnect
 *   request  node:http `request` with `createConnection` returning the socket we already hold, and no
 *            agent at all. (`agent: false` would not do: Node then builds a throwaway Agent that dials its
 *            own socket and ignores `createConnection`.) node:http gives us its llhttp parser, strict
 *            header limits and chunked decoding; writing HTTP/1.1 by hand would duplicate all of that.
 *   first byte  a 'data' listener prepended on the socket: the first response byte off the wire (after
 *            TLS decryption), not the moment headers finish parsing    → curl time_starttransfer
 *   end      the response's 'end' event                        → curl time_total
 * The connection is never reused: it is destroyed when the hop ends, whatever happened.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { classifyNetError, formatAddress, type NetFailure } from './net-errors.ts';
import type { HttpVersion, TlsOptions } from './spec.ts';
import {
  type AddressGuard,
  connectTcp,
  guardFor,
  type LookupAll,
  type ResolvedAddress,
  type ResolveResult,
  resolveHost,
} from './tcp.ts';
import { type TlsVerdict, tlsHandshake } from './tls.ts';
import type { AddressOrigin, ConnectGuard, Timings, TlsInfo } from './types.ts';

export interface HopRequest {
  url: URL;
  method: string;
  /** Complete request headers, Host included; sent as given. */
  headers: Record<string, string>;
  body?: string;
}

export interface HopOptions {
  /** Present for https: URLs only. */
  tls?: TlsOptions;
  /** Over TLS: '1.1' offers http/1.1 only (default), '2' requires h2, 'auto' offers both (ALPN). */
  httpVersion?: HttpVersion;
  maxBodyBytes: number;
  /** Keep the body (up to maxBodyBytes) for assertions; otherwise bytes are counted and dropped. */
  keepBody: boolean;
  /** The probe deadline: aborts whatever phase is running. */
  signal: AbortSignal;
  /** ProbeContext.connectGuard: may refuse each resolved address before it is dialled. */
  connectGuard?: ConnectGuard;
  /** Where this hop's host came from, for the guard: the target itself, or a redirect. */
  origin: AddressOrigin;
  /** The resolver for each hop's host (tcp.ts resolveHost's; default the system's). */
  lookup?: LookupAll;
  /** Probing every address (`allAddresses`): the host's addresses come from here instead of a lookup. */
  pinned?: PinnedHost;
}

/**
 * One address of a host, looked up once for every address's run. `lookup` carries the lookup's own
 * marks for the first hop, whose dns phase it is; later hops to the same host reuse the address
 * without a lookup (dns 0, as for an IP literal).
 */
export interface PinnedHost {
  host: string;
  lookup: ResolveResult & { startedAt: number; endedAt: number };
  firstHop: boolean;
}

export interface Hop {
  timings: Timings;
  /** performance.now() at the hop's start and end marks: the probe's total runs from the first to the last. */
  startedAt: number;
  endedAt: number;
  /** "ip:port" actually connected to. */
  remoteAddress?: string;
  tls?: TlsInfo;
  /** The certificate judged against TlsOptions; a `degraded` verdict lets the hop continue. */
  tlsVerdict?: TlsVerdict;
  httpVersion?: string;
  statusCode?: number;
  /** Raw response headers (unredacted: the caller redacts before anything leaves the probe). */
  headers?: http.IncomingHttpHeaders;
  bodyBytes?: number;
  body?: Buffer;
  failure?: NetFailure;
}

/** Cumulative marks on the performance.now() clock, named after curl's -w variables. */
interface Marks {
  start: number;
  namelookup?: number;
  connect?: number;
  appconnect?: number;
  starttransfer?: number;
  end?: number;
}

/** Never rejects: every failure comes back as `hop.failure` with the timings reached so far. */
export async function exchange(req: HopRequest, opts: HopOptions): Promise<Hop> {
  const host = req.url.hostname.replace(/^\[|\]$/g, '');
  const pinned = opts.pinned?.host === host ? opts.pinned : undefined;
  const lookedUp = pinned?.firstHop ? pinned.lookup : undefined;
  const marks: Marks = { start: lookedUp?.startedAt ?? performance.now() };
  const hop: Hop = { timings: { total: 0 }, startedAt: marks.start, endedAt: marks.start };
  let socket: net.Socket | undefined;
  // Describing the certificate formats and decodes: it waits until the hop's clocks have stopped.
  let describeTls: (() => { info: TlsInfo; verdict: TlsVerdict }) | undefined;
  try {
    const port = Number(req.url.port) || (req.url.protocol === 'https:' ? 443 : 80);

    const resolved = pinned?.lookup ?? (await resolveHost(host, opts.signal, opts.lookup));
    if (!resolved.ok) return finish(hop, marks, resolved.failure);
    // An IP literal costs no lookup: time_namelookup is 0, as in curl; nor does a pinned address after its first hop.
    marks.namelookup =
      net.isIP(host) !== 0 ? marks.start : pinned ? (lookedUp?.endedAt ?? marks.start) : performance.now();

    const connected = await connectFirst(
      resolved.addresses,
      port,
      host,
      opts.signal,
      guardFor(opts.connectGuard, host, opts.origin),
    );
    if ('failure' in connected) {
      // As the TCP prober reports it: connect lasted until the refusal (or the deadline), so the
      // HTTP and TCP views of the same dead port show the same connect time.
      marks.connect = performance.now();
      return finish(hop, marks, connected.failure);
    }
    socket = connected.socket;
    marks.connect = performance.now();
    hop.remoteAddress = formatAddress(connected.address, port);
    const shown = host === connected.address ? hop.remoteAddress : `${host} (${hop.remoteAddress})`;

    if (opts.tls) {
      const handshake = await tlsHandshake(socket, {
        tls: opts.tls,
        host,
        address: shown,
        alpn: ALPN[opts.httpVersion ?? '1.1'],
        signal: opts.signal,
      });
      if (!handshake.ok) return finish(hop, marks, handshake.failure);
      socket = handshake.socket;
      marks.appconnect = handshake.completedAt;
      describeTls = handshake.describe;
      // Like curl, a certificate that fails verification ends the hop before any request is sent.
      if (handshake.refused) return finish(hop, marks, handshake.describe().verdict.error ?? undefined);
      if (handshake.alpn === 'h2') {
        const failure = await requestH2(handshake.socket, req, opts, hop, marks, shown);
        return finish(hop, marks, failure);
      }
      if (opts.httpVersion === '2') return finish(hop, marks, versionUnsupported(shown, handshake.alpn));
    }

    const failure = await request(socket, req, opts, hop, marks, shown);
    return finish(hop, marks, failure);
  } catch (err) {
    // Bad input node:http rejects synchronously (e.g. a header value with a newline), named by Node.
    const message = err instanceof Error ? err.message : String(err);
    return finish(hop, marks, { code: 'HTTP_PROTOCOL_ERROR', layer: 'application', message });
  } finally {
    socket?.destroy();
    // Runs before the caller sees the hop (the object `finish` returned), after every mark was taken.
    if (describeTls) {
      const { info, verdict } = describeTls();
      hop.tls = info;
      hop.tlsVerdict = verdict;
    }
  }
}

type Connected = { socket: net.Socket; address: string } | { failure: NetFailure };

/** Addresses are tried in resolver order until one accepts; time_connect includes the failed tries, as curl's does. */
async function connectFirst(
  addresses: ResolvedAddress[],
  port: number,
  host: string,
  signal: AbortSignal,
  guard: AddressGuard | undefined,
): Promise<Connected> {
  let failure: NetFailure | undefined;
  for (const { address } of addresses) {
    const where =
      host === address ? formatAddress(address, port) : `${host} (${formatAddress(address, port)})`;
    const attempt = await connectTcp(address, port, signal, where, guard);
    if (attempt.ok) return { socket: attempt.socket, address };
    failure = attempt.failure;
    if (signal.aborted) break;
  }
  // resolveHost never returns an empty list, so a failure was recorded.
  return { failure: failure as NetFailure };
}

/** Sends the request and reads the response into `hop`; resolves with the failure, if any. */
function request(
  socket: net.Socket,
  req: HopRequest,
  opts: HopOptions,
  hop: Hop,
  marks: Marks,
  shown: string,
): Promise<NetFailure | undefined> {
  return new Promise((resolvePromise) => {
    const settle = settleOnce(marks, resolvePromise, () => {
      opts.signal.removeEventListener('abort', onAbort);
      socket.off('data', onRead);
      socket.off('end', onRead);
      outgoing.destroy();
      socket.destroy();
    });
    // Every read off the wire, before node:http parses it: the first is the first byte; the last before
    // the response completes carried its last byte (or is the EOF that ends a body delimited by close).
    let lastRead: number | undefined;
    const onRead = () => {
      lastRead = performance.now();
      marks.starttransfer ??= lastRead;
    };
    const onAbort = () => settle(responseTimeout(marks, hop, shown));

    const outgoing = http.request({
      method: req.method,
      path: `${req.url.pathname}${req.url.search}`,
      headers: req.headers,
      setHost: false,
      createConnection: () => socket,
      // Repeated headers (two X-Cache lines from two caches) arrive as one "a, b" value, as RFC 9110 allows.
      joinDuplicateHeaders: true,
    });
    // Prepended after request() so node:http's parser is already queued to attach: it still sees every byte.
    socket.prependListener('data', onRead);
    socket.prependListener('end', onRead);

    outgoing.on('response', (res) => {
      hop.statusCode = res.statusCode;
      hop.httpVersion = res.httpVersion;
      hop.headers = res.headers;
      hop.bodyBytes = 0;
      // HEAD, 204 and 304 declare the length of a body they never send (RFC 9110 §8.6).
      const bodyless = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
      const declared = Number(res.headers['content-length']);
      if (!bodyless && Number.isFinite(declared) && declared > opts.maxBodyBytes) {
        settle(tooLarge(shown, `declares ${declared} bytes`, opts.maxBodyBytes));
        return;
      }
      const kept: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        const bytes = (hop.bodyBytes ?? 0) + chunk.length;
        hop.bodyBytes = bytes;
        if (bytes > opts.maxBodyBytes) {
          // Stop at the cap: destroying the socket stops the kernel from accepting more for us.
          settle(tooLarge(shown, `sent more than ${opts.maxBodyBytes} bytes`, opts.maxBodyBytes));
          return;
        }
        if (opts.keepBody) kept.push(chunk);
      });
      res.on('end', () => {
        if (opts.keepBody) hop.body = Buffer.concat(kept);
        // End at the read that completed the response, not after node:http parsed it and emitted 'end'.
        settle(undefined, lastRead);
      });
      res.on('error', (err) => settle(responseError(err, shown, hop)));
      res.on('close', () => {
        if (!res.complete) settle(responseError(new Error('connection closed'), shown, hop));
      });
    });
    outgoing.on('error', (err) => settle(responseError(err, shown, hop)));

    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    outgoing.end(req.body);
  });
}

/** ALPN protocols offered for each httpVersion. */
const ALPN: Record<HttpVersion, string[]> = {
  '1.1': ['http/1.1'],
  // Both offered, h2 required: so a server that does not speak it names what it does speak.
  '2': ['h2', 'http/1.1'],
  auto: ['h2', 'http/1.1'],
};

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); Host becomes :authority. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** The request as HTTP/2 sends it: pseudo-headers first, connection-specific headers dropped. */
export function http2Fields(req: Pick<HopRequest, 'url' | 'method' | 'headers'>): Record<string, string> {
  const fields: Record<string, string> = {
    ':method': req.method,
    ':path': `${req.url.pathname}${req.url.search}`,
    ':scheme': 'https',
    ':authority': req.headers.host ?? req.url.host,
  };
  for (const [name, value] of Object.entries(req.headers)) {
    if (!CONNECTION_HEADERS.has(name)) fields[name] = value;
  }
  return fields;
}

/** httpVersion '2' and the server chose something else in ALPN (or nothing). */
function versionUnsupported(shown: string, alpn: string | undefined): NetFailure {
  return {
    code: 'HTTP_VERSION_UNSUPPORTED',
    layer: 'application',
    message: `${shown} does not speak HTTP/2: offered h2 in ALPN, the server chose ${alpn ?? 'no protocol (HTTP/1.1 by default)'}`,
  };
}

/**
 * The request over HTTP/2 (ALPN chose h2), on the TLS socket already timed: one stream on a session of
 * our own, closed with the hop. Marks as curl --http2 sets them: starttransfer when the response's
 * HEADERS arrive (not the server's SETTINGS, which come first and are connection setup), end at the
 * stream's last DATA.
 */
function requestH2(
  socket: tls.TLSSocket,
  req: HopRequest,
  opts: HopOptions,
  hop: Hop,
  marks: Marks,
  shown: string,
): Promise<NetFailure | undefined> {
  return new Promise((resolvePromise) => {
    const settle = settleOnce(marks, resolvePromise, () => {
      opts.signal.removeEventListener('abort', onAbort);
      session.destroy();
      socket.destroy();
    });
    const onAbort = () => settle(responseTimeout(marks, hop, shown));
    const session = http2.connect(req.url.origin, { createConnection: () => socket });
    session.on('error', (err) => settle(responseError(err, shown, hop)));
    const stream = session.request(http2Fields(req), { endStream: req.body === undefined });
    stream.on('response', (h) => {
      marks.starttransfer = performance.now();
      hop.statusCode = Number(h[':status']);
      hop.httpVersion = '2.0';
      const { ':status': _status, ...rest } = h;
      hop.headers = rest as http.IncomingHttpHeaders;
      hop.bodyBytes = 0;
    });
    const kept: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      hop.bodyBytes = (hop.bodyBytes ?? 0) + chunk.length;
      if (hop.bodyBytes > opts.maxBodyBytes) {
        settle(tooLarge(shown, `sent more than ${opts.maxBodyBytes} bytes`, opts.maxBodyBytes));
        return;
      }
      if (opts.keepBody) kept.push(chunk);
    });
    stream.on('end', () => {
      const at = performance.now();
      if (opts.keepBody) hop.body = Buffer.concat(kept);
      settle(undefined, at);
    });
    stream.on('error', (err) => settle(responseError(err, shown, hop)));
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (req.body !== undefined) stream.end(req.body);
  });
}

/**
 * Ends a request once: the first call sets the end mark (`at`; a failure ends the hop when it is
 * noticed), releases what the request holds and resolves; later calls do nothing.
 */
function settleOnce(
  marks: Marks,
  resolve: (failure: NetFailure | undefined) => void,
  release: () => void,
): (failure?: NetFailure, at?: number) => void {
  let settled = false;
  return (failure, at = performance.now()) => {
    if (settled) return;
    settled = true;
    marks.end = at;
    release();
    resolve(failure);
  };
}

/** The deadline while waiting for the response: each sentence quotes the phase it talks about. */
function responseTimeout(marks: Marks, hop: Hop, shown: string): NetFailure {
  const now = performance.now();
  const sent = marks.appconnect ?? marks.connect ?? marks.start;
  const message =
    marks.starttransfer === undefined
      ? `no response from ${shown}: no first byte ${formatMs(now - sent)} ms after the request (ttfb)`
      : `response from ${shown} not complete: ${hop.bodyBytes ?? 0} body bytes in ${formatMs(now - marks.starttransfer)} ms (transfer)`;
  return { code: 'HTTP_TIMEOUT', layer: 'application', message };
}

/** One decimal, as the CLI's table prints phases. */
function formatMs(ms: number): string {
  return ms.toFixed(1);
}

function tooLarge(shown: string, what: string, cap: number): NetFailure {
  return {
    code: 'HTTP_BODY_TOO_LARGE',
    layer: 'application',
    message: `response body from ${shown} ${what}, over the ${cap}-byte limit`,
  };
}

/** Errors once the request is on its way: HTTP-level trouble is the application's, socket trouble the transport's. */
function responseError(err: Error, shown: string, hop: Hop): NetFailure {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('HPE_')) {
    const raw = (err as { rawPacket?: unknown }).rawPacket;
    const sample = Buffer.isBuffer(raw)
      ? ` (received ${JSON.stringify(raw.subarray(0, 32).toString('latin1'))})`
      : '';
    return {
      code: 'HTTP_PROTOCOL_ERROR',
      layer: 'application',
      message: `${shown} did not answer with valid HTTP: ${err.message}${sample}`,
    };
  }
  if (hop.statusCode === undefined && err.message === 'socket hang up') {
    // A FIN before any response byte: curl's "Empty reply from server".
    return {
      code: 'HTTP_PROTOCOL_ERROR',
      layer: 'application',
      message: `${shown} closed the connection without sending a response`,
    };
  }
  if (hop.statusCode !== undefined && (err.message === 'aborted' || err.message === 'connection closed')) {
    return {
      code: 'HTTP_PROTOCOL_ERROR',
      layer: 'application',
      message: `${shown} closed the connection after ${hop.bodyBytes ?? 0} body bytes, before the response was complete`,
    };
  }
  return classifyNetError(err, { phase: 'io', address: shown });
}

function finish(hop: Hop, marks: Marks, failure?: NetFailure): Hop {
  const end = marks.end ?? performance.now();
  const t: Partial<Timings> = {};
  const { start, namelookup, connect, appconnect, starttransfer } = marks;
  if (namelookup !== undefined) t.dns = namelookup - start;
  if (connect !== undefined && namelookup !== undefined) t.connect = connect - namelookup;
  if (appconnect !== undefined && connect !== undefined) t.tls = appconnect - connect;
  const sent = appconnect ?? connect;
  if (starttransfer !== undefined && sent !== undefined) {
    t.ttfb = starttransfer - sent;
    if (marks.end !== undefined) t.transfer = marks.end - starttransfer;
  }
  hop.timings = { ...t, total: end - start };
  hop.endedAt = end;
  if (failure) hop.failure = failure;
  return hop;
}

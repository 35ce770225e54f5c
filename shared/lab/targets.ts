/**
 * The lab's non-DNS targets, on 127.0.0.1 ephemeral ports: one plain HTTP and one HTTPS server (leaf
 * from the lab CA) with a home page, a healthy, a slow, a failing (503) and a CDN-fronted endpoint
 * each (plain HTTP's home page redirects to HTTPS); an HTTPS server whose certificate has expired; a
 * TLS mail server (SMTPS) that greets with a banner and whose certificate expires soon; an HTTPS
 * server whose leaf is fine but whose intermediate certificate expires within days; and a TCP port
 * with nothing listening. Faults are real: the slow endpoint really waits before its headers,
 * the expired certificate really is expired.
 *
 * Shared by `netprobe lab` (npm start) and the CLI tests, so what the demo shows is what is tested.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { Server, Socket } from 'node:net';
import * as tls from 'node:tls';
import { createCa, daysFromNow, issueCert } from './certs.ts';

export const LAB_HOST = '127.0.0.1';
/** Names on the lab certificates, besides the 127.0.0.1 IP SAN the probes connect to. */
export const LAB_CERT_NAMES = ['web.example.test', 'localhost'];
export const DEFAULT_SLOW_MS = 400;
/** Lifetime of the healthy servers' certificates, as a public CA issues them: no expiry warning. */
const LEAF_DAYS = 90;
/** The mail server's certificate runs out in this many days: inside a 30-day warning window. */
export const MAIL_CERT_DAYS = 20;
/** The partner server's intermediate CA certificate runs out in this many days (its leaf has LEAF_DAYS). */
export const INTERMEDIATE_CERT_DAYS = 5;
export const MAIL_BANNER = '220 mail.example.test ESMTP netprobe-lab';

/** The endpoints every lab web server answers. */
export const LAB_PATHS = {
  home: '/',
  health: '/health',
  slow: '/slow',
  unavailable: '/status/503',
  cdn: '/cdn/logo.svg',
} as const;

export interface LabServer {
  /** "http://127.0.0.1:<port>" or "https://127.0.0.1:<port>". */
  origin: string;
  port: number;
}

export interface LabTargets {
  http: LabServer;
  /** Leaf issued by the lab CA: trusted when the probe's TLS `ca` is `caPem`. */
  https: LabServer;
  /** Same CA, but the certificate expired yesterday. */
  expired: LabServer;
  /** SMTPS: TLS from the first byte, then the MAIL_BANNER greeting; certificate valid MAIL_CERT_DAYS more days. */
  mail: { port: number };
  /** A port that was just released on 127.0.0.1: connects are refused. */
  closedPort: number;
  /** Sends its leaf and an intermediate CA certificate expiring in INTERMEDIATE_CERT_DAYS days. */
  chain: LabServer;
  /** HTTPS that negotiates HTTP/2 through ALPN (HTTP/1.1 too), the `https` endpoints. */
  h2: LabServer;
  /** The lab CA certificate (PEM): the trust anchor for `https`, `expired`, `chain` and `h2`. */
  caPem: string;
  /** Requests answered so far, by path. */
  hits(path: string): number;
  /** Closes every server and drops open connections. Idempotent. */
  close(): Promise<void>;
}

export interface LabTargetOptions {
  /** How long /slow waits before sending its headers. Default 400 ms. */
  slowMs?: number;
}

export async function startLabTargets(opts: LabTargetOptions = {}): Promise<LabTargets> {
  const slowMs = opts.slowMs ?? DEFAULT_SLOW_MS;
  const ca = await createCa({ commonName: 'netprobe lab CA' });
  const hosts = [LAB_HOST, ...LAB_CERT_NAMES];
  const intermediate = await createCa({
    commonName: 'netprobe lab intermediate CA',
    issuer: ca,
    // Half a day more, so the probe reads INTERMEDIATE_CERT_DAYS whole days left.
    notAfter: daysFromNow(INTERMEDIATE_CERT_DAYS + 0.5),
  });
  const [leaf, expiredLeaf, mailLeaf, chainLeaf] = await Promise.all([
    issueCert(ca, { hosts, notAfter: daysFromNow(LEAF_DAYS) }),
    issueCert(ca, { hosts, notBefore: daysFromNow(-90), notAfter: daysFromNow(-1) }),
    issueCert(ca, { hosts: [LAB_HOST, 'mail.example.test'], notAfter: daysFromNow(MAIL_CERT_DAYS) }),
    issueCert(intermediate, { hosts: [LAB_HOST, 'partner.example.test'], notAfter: daysFromNow(LEAF_DAYS) }),
  ]);

  const hitCounts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const hit = (path: string) => hitCounts.set(path, (hitCounts.get(path) ?? 0) + 1);
  // The HTTPS origin is known only once it listens; plain HTTP's home page redirects there.
  let secureOrigin = '';
  const handler = labHandler(slowMs, timers, hit, () => secureOrigin);

  const servers: Tracked[] = [];
  try {
    servers.push(await listen(http.createServer(handler)));
    servers.push(await listen(https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, handler)));
    servers.push(
      await listen(https.createServer({ cert: expiredLeaf.certPem, key: expiredLeaf.keyPem }, handler)),
    );
    servers.push(await listen(tls.createServer({ cert: mailLeaf.certPem, key: mailLeaf.keyPem }, greet)));
    // The whole chain up to (not including) the root, as a server should send it.
    const chainPem = `${chainLeaf.certPem}\n${intermediate.certPem}`;
    servers.push(await listen(https.createServer({ cert: chainPem, key: chainLeaf.keyPem }, handler)));
    // HTTP/2 through ALPN (HTTP/1.1 still offered), same certificate and endpoints as `https`.
    servers.push(
      await listen(
        http2.createSecureServer(
          { cert: leaf.certPem, key: leaf.keyPem, allowHTTP1: true },
          handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
        ),
      ),
    );
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  const [plain, secure, expired, mail, chain, h2] = servers as [
    Tracked,
    Tracked,
    Tracked,
    Tracked,
    Tracked,
    Tracked,
  ];
  secureOrigin = `https://${LAB_HOST}:${secure.port}`;
  let closing: Promise<void> | undefined;
  return {
    http: { origin: `http://${LAB_HOST}:${plain.port}`, port: plain.port },
    https: { origin: secureOrigin, port: secure.port },
    expired: { origin: `https://${LAB_HOST}:${expired.port}`, port: expired.port },
    mail: { port: mail.port },
    chain: { origin: `https://${LAB_HOST}:${chain.port}`, port: chain.port },
    h2: { origin: `https://${LAB_HOST}:${h2.port}`, port: h2.port },
    closedPort: await releasedPort(),
    caPem: ca.certPem,
    hits: (path) => hitCounts.get(path) ?? 0,
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await Promise.all(servers.map((s) => s.close()));
      })();
      return closing;
    },
  };
}

/** SMTP over implicit TLS (RFC 8314): greet, then close; a probe only reads the banner. */
function greet(socket: tls.TLSSocket): void {
  socket.on('error', () => socket.destroy());
  socket.end(`${MAIL_BANNER}\r\n`);
}

function labHandler(
  slowMs: number,
  timers: Set<NodeJS.Timeout>,
  hit: (path: string) => void,
  secureOrigin: () => string,
): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://lab').pathname;
    hit(path);
    // Every response closes its connection: the probes open a fresh one each time anyway. (HTTP/2 has
    // no Connection header: its stream ends with the response.)
    if (req.httpVersionMajor < 2) res.setHeader('connection', 'close');
    const isTls = (req.socket as tls.TLSSocket).encrypted === true;
    switch (path) {
      case LAB_PATHS.home:
        if (!isTls) {
          res.writeHead(301, { location: `${secureOrigin()}/` });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>example.test</title><h1>netprobe lab</h1>\n');
        return;
      case LAB_PATHS.health:
        return json(res, 200, { status: 'ok' });
      case LAB_PATHS.slow: {
        const timer = setTimeout(() => {
          timers.delete(timer);
          json(res, 200, { status: 'ok', slow: true });
        }, slowMs);
        timers.add(timer);
        return;
      }
      case LAB_PATHS.unavailable:
        res.setHeader('retry-after', '30');
        return json(res, 503, { status: 'unavailable', reason: 'lab: this endpoint is down on purpose' });
      case LAB_PATHS.cdn:
        // What a CloudFront edge adds in front of a cached object.
        res.setHeader('cache-control', 'public, max-age=300');
        res.setHeader('age', '42');
        res.setHeader('x-cache', 'Hit from cloudfront');
        res.setHeader('x-amz-cf-pop', 'FRA56-P1');
        res.setHeader('via', '1.1 0f3c7e0a.cloudfront.net (CloudFront)');
        res.writeHead(200, { 'content-type': 'image/svg+xml' });
        res.end('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n');
        return;
      default:
        return json(res, 404, { status: 'not found', path });
    }
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

interface Tracked {
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 and keeps every socket, so close() does not wait on a client's keep-alive. */
async function listen(server: Server): Promise<Tracked> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A probe that aborts mid-handshake (the expired-cert server) is expected: never crash the lab.
  server.on('tlsClientError', () => {});
  server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
  server.listen(0, LAB_HOST);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * A port nothing listens on: bound by us, then released, so connects to it are refused. Another
 * process could listen on it in the few milliseconds before the probe runs, but the kernel hands out
 * ephemeral ports round-robin, so it does not come straight back to the next listen(0).
 */
async function releasedPort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, LAB_HOST);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * First-probe fidelity. In a fresh process the first probe of each kind pays for work that is not the
 * network's: lazy compilation of every function on its path (net, node:http's client and parser, the
 * TLS handshake and certificate code, dns-packet), Node's first root-certificate store (~8 ms), dgram's
 * lazy load of child_process and cluster on the first bind, libuv's thread pool on the first getaddrinfo.
 * Measured on a fresh `netprobe check` (loopback, median of 5): connect +2–8 ms, ttfb +3–8 ms,
 * TLS +20–40 ms, DNS query time +2–10 ms over curl and dig.
 *
 * warmUp() pays for all of it before any clock starts: it runs one real probe of each kind, through
 * runProbe and the same probers, against servers it starts in this process on 127.0.0.1 (port 0), then
 * closes them. Nothing leaves the machine. First it collects the heap: loading the modules leaves V8 an
 * incremental major GC under way, whose finishing pause (4–10 ms, measured on a fresh `netprobe check`)
 * otherwise landed inside the first probe in most processes (a DNS query time 2–10 ms over dig's).
 * Collecting before the warm-up probes rather than after keeps their compiled code and inline caches:
 * a full collection after them made the first HTTP probe cost twice the CPU of the second again.
 * Callers run it once at start: the CLI before its first probe, the Lambda functions during init
 * (docs/timings.md "First probe").
 */

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as dnsPacket from 'dns-packet';
import { runProbe } from './index.ts';
import type { DnsSpec, HttpSpec, ProbeSpec, TcpSpec, TlsOptions } from './spec.ts';
import { DEFAULT_CERT_CRITICAL_DAYS, DEFAULT_CERT_WARN_DAYS, DEFAULT_MAX_BODY_BYTES } from './spec.ts';
import { defaultSecureContext, secureContextWithExtraCa } from './tls.ts';

/**
 * The warm-up server's own key and self-signed certificate (P-256, CN "netprobe warm-up", IP 127.0.0.1,
 * valid until 2126). Not a secret: it only ever serves this process over loopback for a few ms, and
 * nothing trusts it (the warm-up probes run `insecure`).
 */
const WARM_UP_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7BmLLRSxdLBMbBs6
ZIWjiKF3TheMRHpQe8tzhs90OuehRANCAASvW5HJSCg74RwTf3S+j3drk6qacWyr
y7pRgKWVXqdi3a/fT636YTKY22Sb3l+VMAqWZYFcqwtW+qFsoPrK2jgB
-----END PRIVATE KEY-----`;
const WARM_UP_CERT = `-----BEGIN CERTIFICATE-----
MIIBnzCCAUSgAwIBAgIUMOjsxpINv5/WZbHw1SO5TPf+K70wCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQbmV0cHJvYmUgd2FybS11cDAgFw0yNjEyMDIwNTQ4MzZaGA8y
MTI2MTEwODA1NDgzNlowGzEZMBcGA1UEAwwQbmV0cHJvYmUgd2FybS11cDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABK9bkclIKDvhHBN/dL6Pd2uTqppxbKvLulGA
pZVep2Ldr99PrfphMpjbZJveX5UwCpZlgVyrC1b6oWyg+sraOAGjZDBiMB0GA1Ud
DgQWBBT7tpigXbhxzzOxOZohkxXXmr3aTzAfBgNVHSMEGDAWgBT7tpigXbhxzzOx
OZohkxXXmr3aTzAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwCgYI
KoZIzj0EAwIDSQAwRgIhALtoq2+n8AodBP+S3C0MhVbc0PUpePWW6zrUQTgi/mnm
AiEAzPHWKnq5Sx0l4pN0wLws8k2F94pg9piQxsO3cE4XVAA=
-----END CERTIFICATE-----`;

const LOOPBACK = '127.0.0.1';
const WARM_UP_NAME = 'warm-up.netprobe.invalid';
/** Each warm-up probe's own deadline: loopback answers in well under 1 ms, a loaded host in tens. */
const WARM_UP_TIMEOUT_MS = 2000;
/** Loop turns to wait for the warm-up's sockets to finish closing (each turn takes microseconds). */
const MAX_SETTLE_TURNS = 50;
/** What the HTTP and TCP warm-up servers answer to any bytes: a complete HTTP/1.1 response. */
const RESPONSE =
  'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n';

export interface WarmUpStep {
  /** What was exercised: "http", "https", "tcp", "tls", "dns", "getaddrinfo", "secure context", "heap". */
  name: string;
  /** Whether it ran as planned (a failure is reported, never thrown: the real probe still runs). */
  ok: boolean;
  detail?: string;
}

export interface WarmUpReport {
  /** Wall time of the whole warm-up, ms. */
  ms: number;
  steps: WarmUpStep[];
}

type Path = 'http' | 'https' | 'tcp' | 'tls' | 'dns' | 'getaddrinfo';
const ALL_PATHS: readonly Path[] = ['http', 'https', 'tcp', 'tls', 'dns', 'getaddrinfo'];

/** The code paths `specs` will time (every one without specs): a one-URL check warms only its own. */
function pathsFor(specs: readonly ProbeSpec[]): Set<Path> {
  if (specs.length === 0) return new Set(ALL_PATHS);
  const paths = new Set<Path>();
  for (const spec of specs) {
    if (spec.kind === 'dns') paths.add(spec.server ? 'dns' : 'getaddrinfo');
    else {
      const host = spec.kind === 'tcp' ? spec.host : hostOf(spec.url);
      if (net.isIP(host) === 0) paths.add('getaddrinfo');
      if (spec.kind === 'tcp') paths.add(spec.tls ? 'tls' : 'tcp');
      else paths.add(spec.url.startsWith('https:') ? 'https' : 'http');
    }
  }
  return paths;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

/**
 * Runs each prober `specs` need once over loopback (every prober without specs) and builds the secure
 * contexts they will use, so the first real probe measures the network only. Never throws; resolves
 * within about WARM_UP_TIMEOUT_MS.
 */
export async function warmUp(specs: readonly ProbeSpec[] = []): Promise<WarmUpReport> {
  const started = performance.now();
  const handlesBefore = process.getActiveResourcesInfo().length;
  const steps: WarmUpStep[] = [collectHeap(), secureContexts(specs)];
  const servers = await startServers().catch((err: unknown) => err as Error);
  if (servers instanceof Error) {
    steps.push({ name: 'loopback servers', ok: false, detail: servers.message });
    return { ms: performance.now() - started, steps };
  }
  const warm: Record<Path, () => Promise<WarmUpStep>> = {
    http: () => probeStep('http', httpSpec(`http://${LOOPBACK}:${servers.tcp}/`)),
    https: () => probeStep('https', httpSpec(`https://${LOOPBACK}:${servers.tls}/`)),
    tcp: () => probeStep('tcp', tcpSpec(servers.tcp)),
    tls: () => probeStep('tls', { ...tcpSpec(servers.tls), tls: insecure() }),
    dns: () => probeStep('dns', dnsSpec(servers.dns)),
    getaddrinfo: systemResolver,
  };
  try {
    const needed = pathsFor(specs);
    steps.push(...(await Promise.all(ALL_PATHS.filter((p) => needed.has(p)).map((p) => warm[p]()))));
  } finally {
    await servers.close();
    await settled(handlesBefore);
  }
  return { ms: performance.now() - started, steps };
}

/**
 * One full, synchronous collection, so no GC the start-up made due runs while the first probe is timed:
 * what is live afterwards is small, and the warm-up and the first probes allocate little. V8 exposes `gc` only to
 * contexts created while --expose-gc is set, hence the one-off context (~2 ms); the flag is put back.
 */
function collectHeap(): WarmUpStep {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options: { type: 'major'; execution: 'sync' }) => void;
    const started = performance.now();
    gc({ type: 'major', execution: 'sync' });
    return { name: 'heap', ok: true, detail: `collected in ${(performance.now() - started).toFixed(1)} ms` };
  } catch (err) {
    return { name: 'heap', ok: false, detail: (err as Error).message };
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Sockets close a loop turn or two after destroy(): their callbacks must not run inside the first real probe. */
async function settled(handles: number): Promise<void> {
  for (let turn = 0; turn < MAX_SETTLE_TURNS; turn++) {
    if (process.getActiveResourcesInfo().length <= handles) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Root store and secure contexts: the default one, and one per distinct `ca` bundle of the specs. */
function secureContexts(specs: readonly ProbeSpec[]): WarmUpStep {
  defaultSecureContext();
  const bundles = new Set(specs.map(caOf).filter((ca) => ca !== undefined));
  for (const spec of specs) {
    const unusable = prepareSecureContext(spec);
    // A bad bundle is the probe's to report (TLS_HANDSHAKE_FAILED, naming the block): only noted here.
    if (unusable !== undefined) return { name: 'secure context', ok: false, detail: unusable };
  }
  return { name: 'secure context', ok: true, detail: `default + ${bundles.size} ca bundle(s)` };
}

function caOf(spec: ProbeSpec): string | undefined {
  return spec.kind === 'http' ? spec.tls.ca : spec.kind === 'tcp' ? spec.tls?.ca : undefined;
}

/**
 * Builds, or finds in the cache, the secure context `spec`'s handshake will use, so building it (~10 ms
 * for a `ca` bundle over Node's roots) is never inside a timed phase, even for a `ca` that arrives with
 * the request (POST /check). Returns why the bundle is unusable, if it is; the probe reports it.
 */
export function prepareSecureContext(spec: ProbeSpec): string | undefined {
  const ca = caOf(spec);
  if (ca === undefined) {
    defaultSecureContext();
    return undefined;
  }
  const built = secureContextWithExtraCa(ca);
  return built.ok ? undefined : built.reason;
}

async function probeStep(name: string, spec: ProbeSpec): Promise<WarmUpStep> {
  const result = await runProbe(spec);
  return result.status === 'up'
    ? { name, ok: true }
    : { name, ok: false, detail: `${result.error?.code}: ${result.error?.message}` };
}

/** getaddrinfo once: libuv starts its thread pool on first use, inside the first `dns` phase otherwise. */
async function systemResolver(): Promise<WarmUpStep> {
  try {
    await dns.lookup('localhost', { all: true });
    return { name: 'getaddrinfo', ok: true };
  } catch (err) {
    return { name: 'getaddrinfo', ok: false, detail: (err as Error).message };
  }
}

function insecure(): TlsOptions {
  return {
    insecure: true,
    certWarnDays: DEFAULT_CERT_WARN_DAYS,
    certCriticalDays: DEFAULT_CERT_CRITICAL_DAYS,
  };
}

function httpSpec(url: string): HttpSpec {
  return {
    kind: 'http',
    url,
    method: 'GET',
    headers: {},
    maxRedirects: 0,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    tls: insecure(),
    timeoutMs: WARM_UP_TIMEOUT_MS,
    // A body assertion keeps the body: the path of every spec with content checks.
    assert: { status: [200], body: [{ contains: 'ok' }] },
    thresholds: {},
  };
}

function tcpSpec(port: number): TcpSpec {
  return {
    kind: 'tcp',
    host: LOOPBACK,
    port,
    allAddresses: false,
    send: 'HEAD / HTTP/1.1\r\n\r\n',
    expect: { contains: 'HTTP/1.1 200' },
    timeoutMs: WARM_UP_TIMEOUT_MS,
    thresholds: {},
  };
}

function dnsSpec(port: number): DnsSpec {
  return {
    kind: 'dns',
    name: WARM_UP_NAME,
    type: 'A',
    server: { host: LOOPBACK, port },
    mode: 'recursive',
    recursionDesired: true,
    timeoutMs: WARM_UP_TIMEOUT_MS,
    assert: { answers: [{ equals: LOOPBACK }] },
    thresholds: {},
  };
}

interface Servers {
  /** A TCP server answering any bytes with RESPONSE: the http and tcp warm-ups. */
  tcp: number;
  /** The same over TLS: the https and tls warm-ups. */
  tls: number;
  /** A UDP DNS server answering every query with A 127.0.0.1. */
  dns: number;
  close(): Promise<void>;
}

async function startServers(): Promise<Servers> {
  const sockets = new Set<net.Socket>();
  const answer = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end(RESPONSE));
  };
  const plain = net.createServer(answer);
  const secure = tls.createServer({ key: WARM_UP_KEY, cert: WARM_UP_CERT }, answer);
  // TLS errors before 'secureConnection' (the client hanging up mid-handshake) belong to no socket above.
  secure.on('tlsClientError', () => {});
  const udp = createSocket('udp4');
  udp.on('message', (query, peer) => reply(udp, query, peer));
  udp.on('error', () => {});
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => plain.close(() => resolve())),
      new Promise<void>((resolve) => secure.close(() => resolve())),
      new Promise<void>((resolve) => udp.close(() => resolve())),
    ]);
  };
  try {
    plain.listen(0, LOOPBACK);
    secure.listen(0, LOOPBACK);
    udp.bind(0, LOOPBACK);
    await Promise.all([once(plain, 'listening'), once(secure, 'listening'), once(udp, 'listening')]);
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
  return { tcp: portOf(plain), tls: portOf(secure), dns: udp.address().port, close };
}

function reply(udp: UdpSocket, message: Buffer, peer: { address: string; port: number }): void {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return;
  }
  const question = query.questions?.[0];
  if (!question) return;
  const response = dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0),
    questions: [question],
    answers: [{ type: 'A', name: question.name, ttl: 60, data: LOOPBACK }],
  });
  udp.send(response, peer.port, peer.address);
}

/**
 * The bench's targets, in a process of their own so a server's work never lands on the event loop or
 * the CPU account of the client being measured. Everything listens on 127.0.0.1, port 0:
 *   http / https   per injected delay (headers sent `delay` ms after the request arrived), `shards`
 *                  servers each: node:http listens with a backlog of 511, and 1000 connects at once to
 *                  one of them overflow its accept queue (dropped SYNs, retried by the client after 1 s).
 *   tcp            `tcpShards` servers that accept, read, and close when the client does
 *   dns            the lab DNS server (zone bench.test, www A 127.0.0.1): per injected delay, `shards`
 *                  servers on their own ports. One UDP socket's default receive buffer (~212 KB) holds
 *                  only ~250 queued queries, so 1000 queries at once to one server lose most of them.
 * A `precise` delay (the fidelity targets, answered one at a time) is kept to the microsecond: a timer
 * fires up to 1 ms early (libuv's clock has millisecond steps) and late under load, and each of a pair's
 * two queries would meet its own error, widening the paired comparison with noise that is neither tool's.
 * Precise DNS delays are a UDP relay in front of an undelayed lab server (UDP only).
 * Started by bench/targets.ts over an IPC channel: it sends { type: 'ready', targets } once listening,
 * answers { type: 'lateness' } with how late each delayed response really went out, and closes
 * everything on { type: 'close' }, SIGTERM, or when the parent goes away.
 */
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import type * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCa, issueCert } from '../shared/lab/certs.ts';
import { startDnsServer, type ZoneRecord } from '../shared/lab/dns-server.ts';
import { startHttpServer, startRawServer } from '../test/fixtures/http-servers.ts';
import {
  DNS_NAME,
  type Lateness,
  type TargetsConfig,
  type TargetsInfo,
  type TargetsRequest,
  type TargetsResponse,
} from './targets.ts';

const SOA = 'ns1.bench.test. hostmaster.bench.test. 1 7200 3600 1209600 300';

const config = JSON.parse(process.argv[2] ?? '{}') as TargetsConfig;

const closers: (() => Promise<void>)[] = [];
/** Per server key ("https:100"): actual minus injected delay of each response, in ms, with its path. */
const lateness = new Map<string, Lateness[]>();

/** A timer to just before `deadline` (performance.now() ms), then a spin: resolves within microseconds of it. */
async function until(deadline: number): Promise<void> {
  const early = deadline - performance.now() - PRECISE_SPIN_MS;
  if (early > 0) await sleep(early);
  while (performance.now() < deadline) {
    // Spin: at most PRECISE_SPIN_MS (more if the timer itself fired late), one response at a time.
  }
}
/** How long before a precise deadline the timer hands over to the spin: libuv fires up to 1 ms early. */
const PRECISE_SPIN_MS = 2;

function delayed(key: string, delayMs: number, precise = false) {
  const late = lateness.get(key) ?? [];
  lateness.set(key, late);
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const arrived = performance.now();
    if (delayMs > 0) await (precise ? until(arrived + delayMs) : sleep(delayMs));
    late.push({ path: req.url ?? '', ms: performance.now() - arrived - delayMs });
    // Close after the response, like the probes do: no server keeps a socket a client may not reuse.
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('ok\n');
  };
}

async function start(): Promise<TargetsInfo> {
  const ca = await createCa({ commonName: 'netprobe bench CA' });
  const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
  writeFileSync(config.caFile, ca.certPem);
  const info: TargetsInfo = {
    http: {},
    https: {},
    tcp: [],
    dns: {},
    caFile: config.caFile,
    caPem: ca.certPem,
  };

  const tlsFixture = { certPem: leaf.certPem, keyPem: leaf.keyPem };
  for (const { delayMs, shards, precise } of config.httpServers) {
    info.http[delayMs] = [];
    info.https[delayMs] = [];
    for (let i = 0; i < shards; i++) {
      const plain = await startHttpServer(delayed(`http:${delayMs}`, delayMs, precise));
      closers.push(plain.close);
      info.http[delayMs].push(plain.port);
      const secure = await startHttpServer(delayed(`https:${delayMs}`, delayMs, precise), {
        tls: tlsFixture,
      });
      closers.push(secure.close);
      info.https[delayMs].push(secure.port);
    }
  }

  for (let i = 0; i < config.tcpShards; i++) {
    const tcp = await startRawServer((socket) => {
      socket.resume();
      socket.on('end', () => socket.end());
    });
    closers.push(tcp.close);
    info.tcp.push(tcp.port);
  }

  const records: ZoneRecord[] = [
    { name: 'bench.test', type: 'SOA', ttl: 3600, data: SOA },
    { name: DNS_NAME, type: 'A', ttl: 300, data: '127.0.0.1' },
  ];
  for (const { delayMs, shards, precise } of config.dnsServers) {
    const ports: number[] = [];
    for (let i = 0; i < shards; i++) {
      const server = await startDnsServer({ records, faults: { delayMs: precise ? 0 : delayMs } });
      closers.push(() => server.close());
      ports.push(precise && delayMs > 0 ? await preciseRelay(server.port, delayMs) : server.port);
    }
    info.dns[delayMs] = ports;
  }
  return info;
}

/** A UDP relay answering each query with the upstream's answer exactly `delayMs` after the query arrived. */
async function preciseRelay(upstreamPort: number, delayMs: number): Promise<number> {
  const relay = createSocket('udp4');
  relay.on('message', (query, client) => {
    const arrived = performance.now();
    const upstream = createSocket('udp4');
    upstream.once('message', async (answer) => {
      upstream.close();
      await until(arrived + delayMs);
      relay.send(answer, client.port, client.address);
    });
    upstream.send(query, upstreamPort, '127.0.0.1');
  });
  await new Promise<void>((resolve) => relay.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
  return relay.address().port;
}

let closing: Promise<void> | undefined;
function closeAll(): Promise<void> {
  closing ??= Promise.all(closers.map((close) => close().catch(() => {}))).then(() => {});
  return closing;
}

function reply(message: TargetsResponse): void {
  process.send?.(message);
}

process.on('message', (message: TargetsRequest) => {
  if (message.type === 'lateness') {
    const late = lateness.get(message.key) ?? [];
    reply({ type: 'lateness', key: message.key, values: [...late] });
    if (message.reset) late.length = 0;
  } else if (message.type === 'close') {
    void closeAll().then(() => process.exit(0));
  }
});
// The parent died or let go: never outlive it.
process.on('disconnect', () => void closeAll().then(() => process.exit(0)));
process.once('SIGTERM', () => void closeAll().then(() => process.exit(0)));

try {
  reply({ type: 'ready', targets: await start() });
} catch (err) {
  console.error(`bench targets: ${(err as Error).stack ?? err}`);
  await closeAll();
  process.exit(1);
}

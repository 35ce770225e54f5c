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
 * Started by bench/targets.ts over an IPC channel: it sends { type: 'ready', targets } once listening,
 * answers { type: 'lateness' } with how late each delayed response really went out, and closes
 * everything on { type: 'close' }, SIGTERM, or when the parent goes away.
 */
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

function delayed(key: string, delayMs: number) {
  const late = lateness.get(key) ?? [];
  lateness.set(key, late);
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const arrived = performance.now();
    if (delayMs > 0) await sleep(delayMs);
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
  for (const { delayMs, shards } of config.httpServers) {
    info.http[delayMs] = [];
    info.https[delayMs] = [];
    for (let i = 0; i < shards; i++) {
      const plain = await startHttpServer(delayed(`http:${delayMs}`, delayMs));
      closers.push(plain.close);
      info.http[delayMs].push(plain.port);
      const secure = await startHttpServer(delayed(`https:${delayMs}`, delayMs), { tls: tlsFixture });
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
  for (const { delayMs, shards } of config.dnsServers) {
    const ports: number[] = [];
    for (let i = 0; i < shards; i++) {
      const server = await startDnsServer({ records, faults: { delayMs } });
      closers.push(() => server.close());
      ports.push(server.port);
    }
    info.dns[delayMs] = ports;
  }
  return info;
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

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { type DnsServerHandle, startDnsServer, type ZoneRecord } from '../../shared/lab/dns-server.ts';

const SOA = 'ns1.example.test. hostmaster.example.test. 42 7200 3600 1209600 120';
const ZONE: ZoneRecord[] = [
  { name: 'example.test', type: 'SOA', ttl: 3600, data: SOA },
  { name: 'example.test', type: 'NS', ttl: 3600, data: 'ns1.example.test.' },
  { name: 'www.example.test', type: 'A', ttl: 300, data: '192.0.2.1' },
  { name: 'deep.empty.example.test', type: 'A', ttl: 300, data: '192.0.2.2' },
  ...Array.from({ length: 30 }, (_, i) => ({
    name: 'many.example.test',
    type: 'A' as const,
    ttl: 60,
    data: `198.51.100.${i + 1}`,
  })),
];

type Query = Partial<dnsPacket.Packet> & { edns?: boolean };

function encode({ edns = true, ...packet }: Query): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: 4242,
    questions: [{ type: 'A', name: 'www.example.test' }],
    ...(edns
      ? {
          additionals: [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: 4096,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
        }
      : {}),
    ...packet,
  });
}

/** One raw UDP exchange; undefined when nothing came back within `waitMs`. */
async function udpAsk(
  server: DnsServerHandle,
  query: Query = {},
  waitMs = 1000,
): Promise<dnsPacket.DecodedPacket | undefined> {
  const socket = createSocket('udp4');
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.on('message', (message) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(message));
      });
      socket.send(encode(query), server.port, server.host);
    });
  } finally {
    socket.close();
  }
}

/** Several queries pipelined on one TCP connection; resolves with the answers in arrival order. */
async function tcpAsk(server: DnsServerHandle, queries: Query[]): Promise<dnsPacket.DecodedPacket[]> {
  const socket = connect(server.port, server.host);
  try {
    return await new Promise((resolve, reject) => {
      const answers: dnsPacket.DecodedPacket[] = [];
      let buffered = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          answers.push(dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
          buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        }
        if (answers.length === queries.length) resolve(answers);
      });
      socket.write(Buffer.concat(queries.map((q) => dnsPacket.streamEncode(dnsPacket.decode(encode(q))))));
    });
  } finally {
    socket.destroy();
  }
}

describe('startDnsServer', () => {
  const servers: DnsServerHandle[] = [];
  async function start(options: Parameters<typeof startDnsServer>[0]): Promise<DnsServerHandle> {
    const server = await startDnsServer(options);
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('answers authoritatively: AA set, RD echoed, RA clear, EDNS echoed', async () => {
    const server = await start({ records: ZONE });

    const response = await udpAsk(server, { flags: dnsPacket.RECURSION_DESIRED });

    expect(response).toMatchObject({
      id: 4242,
      rcode: 'NOERROR',
      flag_aa: true,
      flag_rd: true,
      flag_ra: false,
    });
    expect(response?.answers).toMatchObject([
      { name: 'www.example.test', type: 'A', ttl: 300, data: '192.0.2.1' },
    ]);
    expect(response?.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232 }]);
  });

  it('NXDOMAIN and no-data carry the zone SOA with the negative TTL min(TTL, MINIMUM)', async () => {
    const server = await start({ records: ZONE });

    const missing = await udpAsk(server, { questions: [{ type: 'A', name: 'nope.example.test' }] });
    const noData = await udpAsk(server, { questions: [{ type: 'MX', name: 'www.example.test' }] });
    const emptyNonTerminal = await udpAsk(server, { questions: [{ type: 'A', name: 'empty.example.test' }] });

    expect(missing).toMatchObject({ rcode: 'NXDOMAIN', flag_aa: true, answers: [] });
    expect(missing?.authorities).toMatchObject([{ name: 'example.test', type: 'SOA', ttl: 120 }]);
    expect(noData).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(noData?.authorities).toMatchObject([{ type: 'SOA' }]);
    expect(emptyNonTerminal).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  it('refuses names outside its zones, without AA', async () => {
    const server = await start({ records: ZONE });

    const response = await udpAsk(server, { questions: [{ type: 'A', name: 'example.com' }] });

    expect(response).toMatchObject({ rcode: 'REFUSED', flag_aa: false, answers: [] });
  });

  it('answers NOTIMP to an opcode other than QUERY', async () => {
    const server = await start({ records: ZONE });

    // Opcode 2 (STATUS) in bits 11-14 of the flags.
    const response = await udpAsk(server, { flags: 2 << 11 });

    expect(response).toMatchObject({ rcode: 'NOTIMP' });
  });

  it('truncates over UDP what does not fit 512 bytes without EDNS; TCP has it all', async () => {
    const server = await start({ records: ZONE });
    const question = { questions: [{ type: 'A' as const, name: 'many.example.test' }] };

    const classic = await udpAsk(server, { ...question, edns: false });
    const edns = await udpAsk(server, question);
    const [tcp] = await tcpAsk(server, [{ ...question, edns: false }]);

    expect(classic).toMatchObject({ flag_tc: true, answers: [] });
    expect(classic?.additionals).toEqual([]);
    expect(edns).toMatchObject({ flag_tc: false });
    expect(edns?.answers).toHaveLength(30);
    expect(tcp).toMatchObject({ flag_tc: false });
    expect(tcp?.answers).toHaveLength(30);
  });

  it('answers every query pipelined on one TCP connection', async () => {
    const server = await start({ records: ZONE });

    const answers = await tcpAsk(server, [
      { id: 1 },
      { id: 2, questions: [{ type: 'SOA', name: 'example.test' }] },
    ]);

    expect(answers.map((a) => [a.id, a.answers?.[0]?.type])).toEqual([
      [1, 'A'],
      [2, 'SOA'],
    ]);
  });

  it('faults change at run time: silent, then rcode per name, then a stale SOA serial', async () => {
    const server = await start({ records: ZONE, faults: { silent: true } });

    const silent = await udpAsk(server, {}, 300);
    server.set({ silent: false, rcodeByName: { 'WWW.EXAMPLE.TEST.': 'SERVFAIL' } });
    const servfail = await udpAsk(server);
    const other = await udpAsk(server, { questions: [{ type: 'SOA', name: 'example.test' }] });
    server.set({ rcodeByName: {}, soaSerial: 41 });
    const stale = await udpAsk(server, { questions: [{ type: 'SOA', name: 'example.test' }] });
    const staleNegative = await udpAsk(server, { questions: [{ type: 'A', name: 'nope.example.test' }] });

    expect(silent).toBeUndefined();
    expect(servfail).toMatchObject({ rcode: 'SERVFAIL', flag_aa: false });
    expect(other?.answers).toMatchObject([{ type: 'SOA', data: { serial: 42 } }]);
    expect(stale?.answers).toMatchObject([{ type: 'SOA', data: { serial: 41 } }]);
    expect(staleNegative?.authorities).toMatchObject([{ type: 'SOA', data: { serial: 41 } }]);
    expect(server.faults).toMatchObject({ silent: false, soaSerial: 41, rcodeByName: {} });
    expect(server.queries).toBe(5);
  });

  it('truncateUdp: TC=1 and no records over UDP, the full answer over TCP', async () => {
    const server = await start({ records: ZONE, faults: { truncateUdp: true } });

    const udp = await udpAsk(server);
    const [tcp] = await tcpAsk(server, [{}]);

    expect(udp).toMatchObject({ flag_tc: true, answers: [] });
    expect(tcp?.answers).toMatchObject([{ data: '192.0.2.1' }]);
  });

  it('delays answers by delayMs', async () => {
    const server = await start({ records: ZONE, faults: { delayMs: 150 } });
    const start0 = performance.now();

    const response = await udpAsk(server);

    expect(response).toMatchObject({ rcode: 'NOERROR' });
    expect(performance.now() - start0).toBeGreaterThanOrEqual(145);
  });

  it('several servers share one port on different loopback addresses', async () => {
    const first = await start({ records: ZONE });
    const second = await start({
      host: '127.0.0.2',
      port: first.port,
      records: ZONE,
      faults: { soaSerial: 7 },
    });

    const soa = { questions: [{ type: 'SOA' as const, name: 'example.test' }] };
    const a = await udpAsk(first, soa);
    const b = await udpAsk(second, soa);

    expect(second.port).toBe(first.port);
    expect(a?.answers).toMatchObject([{ data: { serial: 42 } }]);
    expect(b?.answers).toMatchObject([{ data: { serial: 7 } }]);
  });

  it('close() drops pending delayed answers, is idempotent and frees the port', async () => {
    const server = await startDnsServer({ records: ZONE, faults: { delayMs: 200 } });
    const pending = udpAsk(server, {}, 500);

    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await server.close();
    const again = await start({ port: server.port, records: ZONE });

    expect(await pending).toBeUndefined();
    expect(again.port).toBe(server.port);
  });

  it('a port already in use is an error naming host and port', async () => {
    const first = await start({ records: ZONE });

    await expect(startDnsServer({ port: first.port, records: ZONE })).rejects.toThrow(
      `startDnsServer: cannot listen on 127.0.0.1 port ${first.port}/tcp`,
    );
  });

  it.each<[string, Parameters<typeof startDnsServer>[0], string]>([
    ['a non-loopback host', { host: '0.0.0.0', records: ZONE }, 'host must be a loopback address'],
    ['a bad port', { port: 70000, records: ZONE }, 'port must be an integer 0-65535, got 70000'],
    [
      'a record outside every zone',
      { records: [...ZONE, { name: 'www.other.test', type: 'A', ttl: 1, data: '192.0.2.9' }] },
      'records[34] (www.other.test A) is outside every zone: add an SOA record for its zone',
    ],
    [
      'bad record data',
      { records: [...ZONE, { name: 'x.example.test', type: 'A', ttl: 1, data: '300.1.1.1' }] },
      'records[34] (x.example.test A): "300.1.1.1" is not an IPv4 address',
    ],
    [
      'an MX without preference',
      { records: [...ZONE, { name: 'example.test', type: 'MX', ttl: 1, data: 'mx.example.test.' }] },
      'records[34] (example.test MX): expected "<preference> <exchange>", got 1 field(s)',
    ],
    [
      'a CNAME beside other data',
      { records: [...ZONE, { name: 'www.example.test', type: 'CNAME', ttl: 1, data: 'x.example.test' }] },
      'records[34]: www.example.test has a CNAME and other records',
    ],
    [
      'a negative TTL',
      { records: [...ZONE, { name: 'x.example.test', type: 'A', ttl: -1, data: '192.0.2.9' }] },
      'records[34] (x.example.test A): ttl must be an integer 0-2147483647, got -1',
    ],
    [
      'an over-long TXT string',
      { records: [...ZONE, { name: 'x.example.test', type: 'TXT', ttl: 1, data: `"${'a'.repeat(256)}"` }] },
      'character-string of 256 bytes exceeds 255',
    ],
    [
      'an unterminated TXT quote',
      { records: [...ZONE, { name: 'x.example.test', type: 'TXT', ttl: 1, data: '"open' }] },
      'unterminated quoted string',
    ],
    [
      'an injected rcode that is not a failure',
      { records: ZONE, faults: { rcode: 'NXDOMAIN' as 'SERVFAIL' } },
      'DNS fault rcode must be SERVFAIL or REFUSED, got NXDOMAIN',
    ],
  ])('rejects %s with a clear message', async (_, options, message) => {
    await expect(startDnsServer(options)).rejects.toThrow(message);
  });

  it('set() rejects a bad fault and keeps the current ones', async () => {
    const server = await start({ records: ZONE, faults: { delayMs: 5 } });

    expect(() => server.set({ delayMs: -1 })).toThrow('DNS fault delayMs must be ≥ 0, got -1');
    expect(server.faults.delayMs).toBe(5);
  });
});

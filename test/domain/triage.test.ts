/**
 * Layered triage and the one-sentence diagnosis. First the sentence builder on hand-built results
 * (exact wording, so a regression in what responders read fails here), then triage with the real
 * probes against real loopback servers.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointOf } from '../../shared/domain/diagnosis/endpoint.ts';
import { formatMs } from '../../shared/domain/diagnosis/words.ts';
import { diagnose } from '../../shared/domain/diagnosis.ts';
import { TRIAGE_BUDGET_MS, triage } from '../../shared/engine/triage.ts';
import { createCa, daysFromNow, issueCert } from '../../shared/lab/certs.ts';
import { type DnsServerHandle, startDnsServer, type ZoneRecord } from '../../shared/lab/dns-server.ts';
import { runProbe } from '../../shared/probes/index.ts';
import type { ProbeSpec } from '../../shared/probes/spec.ts';
import type {
  ConnectAttempt,
  ErrorCode,
  NameserverResult,
  ProbeResult,
  TriageStep,
} from '../../shared/probes/types.ts';
import { dnsSpec, httpSpec, tcpSpec, tlsOptions } from '../fixtures/specs.ts';

// ---------------------------------------------------------------- the sentence, from hand-built results

const API = httpSpec('https://api.example.com/health');

function httpResult(over: Partial<ProbeResult> & Pick<ProbeResult, 'error' | 'layer'>): ProbeResult {
  return {
    probe: 'http',
    target: 'https://api.example.com/health',
    status: 'down',
    timings: { total: 2100 },
    details: { kind: 'http', url: 'https://api.example.com/health', method: 'GET', redirects: [] },
    ...over,
  };
}

const dnsOk = (ms = 12): TriageStep => ({
  layer: 'dns',
  check: 'system resolver (getaddrinfo)',
  target: 'dns:api.example.com',
  server: 'system',
  status: 'up',
  ms,
  error: null,
  addresses: ['203.0.113.5', '203.0.113.6'],
});

const refused = (address: string): ConnectAttempt => ({
  address,
  family: 4,
  port: 443,
  error: { code: 'TCP_REFUSED', message: `${address}:443 refused the connection` },
});

const connectStep = (attempts: ConnectAttempt[], status: TriageStep['status']): TriageStep => ({
  layer: 'transport',
  check: 'connect to every address',
  target: 'tcp://api.example.com:443',
  status,
  ms: 1.2,
  error: attempts.find((a) => a.error)?.error ?? null,
  attempts,
});

const tlsOk: TriageStep = {
  layer: 'tls',
  check: 'TLS handshake',
  target: 'tls://api.example.com:443',
  status: 'up',
  ms: 8,
  error: null,
};

describe('diagnose (pure)', () => {
  it('is null for an up result', () => {
    expect(diagnose(API, httpResult({ status: 'up', error: null, layer: null }))).toBeNull();
  });

  it('connect refused on every address: names them, says refused, points at the listener', () => {
    const result = httpResult({
      error: { code: 'TCP_REFUSED', message: 'api.example.com (203.0.113.5:443) refused the connection' },
      layer: 'transport',
    });
    const steps = [dnsOk(), connectStep([refused('203.0.113.5'), refused('203.0.113.6')], 'down')];
    expect(diagnose(API, result, steps)).toBe(
      'DNS fine (12 ms); connect refused on both addresses (203.0.113.5:443, 203.0.113.6:443); check the listener or security group.',
    );
  });

  it('one bad address of two: says which one, and that the other works', () => {
    const good: ConnectAttempt = { address: '203.0.113.6', family: 4, port: 443, connectMs: 0.8 };
    const result = httpResult({ error: { code: 'TCP_REFUSED', message: 'refused' }, layer: 'transport' });
    expect(diagnose(API, result, [dnsOk(), connectStep([refused('203.0.113.5'), good], 'degraded')])).toBe(
      'DNS fine (12 ms); connect refused by 203.0.113.5:443; 203.0.113.6:443 connected in 0.8 ms; check the listener or security group on the failing address, or take it out of DNS.',
    );
  });

  it('lower layers fine, server answered 503', () => {
    const result = httpResult({
      error: { code: 'HTTP_STATUS', message: 'status 503 is not accepted' },
      layer: 'application',
      details: { kind: 'http', url: API.url, method: 'GET', redirects: [], statusCode: 503 },
    });
    const steps = [
      dnsOk(),
      connectStep([{ address: '203.0.113.5', family: 4, port: 443, connectMs: 1 }], 'up'),
      tlsOk,
    ];
    expect(diagnose(API, result, steps)).toBe(
      'DNS, TCP and TLS fine; server answered 503 after 2.1 s; check the application.',
    );
  });

  it('a 503 through a CDN points at the origin and names the edge', () => {
    const result = httpResult({
      error: { code: 'HTTP_STATUS', message: 'status 503' },
      layer: 'application',
      timings: { dns: 3, connect: 5, tls: 9, ttfb: 40, transfer: 1, total: 58 },
      details: {
        kind: 'http',
        url: API.url,
        method: 'GET',
        redirects: [],
        statusCode: 503,
        cdn: { source: 'cf-cache-status', cache: 'miss', raw: 'MISS', provider: 'cloudflare', pop: 'FRA' },
      },
    });
    // No triage steps: the phases the probe completed are the evidence.
    expect(diagnose(API, result, [])).toBe(
      'DNS, TCP and TLS fine; server answered 503 after 58 ms through cloudflare (cache miss at FRA); check the origin behind the CDN.',
    );
  });

  it('an expiring intermediate is the certificate the sentence names', () => {
    const result = httpResult({
      status: 'degraded',
      error: {
        code: 'TLS_CERT_EXPIRING',
        message: 'intermediate certificate CN=R3 of api.example.com expires',
      },
      layer: 'tls',
      details: {
        kind: 'http',
        url: API.url,
        method: 'GET',
        redirects: [],
        tls: {
          authorized: true,
          certificate: {
            subject: 'CN=api.example.com',
            issuer: 'CN=R3',
            sans: ['api.example.com'],
            notBefore: '2026-08-23T00:00:00.000Z',
            notAfter: '2027-01-21T00:00:00.000Z',
            daysLeft: 50,
          },
          intermediates: [
            {
              subject: 'CN=R3',
              issuer: 'CN=Root X1',
              sans: [],
              notBefore: '2024-01-01T00:00:00.000Z',
              notAfter: '2026-12-10T00:00:00.000Z',
              daysLeft: 9,
            },
          ],
        },
      },
    });
    expect(diagnose(API, result, [])).toBe(
      'Intermediate certificate CN=R3 in the chain served for api.example.com expires in 9 days (notAfter 2026-12-10); renew it.',
    );
  });

  it('an expired certificate names the host, how long ago and the date', () => {
    const result = httpResult({
      error: {
        code: 'TLS_CERT_EXPIRED',
        message: 'certificate of api.example.com (203.0.113.5:443) has expired',
      },
      layer: 'tls',
      details: {
        kind: 'http',
        url: API.url,
        method: 'GET',
        redirects: [],
        tls: {
          authorized: false,
          validationError: 'CERT_HAS_EXPIRED',
          certificate: {
            subject: 'CN=api.example.com',
            issuer: 'CN=R3',
            sans: ['api.example.com'],
            notBefore: '2026-08-23T00:00:00.000Z',
            notAfter: '2026-11-21T00:00:00.000Z',
            // floor((notAfter - now) / day) for a certificate 3.4 days past notAfter
            daysLeft: -4,
          },
        },
      },
    });
    expect(diagnose(API, result, [dnsOk(), connectStep([], 'up')])).toBe(
      'Certificate for api.example.com expired 3 days ago (notAfter 2026-11-21); renew it.',
    );
  });

  it('a hostname mismatch lists the names the certificate does cover', () => {
    const result = httpResult({
      error: { code: 'TLS_HOSTNAME_MISMATCH', message: 'certificate does not cover this host name' },
      layer: 'tls',
      details: {
        kind: 'http',
        url: API.url,
        method: 'GET',
        redirects: [],
        tls: {
          authorized: false,
          certificate: {
            subject: 'CN=www.example.com',
            issuer: 'CN=R3',
            sans: ['www.example.com', 'example.com'],
            notBefore: '2026-08-23T00:00:00.000Z',
            notAfter: '2027-01-21T00:00:00.000Z',
            daysLeft: 58,
          },
        },
      },
    });
    expect(diagnose(API, result, [])).toBe(
      'Certificate served for api.example.com covers www.example.com, example.com, not api.example.com; reissue it with api.example.com as a subjectAltName, or fix the routing that sends api.example.com there.',
    );
  });

  it('the lowest failing check is the root cause: a timeout above a connect that times out too', () => {
    const result = httpResult({
      error: { code: 'HTTP_TIMEOUT', message: 'no response' },
      layer: 'application',
    });
    const timedOut: ConnectAttempt = {
      address: '203.0.113.5',
      family: 4,
      port: 443,
      error: { code: 'TCP_TIMEOUT', message: 'no answer' },
    };
    expect(diagnose(API, result, [dnsOk(4), connectStep([timedOut], 'down')])).toBe(
      'DNS fine (4.0 ms); connect to 203.0.113.5:443 timed out (the probe itself reported HTTP_TIMEOUT); packets are dropped: check security groups, NACLs and routes.',
    );
  });

  const ns = (nameserver: string, extra: Partial<NameserverResult>): NameserverResult => ({
    nameserver,
    server: `${nameserver}:53`,
    transport: 'udp',
    answers: [],
    ...extra,
  });
  const answer = (data: string) => ({ name: 'www.example.com.', type: 'A', ttl: 300, data });
  const silentNs = { error: { code: 'DNS_TIMEOUT' as const, message: 'no answer' } };

  it.each<[string, ErrorCode, NameserverResult[], string]>([
    [
      'silent primary and a stale secondary',
      'DNS_SERIAL_MISMATCH',
      [
        ns('ns1.example.com.', silentNs),
        ns('ns2.example.com', { soaSerial: 2026112401 }),
        ns('ns3.example.com', { soaSerial: 2026112301 }),
      ],
      'Nameserver ns1.example.com timed out; SOA serials differ (ns2.example.com 2026112401, ns3.example.com 2026112301); ns3.example.com is stale: check zone transfers from the primary.',
    ],
    [
      'one silent nameserver',
      'DNS_NS_TIMEOUT',
      [
        ns('ns1.example.com.', silentNs),
        ns('ns2.example.com.', { soaSerial: 7, answers: [answer('192.0.2.1')] }),
      ],
      'Nameserver ns1.example.com timed out, ns2.example.com answered; check ns1.example.com and that UDP/TCP 53 reach them.',
    ],
    [
      'nameservers with different answers',
      'DNS_NS_DISAGREE',
      [
        ns('ns1.example.com.', { soaSerial: 7, answers: [answer('192.0.2.1')] }),
        ns('ns2.example.com.', { soaSerial: 7, answers: [answer('192.0.2.99')] }),
      ],
      'Nameservers disagree: ns1.example.com says 192.0.2.1; ns2.example.com says 192.0.2.99; check which copy of the zone is current and resync the others.',
    ],
  ])('authoritative mode: %s', (_name, code, nameservers, sentence) => {
    const spec = dnsSpec(undefined, { name: 'www.example.com', mode: 'authoritative' });
    const result: ProbeResult = {
      probe: 'dns',
      target: 'dns:www.example.com?type=A&mode=authoritative',
      status: 'degraded',
      timings: { dns: 20, total: 1500 },
      error: { code, message: code },
      layer: 'dns',
      details: {
        kind: 'dns',
        name: 'www.example.com',
        type: 'A',
        query: { server: '10.0.0.2:53', transport: 'udp', answers: [] },
        zone: 'example.com',
        nameservers,
      },
    };
    expect(diagnose(spec, result, [])).toBe(sentence);
  });

  it('slow: names the phase over its threshold and where to look', () => {
    const spec = httpSpec('https://api.example.com/', { thresholds: { ttfb: 500 } });
    const result = httpResult({
      status: 'degraded',
      error: { code: 'LATENCY_HIGH', message: 'ttfb 1234 ms > 500 ms' },
      layer: 'application',
      timings: { dns: 2, connect: 3, tls: 8, ttfb: 1234, transfer: 2, total: 1249 },
    });
    expect(diagnose(spec, result, [])).toBe(
      "Works but slow: ttfb took 1.2 s, over the 500 ms threshold; check the application's response time.",
    );
  });

  it('a redirect loop names the URLs it cycles through', () => {
    const hop = (url: string, location: string) => ({ url, status: 302, location, timings: { total: 1 } });
    const result = httpResult({
      error: { code: 'HTTP_TOO_MANY_REDIRECTS', message: 'more than 3 redirects' },
      layer: 'application',
      details: {
        kind: 'http',
        url: API.url,
        method: 'GET',
        redirects: [
          hop('https://api.example.com/a', '/b'),
          hop('https://api.example.com/b', '/a'),
          hop('https://api.example.com/a', '/b'),
        ],
      },
    });
    expect(diagnose(API, result, [dnsOk(), connectStep([], 'up'), tlsOk])).toBe(
      'DNS, TCP and TLS fine; more than 3 redirects; it loops between https://api.example.com/a and https://api.example.com/b; check the redirect rules.',
    );
  });

  it('a name getaddrinfo cannot resolve, and the direct query agrees', () => {
    const result = httpResult({
      error: { code: 'DNS_NXDOMAIN', message: 'api.example.com does not resolve (no such name)' },
      layer: 'dns',
      timings: { total: 15 },
    });
    const direct: TriageStep = {
      layer: 'dns',
      check: 'direct query to 10.0.0.2:53',
      target: 'dns://10.0.0.2/api.example.com?type=A',
      server: '10.0.0.2:53',
      rcode: 'NXDOMAIN',
      status: 'down',
      ms: 3,
      error: { code: 'DNS_NXDOMAIN', message: 'NXDOMAIN' },
      addresses: [],
    };
    expect(diagnose(API, result, [direct])).toBe(
      'The system resolver answered NXDOMAIN for api.example.com (15 ms); resolver 10.0.0.2:53 fails too (NXDOMAIN); check that the record exists and the zone is delegated.',
    );
  });

  it('a netprobe bug says so instead of blaming the target', () => {
    const result = httpResult({
      error: { code: 'PROBE_ERROR', message: 'http probe threw: boom' },
      layer: 'application',
    });
    expect(diagnose(API, result, [])).toBe(
      "Netprobe's http probe failed internally (http probe threw: boom); this is a netprobe bug, not the target: report it.",
    );
  });

  it.each<[number, string]>([
    [0.42, '0.4 ms'],
    [12.4, '12 ms'],
    [999, '999 ms'],
    [2100, '2.1 s'],
  ])('formatMs(%s) = %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it.each<[ProbeSpec, ReturnType<typeof endpointOf>]>([
    [httpSpec('https://[::1]:8443/x'), { host: '::1', port: 8443, tls: tlsOptions(), literal: true }],
    [
      httpSpec('http://api.example.com/'),
      { host: 'api.example.com', port: 80, tls: undefined, literal: false },
    ],
    [httpSpec('not a url'), null],
    [dnsSpec(undefined, { name: 'example.com' }), null],
  ])('endpointOf(%j)', (spec, endpoint) => {
    expect(endpointOf(spec)).toEqual(endpoint);
  });
});

// ---------------------------------------------------------------- triage with the real probes

const SOA = 'ns1.example.test. hostmaster.example.test. 2026112401 7200 3600 1209600 300';
const ZONE: ZoneRecord[] = [
  { name: 'example.test', type: 'SOA', ttl: 3600, data: SOA },
  { name: 'example.test', type: 'NS', ttl: 3600, data: 'ns1.example.test.' },
  { name: 'www.example.test', type: 'A', ttl: 300, data: '192.0.2.10' },
];

describe('triage against real servers', () => {
  const sockets = new Set<net.Socket>();
  let closedPort: number;
  let unavailable: http.Server;
  let expired: https.Server;
  let caPem: string;
  let goodDns: DnsServerHandle;
  let brokenDns: DnsServerHandle;
  let brokenDns2: DnsServerHandle;
  let silentUdp: UdpSocket;

  beforeAll(async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    unavailable = http.createServer((_req, res) => res.writeHead(503).end('down for maintenance'));
    unavailable.on('connection', (s) => sockets.add(s));
    unavailable.listen(0, '127.0.0.1');
    await once(unavailable, 'listening');

    const ca = await createCa();
    caPem = ca.certPem;
    const leaf = await issueCert(ca, {
      hosts: ['localhost', '127.0.0.1'],
      notBefore: daysFromNow(-90),
      notAfter: daysFromNow(-3.5),
    });
    expired = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('ok'));
    // 'connection' fires with the raw TCP socket, before TLS wraps it.
    expired.on('connection', (s: net.Socket) => sockets.add(s));
    expired.listen(0, '127.0.0.1');
    await once(expired, 'listening');

    goodDns = await startDnsServer({ records: ZONE });
    brokenDns = await startDnsServer({ records: ZONE, faults: { rcode: 'SERVFAIL' } });
    brokenDns2 = await startDnsServer({ records: ZONE, faults: { rcode: 'SERVFAIL' } });

    silentUdp = createSocket('udp4');
    silentUdp.on('message', () => {});
    silentUdp.bind(0, '127.0.0.1');
    await once(silentUdp, 'listening');
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => unavailable.close(resolve));
    await new Promise((resolve) => expired.close(resolve));
    await goodDns.close();
    await brokenDns.close();
    await brokenDns2.close();
    silentUdp.close();
  });

  const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
  const lab = (handle: DnsServerHandle) => ({ host: handle.host, port: handle.port });

  async function probeAndTriage(spec: ProbeSpec, opts: Parameters<typeof triage>[2] = {}) {
    const result = await runProbe(spec);
    const steps = await triage(spec, result, opts);
    return { result, steps, diagnosis: diagnose(spec, result, steps) };
  }

  it('HTTP to a refused port: resolves fine, every address refused, sentence names the address', async () => {
    const spec = httpSpec(`http://localhost:${closedPort}/health`);
    const { result, steps, diagnosis } = await probeAndTriage(spec, { resolvers: [lab(goodDns)] });
    expect(result.error?.code).toBe('TCP_REFUSED');
    expect(steps.map((s) => [s.layer, s.status])).toContainEqual(['dns', 'up']);
    const connect = steps.find((s) => s.layer === 'transport');
    expect(connect?.status).toBe('down');
    expect(connect?.attempts?.map((a) => a.error?.code)).toSatisfy((codes: unknown[]) =>
      codes.every((c) => c === 'TCP_REFUSED'),
    );
    expect(diagnosis).toMatch(/^DNS fine \(\d/);
    expect(diagnosis).toContain(`127.0.0.1:${closedPort}`);
    expect(diagnosis).toContain('refused');
    expect(diagnosis).toMatch(/check the listener or security group\.$/);
  });

  it('HTTP 503: DNS and TCP re-checked fine, sentence names the status', async () => {
    const spec = httpSpec(`http://127.0.0.1:${portOf(unavailable)}/`);
    const { steps, diagnosis } = await probeAndTriage(spec);
    // An IP literal: no resolver is asked.
    expect(steps.map((s) => s.layer)).toEqual(['transport']);
    expect(diagnosis).toMatch(
      /^TCP fine \([\d.]+ m?s\); server answered 503 after [\d.]+ m?s; check the application\.$/,
    );
  });

  it('HTTPS with an expired certificate: the sentence names the host, the expiry and the fix', async () => {
    const spec = httpSpec(`https://localhost:${portOf(expired)}/`, { tls: tlsOptions({ ca: caPem }) });
    const { result, steps, diagnosis } = await probeAndTriage(spec, { resolvers: [] });
    expect(result.error?.code).toBe('TLS_CERT_EXPIRED');
    // TLS failed: triage checks below it (resolve, connect), not the handshake again.
    expect(steps.map((s) => s.layer)).toEqual(['dns', 'transport']);
    const notAfter = daysFromNow(-3.5).toISOString().slice(0, 10);
    expect(diagnosis).toBe(`Certificate for localhost expired 3 days ago (notAfter ${notAfter}); renew it.`);
  });

  it('DNS SERVFAIL from the configured server, the other resolver answers: blames that server', async () => {
    const spec = dnsSpec(lab(brokenDns));
    const { result, steps, diagnosis } = await probeAndTriage(spec, { resolvers: [lab(goodDns)] });
    expect(result.error?.code).toBe('DNS_SERVFAIL');
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      layer: 'dns',
      status: 'up',
      rcode: 'NOERROR',
      addresses: ['192.0.2.10'],
    });
    const bad = `127.0.0.1:${brokenDns.port}`;
    const good = `127.0.0.1:${goodDns.port}`;
    expect(diagnosis).toMatch(
      new RegExp(
        `^Resolver ${bad} answered SERVFAIL for www\\.example\\.test A \\([\\d.]+ ms\\); resolver ${good} resolves www\\.example\\.test A to 192\\.0\\.2\\.10 \\([\\d.]+ ms\\); only resolver ${bad} fails: check that resolver, its zone data or its cache\\.$`,
      ),
    );
  });

  it('DNS SERVFAIL everywhere: points at the zone', async () => {
    const spec = dnsSpec(lab(brokenDns));
    const { diagnosis } = await probeAndTriage(spec, { resolvers: [lab(brokenDns2)] });
    expect(diagnosis).toContain('answered SERVFAIL for www.example.test A');
    expect(diagnosis).toContain('fails too (SERVFAIL)');
    expect(diagnosis).toMatch(/check the zone's authoritative servers and its DNSSEC signatures\.$/);
  });

  it('DNS timeout from a named server: tries TCP to it, and says nothing listens there', async () => {
    const spec = dnsSpec({ host: '127.0.0.1', port: silentUdp.address().port }, { timeoutMs: 400 });
    const { result, steps, diagnosis } = await probeAndTriage(spec, { resolvers: [lab(goodDns)] });
    expect(result.error?.code).toBe('DNS_TIMEOUT');
    expect(steps.find((s) => s.layer === 'transport')?.error?.code).toBe('TCP_REFUSED');
    expect(diagnosis).toContain(
      `TCP to 127.0.0.1:${silentUdp.address().port} is refused, so nothing listens there`,
    );
    expect(diagnosis).toMatch(/check that the DNS service on resolver 127\.0\.0\.1:\d+ is running\.$/);
  });

  it('stays within its budget when a check hangs (a silent resolver)', async () => {
    const spec = httpSpec(`http://localhost:${closedPort}/`);
    const result = await runProbe(spec);
    const budgetMs = 400;
    const start = performance.now();
    const steps = await triage(spec, result, {
      budgetMs,
      resolvers: [{ host: '127.0.0.1', port: silentUdp.address().port }],
    });
    const took = performance.now() - start;
    expect(took).toBeLessThan(budgetMs + 150);
    expect(steps.find((s) => s.check.startsWith('direct query'))?.error?.code).toBe('DNS_TIMEOUT');
  });

  it("stays within the caller's deadline, and skips when there is no time left", async () => {
    const spec = httpSpec(`http://localhost:${closedPort}/`);
    const result = await runProbe(spec);
    const silent = [{ host: '127.0.0.1', port: silentUdp.address().port }];
    const start = performance.now();
    await triage(spec, result, { deadline: start + 250, resolvers: silent });
    expect(performance.now() - start).toBeLessThan(250 + 150);
    expect(await triage(spec, result, { deadline: performance.now() + 10, resolvers: silent })).toEqual([]);
    expect(TRIAGE_BUDGET_MS).toBeLessThanOrEqual(3000);
  });

  it('nothing to triage for an up result', async () => {
    const tcp = tcpSpec(portOf(unavailable), { timeoutMs: 1000 });
    const result = await runProbe(tcp);
    expect(result.status).toBe('up');
    expect(await triage(tcp, result)).toEqual([]);
    expect(diagnose(tcp, result)).toBeNull();
  });
});

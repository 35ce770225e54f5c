/**
 * SSRF through addresses found at run time (issue 10): the nameservers authoritative mode discovers
 * and redirect hops. 127.0.0.1 stands in for the public upstream resolver / web server (listed in
 * allowPrivateTargets), 127.0.0.2 and 127.0.0.3 for the internal addresses an attacker's NS records
 * or Location header point at: the policy forbids them as loopback, so nothing may reach them.
 * Only 127.0.0.0/8 is ever sent a packet.
 */
import type * as http from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler, type ProbeApiDeps } from '../../functions/probe-api/handler.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { type DnsServerHandle, startDnsServer, type ZoneRecord } from '../../shared/lab/dns-server.ts';
import { mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';
import { captureLogger, lambdaContext, loadEvent, startServer } from './helpers.ts';

const SOA = 'ns1.attacker.test. hostmaster.attacker.test. 2026010101 7200 3600 1209600 300';
const ZONE: ZoneRecord[] = [
  { name: 'attacker.test', type: 'SOA', ttl: 3600, data: SOA },
  { name: 'attacker.test', type: 'NS', ttl: 3600, data: 'ns1.attacker.test.' },
  { name: 'attacker.test', type: 'NS', ttl: 3600, data: 'ns2.attacker.test.' },
  { name: 'ns1.attacker.test', type: 'A', ttl: 3600, data: '127.0.0.2' },
  // Stands in for 10.0.0.2 of the report: an internal resolver whose answers must not come back.
  { name: 'ns2.attacker.test', type: 'A', ttl: 3600, data: '127.0.0.3' },
  { name: 'www.attacker.test', type: 'A', ttl: 300, data: '192.0.2.10' },
];

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The upstream on 127.0.0.1:P (allowed), the zone's nameservers on 127.0.0.2:P and 127.0.0.3:P. */
async function attackerZone(): Promise<{ upstream: DnsServerHandle; internal: DnsServerHandle[] }> {
  const upstream = await startDnsServer({ records: ZONE });
  servers.push(upstream);
  const internal: DnsServerHandle[] = [];
  for (const host of ['127.0.0.2', '127.0.0.3']) {
    const server = await startDnsServer({ host, port: upstream.port, records: ZONE });
    servers.push(server);
    internal.push(server);
  }
  return { upstream, internal };
}

function deps(allowPrivateTargets: string[], monitorUrl = 'https://example.com/'): ProbeApiDeps {
  return {
    config: parseConfig({
      homeRegion: 'us-east-1',
      regions: ['eu-west-1', 'us-east-1'],
      allowPrivateTargets,
      monitors: [{ id: 'probed', interval: '1m', timeout: '3s', url: monitorUrl, regions: ['us-east-1'] }],
    }),
    region: 'eu-west-1',
    store: new MemoryStore(),
    metrics: mockedCloudWatchPublisher(),
  };
}

async function call(d: ProbeApiDeps, event: APIGatewayProxyEventV2) {
  const response = await createHandler(d, { logger: captureLogger() })(event, lambdaContext(20_000));
  return { statusCode: response.statusCode, json: JSON.parse(response.body) };
}

function check(url: string): APIGatewayProxyEventV2 {
  return {
    ...loadEvent<APIGatewayProxyEventV2>('apigw/check'),
    body: JSON.stringify({ url, timeout: '3s' }),
  };
}

function runMonitor(): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('apigw/run-monitor');
  return {
    ...event,
    rawPath: '/monitors/probed/run',
    pathParameters: { id: 'probed' },
    requestContext: {
      ...event.requestContext,
      http: { ...event.requestContext.http, path: '/monitors/probed/run' },
    },
  };
}

describe('authoritative mode: discovered nameservers pass the guard before the first packet', () => {
  it('POST /check: NS records pointing inside → 403 naming the address class, no packet to them', async () => {
    const { upstream, internal } = await attackerZone();
    const url = `dns://127.0.0.1:${upstream.port}/www.attacker.test?type=A&mode=authoritative&nsPort=${upstream.port}`;

    const answer = await call(deps(['127.0.0.1']), check(url));

    expect(answer.statusCode).toBe(403);
    expect(answer.json.error.code).toBe('target_forbidden');
    expect(answer.json.error.message).toMatch(
      new RegExp(
        `^refused to connect to port ${upstream.port}: ns[12]\\.attacker\\.test\\.? resolved to 127\\.0\\.0\\.[23], a loopback address`,
      ),
    );
    expect(internal.map((s) => s.queries)).toEqual([0, 0]);
  });

  it('POST /check: the same zone is probed once allowPrivateTargets covers the nameservers', async () => {
    const { upstream, internal } = await attackerZone();
    const url = `dns://127.0.0.1:${upstream.port}/www.attacker.test?type=A&mode=authoritative&nsPort=${upstream.port}`;

    const answer = await call(deps(['127.0.0.0/8']), check(url));

    expect(answer.statusCode).toBe(200);
    expect(answer.json.finding.status).toBe('up');
    expect(internal.every((s) => s.queries > 0)).toBe(true);
  });

  it('POST /monitors/{id}/run: the configured server is the operators’ own, the discovered ones are not', async () => {
    const { upstream, internal } = await attackerZone();
    const url = `dns://127.0.0.1:${upstream.port}/www.attacker.test?type=A&mode=authoritative&nsPort=${upstream.port}`;

    const refused = await call(deps([], url), runMonitor());
    expect(refused.statusCode).toBe(403);
    expect(refused.json.error.message).toMatch(
      /ns[12]\.attacker\.test\.? resolved to 127\.0\.0\.[23], a loopback address/,
    );
    expect(refused.json.error.message).toContain(
      'redirects and discovered nameservers may only reach public addresses (list it in allowPrivateTargets to allow it)',
    );
    expect(internal.map((s) => s.queries)).toEqual([0, 0]);
    expect(upstream.queries).toBeGreaterThan(0);

    const allowed = await call(deps(['127.0.0.2', '127.0.0.3'], url), runMonitor());
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json.finding.status).toBe('up');
  });
});

describe('redirect hops pass the guard', () => {
  async function redirectTo(location: string) {
    let hits = 0;
    const inside = await startServerOn('127.0.0.2', () => hits++);
    const front = await startServer((_req, res) => {
      res.writeHead(302, { location: location.replace('PORT', String(inside.port)) }).end();
    });
    servers.push(front);
    return { front, hits: () => hits };
  }

  it('POST /monitors/{id}/run: a configured target redirecting inside → 403, the inside never reached', async () => {
    const { front, hits } = await redirectTo('http://127.0.0.2:PORT/secret');

    const answer = await call(deps([], `${front.url}/`), runMonitor());

    expect(answer.statusCode).toBe(403);
    expect(answer.json.error.message).toMatch(
      /^refused to connect to port \d+: 127\.0\.0\.2, a loopback address/,
    );
    expect(hits()).toBe(0);
  });
});

/** An HTTP server answering 200 on another loopback address. */
async function startServerOn(host: string, onRequest: () => void) {
  const { createServer } = await import('node:http');
  const server = createServer((_req: http.IncomingMessage, res: http.ServerResponse) => {
    onRequest();
    res.end('internal');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const handle = {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(handle);
  return handle;
}

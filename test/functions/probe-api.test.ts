/**
 * probe-api invoked in-process with the events/apigw samples: every route, its errors, and the SSRF
 * guard with real probes against loopback servers (the only addresses these tests may reach).
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type ProbeApiDeps } from '../../functions/probe-api/handler.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import type { Incident } from '../../shared/domain/incident.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import { PROBES } from '../../shared/probes/index.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';
import { captureLogger, type LoopbackServer, lambdaContext, loadEvent, startServer } from './helpers.ts';

const cw = mockClient(CloudWatchClient);
const dynalite = useDynalite('api');
let web: LoopbackServer;

beforeAll(async () => {
  web = await startServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"status":"ok"}');
  });
});
afterAll(async () => {
  await web?.close();
});
beforeEach(() => {
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
});

const NOW = new Date('2026-03-01T12:00:00.000Z');

async function deps(
  allowPrivateTargets: string[] = [],
  extra: Partial<ProbeApiDeps> = {},
): Promise<ProbeApiDeps> {
  return {
    config: parseConfig({
      homeRegion: 'us-east-1',
      regions: ['eu-west-1', 'us-east-1'],
      allowPrivateTargets,
      monitors: [
        { id: 'api-health', interval: '1m', timeout: '2s', url: `${web.url}/health`, regions: ['eu-west-1'] },
        {
          id: 'db-port',
          interval: '1m',
          timeout: '2s',
          url: `tcp://127.0.0.1:${web.port}`,
          regions: ['us-east-1'],
        },
      ],
    }),
    region: 'eu-west-1',
    store: await dynalite.freshStore(),
    metrics: mockedCloudWatchPublisher(),
    clock: new ManualClock(NOW),
    ...extra,
  };
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

async function call(d: ProbeApiDeps, event: unknown, remainingMs = 30_000): Promise<Answer> {
  const logger = captureLogger();
  const response = await createHandler(d, { logger })(
    event as APIGatewayProxyEventV2,
    lambdaContext(remainingMs),
  );
  return {
    statusCode: response.statusCode,
    headers: response.headers as Record<string, string>,
    json: JSON.parse(response.body),
  };
}

/** The sample with another JSON body (the loopback port is only known at run time). */
function withBody(name: string, body: unknown): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>(name);
  return { ...event, body: JSON.stringify(body) };
}

function sampleUrl(name: string): string {
  return (JSON.parse(loadEvent<APIGatewayProxyEventV2>(name).body ?? '{}') as { url: string }).url;
}

describe('POST /monitors/{id}/run', () => {
  it('runs the monitor here, stores its finding and publishes its metrics', async () => {
    const d = await deps();
    const answer = await call(d, loadEvent('apigw/run-monitor'));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.json).toMatchObject({
      stored: true,
      finding: { monitorId: 'api-health', location: 'eu-west-1', status: 'up', startedAt: NOW.toISOString() },
    });
    expect((await d.store.queryFindings('api-health')).items).toHaveLength(1);
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
  });

  it('returns, but neither stores nor publishes, a run from a region the monitor does not run in', async () => {
    const d = await deps();
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/run-monitor');
    const answer = await call(d, {
      ...event,
      rawPath: '/monitors/db-port/run',
      pathParameters: { id: 'db-port' },
      requestContext: {
        ...event.requestContext,
        http: { ...event.requestContext.http, path: '/monitors/db-port/run' },
      },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toMatchObject({
      stored: false,
      note: 'not stored: db-port does not run in eu-west-1 (it runs in us-east-1)',
      finding: { monitorId: 'db-port', status: 'up' },
    });
    expect((await d.store.queryFindings('db-port')).items).toEqual([]);
    expect(cw).not.toReceiveCommand(PutMetricDataCommand);
  });

  it('answers 404 for a monitor that is not configured, listing those that are', async () => {
    const answer = await call(await deps(), loadEvent('apigw/run-monitor-unknown'));
    expect(answer.statusCode).toBe(404);
    expect(answer.json).toEqual({
      error: {
        code: 'not_found',
        message: 'monitor "api-healht" is not in the config (monitors: api-health, db-port)',
      },
    });
  });

  it('answers 500 with the way out when the invocation is too short for the monitor', async () => {
    const answer = await call(await deps(), loadEvent('apigw/run-monitor'), 1_000);
    expect(answer.statusCode).toBe(500);
    expect(answer.json.error?.message).toMatch(
      /^not started: api-health needs up to 2s and this invocation had about \d+ms left; raise lambda\.probeApi\.timeoutSeconds$/,
    );
  });
});

describe('POST /check', () => {
  it('probes an allow-listed target and returns the finding without storing it or publishing metrics', async () => {
    const d = await deps(['127.0.0.1']);
    const answer = await call(
      d,
      withBody('apigw/check', { url: `${web.url}/status`, timeout: '2s', thresholds: { ttfb: '800ms' } }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.json.finding).toMatchObject({
      monitorId: `${web.url}/status`,
      location: 'eu-west-1',
      probe: 'http',
      status: 'up',
      details: { statusCode: 200, remoteAddress: `127.0.0.1:${web.port}` },
    });
    expect((await d.store.queryFindings(`${web.url}/status`)).items).toEqual([]);
    expect(cw).not.toReceiveCommand(PutMetricDataCommand);
  });

  it.each([
    ['apigw/check-bad-body', 'body.url: required: the target URL (http, https, tcp, tls or dns)'],
    ['apigw/check-bad-url', 'body.url: unknown scheme "ftp:" (expected dns, tcp, tls, http, https)'],
  ])('%s → 400 naming what is wrong', async (sample, message) => {
    const answer = await call(await deps(), loadEvent(sample));
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toEqual({ error: { code: 'invalid_request', message } });
  });

  it('400 for a body that is not JSON, with the parser’s reason', async () => {
    const answer = await call(await deps(), loadEvent('apigw/check-bad-json'));
    expect(answer.statusCode).toBe(400);
    expect(answer.json.error?.message).toMatch(/^body: not valid JSON: /);
  });

  it.each([
    [
      { url: 'https://example.com/', timeout: 'soon' },
      'body.timeout: "soon" is not a duration (use 1500ms, 2s, 1m)',
    ],
    [
      { url: 'https://example.com/', thresholds: { ttfb: 'fast' } },
      'body.thresholds.ttfb: "fast" is not a duration (use 1500ms, 2s, 1m)',
    ],
    [{ url: 'dns:example.com', method: 'POST' }, 'body.method: only for http, https URLs'],
    [
      { url: 'https://example.com/', timeout: '20s' },
      /^body\.timeout: 20s is longer than this call can wait \(about \d+ms left\); ask for less$/,
    ],
    [['https://example.com/'], 'body: expected a JSON object like {"url": "https://example.com/"}'],
  ])('400 for %j', async (body, message) => {
    const answer = await call(await deps(), withBody('apigw/check', body), 5_000);
    expect(answer.statusCode).toBe(400);
    expect(answer.json.error?.code).toBe('invalid_request');
    expect(answer.json.error?.message).toMatch(message);
  });

  it('refuses a name that resolves to loopback (403 naming the address) and never connects', async () => {
    expect(sampleUrl('apigw/check-ssrf-loopback')).toBe('http://localhost:8080/admin');
    const seen: number[] = [];
    const counting = await startServer((_req, res) => {
      seen.push(1);
      res.end('secret admin page');
    });
    try {
      const answer = await call(
        await deps(),
        withBody('apigw/check-ssrf-loopback', {
          url: `http://localhost:${counting.port}/admin`,
          timeout: '2s',
        }),
      );
      expect(answer.statusCode).toBe(403);
      expect(answer.json.error?.code).toBe('target_forbidden');
      expect(answer.json.error?.message).toMatch(
        new RegExp(
          `^refused to connect to port ${counting.port}: localhost resolved to (127\\.0\\.0\\.1|::1), a loopback address; ` +
            'ad-hoc checks may only reach public addresses \\(list it in allowPrivateTargets to allow it\\)',
        ),
      );
      expect(seen).toEqual([]);
    } finally {
      await counting.close();
    }
  });

  it.each([
    [`tcp://127.0.0.1:PORT`],
    [`http://[::ffff:127.0.0.1]:PORT/`],
    [`http://[::ffff:0:127.0.0.1]:PORT/`],
    [`tls://[64:ff9b::127.0.0.1]:PORT`],
    [`http://[2002:7f00:1::1]:PORT/`],
    // IPv4 literal forms the WHATWG URL parser normalises: the guard judges the address they denote.
    [`http://2130706433:PORT/`],
    [`http://0x7f.1:PORT/`],
    [`http://127.1:PORT/`],
  ])('refuses the loopback literal %s', async (template) => {
    const answer = await call(
      await deps(),
      withBody('apigw/check', { url: template.replace('PORT', String(web.port)) }),
    );
    expect(answer.statusCode).toBe(403);
    expect(answer.json.error?.message).toContain('a loopback address');
  });

  it('reaches loopback once allowPrivateTargets lists it', async () => {
    const answer = await call(
      await deps(['127.0.0.0/8', '::1']),
      withBody('apigw/check-ssrf-loopback', { url: `http://localhost:${web.port}/admin`, timeout: '2s' }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.json.finding).toMatchObject({ status: 'up' });
  });

  it('refuses the metadata service before any packet leaves (probe stands in for the network)', async () => {
    // No test may reach 169.254.169.254: this prober only asks the guard and reports what a real one would.
    const dialled: string[] = [];
    const probes = {
      ...PROBES,
      http: async (spec: Parameters<typeof PROBES.http>[0], ctx: Parameters<typeof PROBES.http>[1]) => {
        const refused = ctx.connectGuard?.('169.254.169.254', 80, '169.254.169.254', 'target');
        if (!refused) dialled.push('169.254.169.254');
        return {
          probe: 'http' as const,
          target: spec.url,
          status: 'down' as const,
          timings: { total: 0 },
          error: refused ?? { code: 'HTTP_TIMEOUT' as const, message: 'stand-in' },
          layer: 'transport' as const,
          details: { kind: 'http' as const, url: spec.url, method: spec.method, redirects: [] },
        };
      },
    };
    const answer = await call(
      await deps(['169.254.0.0/16'], { probes }),
      loadEvent('apigw/check-ssrf-metadata'),
    );
    expect(answer.statusCode).toBe(403);
    expect(answer.json.error?.message).toBe(
      'refused to connect to port 80: 169.254.169.254, a cloud metadata service address; ad-hoc checks may only ' +
        'reach public addresses (list the address itself in allowPrivateTargets to allow it)',
    );
    expect(dialled).toEqual([]);
  });

  it('refuses a dns:// check whose nameserver is private, before any query is sent', async () => {
    const socket = createSocket('udp4');
    let queries = 0;
    socket.on('message', () => queries++);
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const { port } = socket.address() as AddressInfo;
    try {
      for (const server of [`127.0.0.1:${port}`, `localhost:${port}`]) {
        const answer = await call(
          await deps(),
          withBody('apigw/check', { url: `dns://${server}/example.com?type=A`, timeout: '1s' }),
        );
        expect(answer.statusCode).toBe(403);
        expect(answer.json.error?.message).toMatch(
          new RegExp(`^refused to connect to port ${port}: .*a loopback address`),
        );
      }
      expect(queries).toBe(0);
    } finally {
      socket.close();
    }
  });
});

describe('GET /monitors/{id}/findings', () => {
  function finding(minute: number, location = 'eu-west-1'): Finding {
    return {
      monitorId: 'api-health',
      location,
      startedAt: new Date(Date.parse('2026-03-01T11:00:00Z') + minute * 60_000).toISOString(),
      probe: 'http',
      target: `${web.url}/health`,
      status: 'up',
      timings: { connect: 0.4, ttfb: 1.2, total: 2 },
      error: null,
      layer: null,
      issueType: null,
      diagnosis: null,
      details: { kind: 'http', url: `${web.url}/health`, method: 'GET', statusCode: 200, redirects: [] },
    };
  }

  it('pages through a region’s findings newest first with the cursor it returns', async () => {
    const d = await deps();
    await d.store.putFindings([finding(0), finding(1), finding(2), finding(1, 'us-east-1')]);
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/findings');
    const first = await call(d, {
      ...event,
      queryStringParameters: { ...event.queryStringParameters, limit: '2' },
    });
    expect(first.statusCode).toBe(200);
    expect((first.json.items as Finding[]).map((f) => f.startedAt)).toEqual([
      '2026-03-01T11:02:00.000Z',
      '2026-03-01T11:01:00.000Z',
    ]);
    expect(typeof first.json.cursor).toBe('string');
    const second = await call(d, {
      ...event,
      queryStringParameters: {
        ...event.queryStringParameters,
        limit: '2',
        cursor: first.json.cursor as string,
      },
    });
    expect((second.json.items as Finding[]).map((f) => [f.startedAt, f.location])).toEqual([
      ['2026-03-01T11:00:00.000Z', 'eu-west-1'],
    ]);
    expect(second.json.cursor).toBeUndefined();
  });

  it('400 for misspelt parameters and out-of-range values, naming each', async () => {
    const answer = await call(await deps(), loadEvent('apigw/findings-bad-query'));
    expect(answer.statusCode).toBe(400);
    expect(answer.json.error?.message).toBe(
      'query.limit: at most 1000; query.regoin: unknown key (did you mean "region"?)',
    );
  });

  it.each([
    [{ from: 'yesterday' }, 'query.from: "yesterday" is not an ISO-8601 time (like 2026-03-01T12:00:00Z)'],
    [
      { from: '2026-03-01T12:00:00Z', to: '2026-03-01T11:00:00Z' },
      'query.to: must be after query.from (from is inclusive, to exclusive)',
    ],
    [{ region: 'eu-westt-1' }, 'query.region: "eu-westt-1" is not an AWS region name (like us-east-1)'],
    [{ cursor: 'not-a-cursor' }, 'query.cursor: not a cursor returned by this API'],
  ])('400 for %j', async (query, message) => {
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/findings');
    const answer = await call(await deps(), { ...event, queryStringParameters: query });
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toEqual({ error: { code: 'invalid_request', message } });
  });
});

describe('GET /incidents', () => {
  it('lists open incidents', async () => {
    const d = await deps();
    const incident: Incident = {
      incidentId: '20260301T1158Z-dns-0a1b2c3d',
      monitorId: 'api-health',
      issueType: 'dns',
      rule: DEFAULT_ESCALATION_TABLE.dns,
      status: 'open',
      firstSeen: '2026-03-01T11:57:00.000Z',
      openedAt: '2026-03-01T11:58:00.000Z',
      failing: ['eu-west-1', 'us-east-1'],
      healthy: [],
      errorCodes: ['DNS_SERVFAIL'],
      diagnosis: 'The resolver answers SERVFAIL.',
      outbox: {},
      delivered: {},
    };
    await d.store.openIncident(incident);
    const answer = await call(d, loadEvent('apigw/incidents'));
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toEqual({ items: [incident] });
  });

  it('400 for a limit that is not a number', async () => {
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/incidents');
    const answer = await call(await deps(), { ...event, queryStringParameters: { limit: 'ten' } });
    expect(answer.json).toEqual({
      error: { code: 'invalid_request', message: 'query.limit: expected a whole number from 1 to 1000' },
    });
  });
});

describe('requests the API cannot serve', () => {
  it('404 for an unknown route, listing the routes', async () => {
    const answer = await call(await deps(), loadEvent('apigw/unknown-route'));
    expect(answer.statusCode).toBe(404);
    expect(answer.json.error?.message).toBe(
      'no route DELETE /monitors/api-health (routes: POST /monitors/{id}/run, POST /check, GET /monitors/{id}/findings, GET /incidents, POST /silences, GET /silences, DELETE /silences/{id})',
    );
  });

  it('400 for an event that is not an HTTP API request (e.g. a scheduled event sent from the console)', async () => {
    const answer = await call(await deps(), loadEvent('eventbridge/scheduled-1m'));
    expect(answer.statusCode).toBe(400);
    expect(answer.json.error?.message).toMatch(/^not an API Gateway HTTP API event/);
  });

  it('500 without internals when the store fails; the log has the error and the caller, not the signature', async () => {
    const d = await deps([], {
      store: dynalite.storeOn('missing'),
    });
    const logger = captureLogger();
    const context = lambdaContext();
    const response = await createHandler(d, { logger })(loadEvent('apigw/incidents') as never, context);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'internal_error',
        message: `internal error (request ${context.awsRequestId}); the probe-api function's log has the details`,
      },
    });
    const failed = logger.lines.find((l) => l.message === 'failed');
    expect(failed).toMatchObject({ level: 'error', error: { name: 'ResourceNotFoundException' } });
    const started = logger.lines.find((l) => l.message === 'invocation');
    expect(started).toMatchObject({
      route: 'GET /incidents',
      caller: 'arn:aws:sts::123456789012:assumed-role/netprobe-oncall/oncall',
    });
    expect(JSON.stringify(logger.lines)).not.toContain('Signature=');
    expect(JSON.stringify(logger.lines)).not.toContain('EXAMPLETOKEN');
  });
});

// Issue 14: silences are maintenance windows made at run time, stored in the table (dynalite here).
describe('/silences', () => {
  const ONCALL = 'arn:aws:sts::123456789012:assumed-role/netprobe-oncall/oncall';

  it('POST creates a silence (201) with the IAM caller as createdBy; GET lists it; DELETE removes it (204, then 404)', async () => {
    const d = await deps();
    const created = await call(d, loadEvent('apigw/silence-create'));
    expect(created.statusCode).toBe(201);
    const silence = (created.json as { silence: Record<string, unknown> }).silence;
    expect(Object.keys(silence)).toEqual(['id', 'monitors', 'from', 'to', 'reason', 'createdBy']);
    expect(silence).toMatchObject({
      monitors: ['api-health'],
      from: '2026-03-01T12:00:00Z',
      to: '2026-03-01T14:00:00Z',
      reason: 'database upgrade',
      createdBy: ONCALL,
    });
    const later = await call(
      d,
      withBody('apigw/silence-create', {
        monitors: '*',
        from: '2026-03-08T02:00:00Z',
        to: '2026-03-08T04:00:00Z',
        reason: 'patching',
      }),
    );
    expect(later.statusCode).toBe(201);

    const listed = await call(d, loadEvent('apigw/silences'));
    expect(listed.statusCode).toBe(200);
    expect(listed.json).toEqual({ items: [silence, (later.json as { silence: unknown }).silence] });

    const del = loadEvent<APIGatewayProxyEventV2>('apigw/silence-delete-unknown');
    const remove = (id: string) =>
      createHandler(d, { logger: captureLogger() })(
        {
          ...del,
          rawPath: `/silences/${id}`,
          requestContext: {
            ...del.requestContext,
            http: { ...del.requestContext.http, path: `/silences/${id}` },
          },
          pathParameters: { id },
        } as never,
        lambdaContext(30_000),
      );
    const gone = await remove(String(silence.id));
    expect(gone.statusCode).toBe(204);
    expect(gone.body).toBe('');
    const again = await remove(String(silence.id));
    expect(again.statusCode).toBe(404);
    expect(JSON.parse(again.body)).toEqual({
      error: { code: 'not_found', message: `no silence ${JSON.stringify(silence.id)}` },
    });
    expect((await call(d, loadEvent('apigw/silences'))).json).toEqual({
      items: [(later.json as { silence: unknown }).silence],
    });
  });

  it('DELETE of an unknown id is 404 in the API error shape', async () => {
    const answer = await call(await deps(), loadEvent('apigw/silence-delete-unknown'));
    expect(answer.statusCode).toBe(404);
    expect(answer.json.error?.code).toBe('not_found');
  });

  it.each<[string, unknown, string]>([
    ['no body', undefined, 'body: required'],
    [
      'an unknown monitor',
      { monitors: ['nope'], from: '2026-03-01T12:00:00Z', to: '2026-03-01T13:00:00Z', reason: 'x' },
      'body.monitors.0: unknown monitor "nope"',
    ],
    [
      'a monitor listed twice',
      {
        monitors: ['api-health', 'api-health'],
        from: '2026-03-01T12:00:00Z',
        to: '2026-03-01T13:00:00Z',
        reason: 'x',
      },
      'body.monitors.1: "api-health" is listed twice',
    ],
    [
      'more monitors than one silence holds',
      {
        monitors: Array.from({ length: 1001 }, () => 'api-health'),
        from: '2026-03-01T12:00:00Z',
        to: '2026-03-01T13:00:00Z',
        reason: 'x',
      },
      'body.monitors: ',
    ],
    [
      'to before from',
      { monitors: '*', from: '2026-03-01T14:00:00Z', to: '2026-03-01T13:00:00Z', reason: 'x' },
      'body.to: 2026-03-01T13:00:00Z is not after from (2026-03-01T14:00:00Z)',
    ],
    [
      'a window already over',
      { monitors: '*', from: '2026-03-01T10:00:00Z', to: '2026-03-01T11:00:00Z', reason: 'x' },
      'body.to: 2026-03-01T11:00:00Z is already past',
    ],
    [
      'a time with an offset',
      { monitors: '*', from: '2026-03-01T14:00:00+01:00', to: '2026-03-01T16:00:00Z', reason: 'x' },
      'body.from: expected an ISO-8601 UTC time',
    ],
    [
      'no reason, an unknown key',
      { monitors: '*', from: '2026-03-01T14:00:00Z', to: '2026-03-01T16:00:00Z', until: 'x' },
      'body.reason: ',
    ],
  ])('POST with %s is 400 naming the field', async (_name, body, message) => {
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/silence-create');
    const answer = await call(
      await deps(),
      body === undefined ? { ...event, body: undefined } : withBody('apigw/silence-create', body),
    );
    expect(answer.statusCode).toBe(400);
    expect(answer.json.error?.code).toBe('invalid_request');
    expect(answer.json.error?.message).toContain(message);
  });
});

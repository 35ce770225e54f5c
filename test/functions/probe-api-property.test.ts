/**
 * The probe API over its request space (fast-check, issue 10): whatever a caller sends (any route,
 * method, path id, query string, JSON or not-JSON body, base64 or not, keys named like
 * Object.prototype members, forged cursors), the answer is 2xx or 4xx with a JSON body, errors in the
 * documented shape `{"error": {"code", "message"}}`, and never a stack trace. The probers are stand-ins
 * that only ask the connect guard about a documentation address (192.0.2.1): no generated case sends
 * a packet. The in-memory store applies the same cursor checks as the DynamoDB one (store-common.ts).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHandler, type ProbeApiDeps } from '../../functions/probe-api/handler.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { cursorShapes, encodeCursor } from '../../shared/adapters/store-common.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { ProbeRegistry } from '../../shared/probes/index.ts';
import type { ProbeContext, ProbeResult } from '../../shared/probes/types.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';
import { captureLogger, lambdaContext, loadEvent } from './helpers.ts';

/** Runs of each property; every one is a full handler invocation (a few ms each). */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const sent: string[] = [];

/** A prober that reaches nothing: it asks the guard as a real one would, then reports up. */
function standIn(kind: ProbeResult['probe']) {
  return async (spec: { timeoutMs: number }, ctx: ProbeContext): Promise<ProbeResult> => {
    const refused = ctx.connectGuard?.('192.0.2.1', 443, 'stand-in.test', 'target');
    if (refused) sent.push('refused');
    return {
      probe: kind,
      target: `${kind}://stand-in.test`,
      status: refused ? 'down' : 'up',
      timings: { total: Math.min(1, spec.timeoutMs) },
      error: refused ?? null,
      layer: refused ? 'transport' : null,
      details: { kind: 'tcp', host: 'stand-in.test', port: 443, addresses: [], attempts: [] },
    };
  };
}

const PROBES: ProbeRegistry = {
  dns: standIn('dns') as ProbeRegistry['dns'],
  tcp: standIn('tcp') as ProbeRegistry['tcp'],
  http: standIn('http') as ProbeRegistry['http'],
};

const config = parseConfig({
  homeRegion: 'us-east-1',
  regions: ['eu-west-1', 'us-east-1'],
  monitors: [
    {
      id: 'api-health',
      interval: '1m',
      timeout: '2s',
      url: 'https://api.example.com/health',
      regions: ['eu-west-1'],
    },
    { id: 'www-a', interval: '1m', timeout: '2s', url: 'dns:www.example.com?type=A', regions: ['us-east-1'] },
  ],
});

function deps(): ProbeApiDeps {
  return {
    config,
    region: 'eu-west-1',
    store: new MemoryStore(),
    metrics: mockedCloudWatchPublisher(),
    probes: PROBES,
  };
}

const PROTOTYPE_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'prototype'];
const OPTION_KEYS = [
  'url',
  'timeout',
  'thresholds',
  'insecure',
  'ca',
  'serverName',
  'method',
  'headers',
  'body',
  'maxRedirects',
  'maxBodyBytes',
  'allAddresses',
  'send',
  'expect',
  'recursionDesired',
  'assert',
  'certWarnDays',
  'certCriticalDays',
];

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', '\u0000', '%', '%zz'),
);

const url = fc.oneof(
  fc.constantFrom(
    'https://example.com/',
    'http://[::ffff:0:127.0.0.1]/',
    'dns:www.example.com?type=A',
    'dns://8.8.8.8/example.com?type=MX&mode=authoritative',
    'dns://[::1]:99999/x',
    'tcp://example.com:443',
    'tls://example.com:0',
    'tcp://[64:ff9b::1]:22',
    'ftp://example.com/',
    'dns:',
    'http://',
  ),
  text,
  fc.webUrl(),
);

/** JSON-ish values, with matchers and regexes worth compiling among them. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record({ regex: fc.oneof(text, fc.constantFrom('^(a+)+$', '(?=x)', '(a)\\1', '(?i)ok', '[')) }),
  fc.record({ path: fc.oneof(text, fc.constantFrom('$..a..b', '$[?(@.x)]', '$.a')), match: fc.jsonValue() }),
  fc.constantFrom('2s', '1500ms', '0s', '-1s', '99999999s', 'soon'),
);

const body = fc.oneof(
  fc.constant(undefined),
  text,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .dictionary(fc.oneof(fc.constantFrom(...OPTION_KEYS, ...PROTOTYPE_KEYS), text), value, { maxKeys: 6 })
    .chain((options) => url.map((u) => JSON.stringify({ url: u, ...options }))),
  // Keys JSON.stringify would not write as own properties.
  fc.constantFrom(...PROTOTYPE_KEYS).map((k) => `{"url": "https://example.com/", "${k}": {"a": 1}}`),
);

/** Cursors: garbage, valid base64url of anything, and keys with the right partition but a forged sort key. */
const cursor = fc.oneof(
  text,
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
  fc
    .record({ sk: text, gsi1sk: text, gsi2sk: text, pk: fc.oneof(text, fc.constant('MONITOR#api-health')) })
    .map(({ sk, gsi1sk, gsi2sk, pk }) =>
      encodeCursor(
        fc.sample(
          fc.constantFrom(
            { pk, sk },
            { pk, sk, gsi1pk: cursorShapes.findingsIn('api-health', 'eu-west-1').partition.value, gsi1sk },
            { pk, sk, gsi2pk: 'INCIDENTS#ACTIVE', gsi2sk },
          ),
          1,
        )[0] as unknown as Record<string, string>,
      ),
    ),
  fc.constantFrom('A'.repeat(70_000)),
);

const query = fc.oneof(
  // Well-formed parameters, so forged cursors reach the store.
  fc.record(
    {
      region: fc.constantFrom('eu-west-1', 'us-east-1'),
      from: fc.constantFrom('2026-03-01T11:00:00Z', '2020-01-01T00:00:00Z'),
      to: fc.constantFrom('2026-03-01T12:00:00Z', '2030-01-01T00:00:00Z'),
      limit: fc.constantFrom('1', '50', '1000'),
      cursor,
    },
    { requiredKeys: ['cursor'] },
  ),
  fc.dictionary(
    fc.oneof(fc.constantFrom('region', 'from', 'to', 'limit', 'cursor', 'order', ...PROTOTYPE_KEYS), text),
    fc.oneof(text, cursor, fc.constantFrom('eu-west-1', '2026-03-01T11:00:00Z', '0', '1000', '1001', '1e3')),
    { maxKeys: 5 },
  ),
);

const route = fc.oneof(
  fc.constant({ method: 'POST', path: '/check', routeKey: 'POST /check' }),
  fc
    .oneof(fc.constantFrom('api-health', 'www-a', 'constructor'), text)
    .chain((id) =>
      fc.constantFrom(
        { method: 'POST', path: `/monitors/${id}/run`, routeKey: 'POST /monitors/{id}/run', id },
        { method: 'GET', path: `/monitors/${id}/findings`, routeKey: 'GET /monitors/{id}/findings', id },
      ),
    ),
  fc.constant({ method: 'GET', path: '/incidents', routeKey: 'GET /incidents' }),
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get'),
    path: fc.oneof(
      text,
      text.map((t) => `/${t}`),
    ),
    routeKey: text,
  }),
);

const request = fc
  .record({ route, body, query, base64: fc.boolean() })
  .map(({ route: r, body: b, query: q, base64 }) => {
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/check');
    const encoded = b !== undefined && base64 ? Buffer.from(b).toString('base64') : b;
    return {
      ...event,
      routeKey: r.routeKey,
      rawPath: r.path,
      requestContext: {
        ...event.requestContext,
        http: { ...event.requestContext.http, method: r.method, path: r.path },
      },
      ...('id' in r ? { pathParameters: { id: r.id as string } } : {}),
      queryStringParameters: q,
      body: encoded,
      isBase64Encoded: base64,
    } as APIGatewayProxyEventV2;
  });

describe('the probe API over its request space', () => {
  it(`answers every generated request with 2xx or 4xx and a JSON body, never a stack trace (${RUNS} runs)`, async () => {
    const handler = createHandler(deps(), { logger: captureLogger() });
    let served = 0;
    await fc.assert(
      fc.asyncProperty(request, async (event) => {
        const response = await handler(event, lambdaContext(30_000));
        served++;
        expect(response.statusCode, response.body).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, response.body).toBeLessThan(500);
        const json = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
        if (response.statusCode >= 400) {
          expect(json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
          expect(json.error?.message).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        }
      }),
      { numRuns: RUNS },
    );
    expect(served).toBeGreaterThanOrEqual(RUNS);
  }, 120_000);

  it('answers forged cursors on the read routes with 4xx on the real DynamoDB protocol (dynalite), never a ValidationException 500', async () => {
    const store = await dynalite.freshStore();
    const handler = createHandler({ ...deps(), store }, { logger: captureLogger() });
    // Cursors close to real ones (right partition and prefixes, times in and out of range), so many
    // pass the store's checks and reach DynamoDB itself.
    const time = fc.date({ min: new Date('2019-01-01'), max: new Date('2031-01-01'), noInvalidDate: true });
    const ascii = fc.string({ unit: fc.constantFrom(...'abc-_.%#~09AZ'), maxLength: 40 });
    const plausible = fc.oneof(
      fc
        .record({ at: time, loc: ascii })
        .map(({ at, loc }) =>
          encodeCursor({ pk: 'MONITOR#api-health', sk: `FINDING#${at.toISOString()}#${loc}` }),
        ),
      fc.record({ at: time, sk: ascii }).map(({ at, sk }) =>
        encodeCursor({
          pk: 'MONITOR#api-health',
          sk: `FINDING#${sk}`,
          gsi1pk: cursorShapes.findingsIn('api-health', 'eu-west-1').partition.value,
          gsi1sk: at.toISOString(),
        }),
      ),
    );
    const incidentCursor = fc
      .record({ pk: ascii, sk: ascii, at: ascii })
      .map(({ pk, sk, at }) =>
        encodeCursor({ pk: `MONITOR#${pk}`, sk: `INCIDENT#${sk}`, gsi2pk: 'INCIDENTS#ACTIVE', gsi2sk: at }),
      );
    const findingsQuery = fc.record(
      {
        region: fc.constant('eu-west-1'),
        from: fc.constantFrom('2026-03-01T11:00:00Z', '2020-01-01T00:00:00Z'),
        to: fc.constantFrom('2026-03-01T12:00:00Z', '2030-01-01T00:00:00Z'),
        cursor: fc.oneof(plausible, cursor),
      },
      { requiredKeys: ['cursor'] },
    );
    const reads = fc.oneof(
      findingsQuery.map((q) => ({
        ...loadEvent<APIGatewayProxyEventV2>('apigw/findings'),
        queryStringParameters: q,
      })),
      fc.oneof(incidentCursor, cursor).map((c) => ({
        ...loadEvent<APIGatewayProxyEventV2>('apigw/incidents'),
        queryStringParameters: { cursor: c },
      })),
    );
    await fc.assert(
      fc.asyncProperty(reads, async (event) => {
        const response = await handler(event, lambdaContext(30_000));
        expect(response.statusCode, response.body).toBeLessThan(500);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 120_000);
});

const dynalite = useDynalite('property');

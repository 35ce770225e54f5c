/**
 * No 5xx on client input (issue 10): body keys that name Object.prototype members, and forged
 * pagination cursors that decode to the right partition but a key DynamoDB refuses, are the caller's
 * mistakes: 400 naming the field, never a 500. The cursor cases run the real store on dynalite.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler, type ProbeApiDeps } from '../../functions/probe-api/handler.ts';
import { cursorShapes, encodeCursor } from '../../shared/adapters/store-common.ts';
import { keys } from '../../shared/adapters/table-design.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';
import { captureLogger, lambdaContext, loadEvent } from './helpers.ts';

const dynalite = useDynalite('input');

async function deps(): Promise<ProbeApiDeps> {
  return {
    config: parseConfig({
      homeRegion: 'us-east-1',
      regions: ['eu-west-1', 'us-east-1'],
      monitors: [
        { id: 'api-health', interval: '1m', url: 'https://api.example.com/health', regions: ['eu-west-1'] },
      ],
    }),
    region: 'eu-west-1',
    store: await dynalite.freshStore(),
    metrics: mockedCloudWatchPublisher(),
    // Every case here must be refused before probing: a prober that is reached fails the test, and sends nothing.
    probes: { dns: unreachable, tcp: unreachable, http: unreachable },
  };
}

async function unreachable(): Promise<never> {
  throw new Error('a refused request reached a prober');
}

async function call(d: ProbeApiDeps, event: APIGatewayProxyEventV2, remainingMs = 10_000) {
  const response = await createHandler(d, { logger: captureLogger() })(event, lambdaContext(remainingMs));
  return { statusCode: response.statusCode, json: JSON.parse(response.body) };
}

describe('POST /check body keys named like Object.prototype members', () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'])(
    '%s → 400 naming the key',
    async (key) => {
      const event = loadEvent<APIGatewayProxyEventV2>('apigw/check');
      const body = `{"url": "https://example.com/", ${JSON.stringify(key)}: 1}`;

      const answer = await call(await deps(), { ...event, body }, 30_000);

      expect(answer.statusCode).toBe(400);
      expect(answer.json.error.code).toBe('invalid_request');
      expect(answer.json.error.message).toMatch(new RegExp(`^body\\.${key}: unknown key`));
    },
  );
});

describe('POST /check patterns the linear-time engine cannot run → 400 naming the pattern', () => {
  it.each([
    [
      { body: [{ regex: 'ok(?=!)' }] },
      /^body\.assert\.body\[0\]\.regex: regex "ok\(\?=!\)" is not supported: lookahead/,
    ],
    [
      { headers: { server: { regex: '(a)\\1' } } },
      /^body\.assert\.headers\.server\.regex: regex .* is not supported: backreferences/,
    ],
    [
      { json: [{ path: '$.items[?(@.price > 10)]', match: 'x' }] },
      /^body\.assert\.json\[0\]\.path: JSON path "\$\.items\[\?\(@\.price > 10\)\]" is not supported: filter and script/,
    ],
  ])('%j', async (assert, message) => {
    const event = loadEvent<APIGatewayProxyEventV2>('apigw/check');
    const body = JSON.stringify({ url: 'https://example.com/', timeout: '1s', assert });

    const answer = await call(await deps(), { ...event, body });

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.message).toMatch(message);
  });
});

/** A cursor that decodes fine and names the right partition, but carries `key`. */
const forged = (key: Record<string, string>) => encodeCursor(key);

function findings(query: Record<string, string>): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('apigw/findings');
  return { ...event, queryStringParameters: query };
}

function incidents(query: Record<string, string>): APIGatewayProxyEventV2 {
  return { ...loadEvent<APIGatewayProxyEventV2>('apigw/incidents'), queryStringParameters: query };
}

const pk = keys.monitor('api-health');
const locationPk = cursorShapes.findingsIn('api-health', 'eu-west-1').partition.value;

describe('forged pagination cursors → 400 naming query.cursor', () => {
  it.each([
    [
      'a sort key before the time range asked for',
      findings({
        from: '2026-03-01T11:00:00Z',
        to: '2026-03-01T12:00:00Z',
        cursor: forged({ pk, sk: 'FINDING#2020-01-01T00:00:00.000Z#eu-west-1' }),
      }),
    ],
    ['a sort key outside the findings', findings({ cursor: forged({ pk, sk: 'LATEST#eu-west-1' }) })],
    ['a sort key over 1 KB', findings({ cursor: forged({ pk, sk: `FINDING#${'9'.repeat(1100)}` }) })],
    [
      'an index sort key out of the time range',
      findings({
        region: 'eu-west-1',
        from: '2026-03-01T11:00:00Z',
        cursor: forged({ pk, sk: 'FINDING#x', gsi1pk: locationPk, gsi1sk: '2000-01-01T00:00:00.000Z' }),
      }),
    ],
    [
      'an empty index key',
      findings({
        region: 'eu-west-1',
        cursor: forged({ pk, sk: 'FINDING#x', gsi1pk: locationPk, gsi1sk: '' }),
      }),
    ],
    [
      'an empty table key on the incidents index',
      incidents({ cursor: forged({ pk: '', sk: 'INCIDENT#x', gsi2pk: 'INCIDENTS#ACTIVE', gsi2sk: '2026' }) }),
    ],
    [
      'an incidents index key over 1 KB',
      incidents({
        cursor: forged({
          pk: `${pk}`,
          sk: 'INCIDENT#x',
          gsi2pk: 'INCIDENTS#ACTIVE',
          gsi2sk: 'x'.repeat(1100),
        }),
      }),
    ],
    ['a cursor of 64 KB', incidents({ cursor: 'A'.repeat(65_536) })],
  ])('%s', async (_what, event) => {
    const answer = await call(await deps(), event);

    expect(answer.statusCode).toBe(400);
    expect(answer.json.error.code).toBe('invalid_request');
    expect(answer.json.error.message).toMatch(/^query\.cursor: /);
  });
});

/** The handlers' shared pieces: environment parsing, redacting logger, lazy dependencies, time budget. */
import { describe, expect, it, vi } from 'vitest';
import { createHandler as createRewriter } from '../../functions/finding-rewriter/handler.ts';
import { EnvError, readEnv, readTopicArns } from '../../functions/shared/env.ts';
import { flushReserveMs, probeDeadline } from '../../functions/shared/invocation.ts';
import { handlerSetup, lazy } from '../../functions/shared/lazy.ts';
import { createLogger, redact } from '../../functions/shared/logger.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { captureLogger, lambdaContext } from './helpers.ts';

const ENV = {
  TABLE_NAME: 'netprobe-findings',
  TABLE_REGION: 'us-east-1',
  METRICS_NAMESPACE: 'Netprobe',
  NETPROBE_REGION: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
};

describe('readEnv', () => {
  it('reads what the CDK stack sets', () => {
    expect(readEnv(ENV)).toEqual({
      tableName: 'netprobe-findings',
      tableRegion: 'us-east-1',
      metricsNamespace: 'Netprobe',
      region: 'eu-west-1',
    });
  });

  it('defaults the namespace and falls back to AWS_REGION for the probing region', () => {
    const { METRICS_NAMESPACE: _, NETPROBE_REGION: __, ...rest } = ENV;
    expect(readEnv(rest)).toMatchObject({ metricsNamespace: 'Netprobe', region: 'eu-west-1' });
  });

  it.each([
    [
      { ...ENV, TABLE_NAME: '' },
      'environment: TABLE_NAME is not set (the CDK stack sets it; see docs/api.md)',
    ],
    [
      { ...ENV, TABLE_REGION: 'home' },
      'environment: TABLE_REGION: "home" is not an AWS region name (like us-east-1)',
    ],
    [
      { ...ENV, NETPROBE_REGION: 'eu-west' },
      'environment: NETPROBE_REGION: "eu-west" is not an AWS region name (like us-east-1)',
    ],
  ])('names the variable that is wrong (%#)', (env, message) => {
    expect(() => readEnv(env)).toThrow(new EnvError(message));
  });
});

describe('readTopicArns', () => {
  const arn = 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team';

  it('parses the team → topic map', () => {
    expect(readTopicArns({ TOPIC_ARNS: JSON.stringify({ 'network-team': arn }) })).toEqual({
      'network-team': arn,
    });
  });

  it.each([
    [undefined, 'environment: TOPIC_ARNS is not set (the CDK stack sets it; see docs/api.md)'],
    ['{network-team}', /^environment: TOPIC_ARNS is not JSON: /],
    ['["a"]', 'environment: TOPIC_ARNS must be a JSON object of team → topic ARN'],
    [
      '{"cdn-team": "netprobe-cdn-team"}',
      'environment: TOPIC_ARNS["cdn-team"]: "netprobe-cdn-team" is not an SNS topic ARN',
    ],
  ])('refuses %j', (value, message) => {
    expect(() => readTopicArns({ TOPIC_ARNS: value })).toThrow(message);
  });
});

describe('logger', () => {
  it('writes one JSON line per entry with its fields, secrets redacted at any depth', () => {
    const lines: string[] = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
    const logger = createLogger({ sink: (l) => lines.push(l) }).with({ function: 'probe-api' });
    logger.warn('request', {
      headers: {
        authorization: 'AWS4-HMAC-SHA256 Signature=abc',
        'x-amz-security-token': 'tok',
        accept: '*/*',
      },
      target: 'https://user:hunter2@example.com/health?api_key=k&x=1',
      nested: { deeper: { client_secret: 's', ok: 1 } },
    });
    vi.useRealTimers();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({
      level: 'warn',
      message: 'request',
      timestamp: '2026-03-01T12:00:00.000Z',
      service: 'netprobe',
      function: 'probe-api',
      headers: { authorization: '[redacted]', 'x-amz-security-token': '[redacted]', accept: '*/*' },
      target: 'https://user:[redacted]@example.com/health?api_key=[redacted]&x=1',
      nested: { deeper: { client_secret: '[redacted]', ok: 1 } },
    });
  });

  it('spells out errors with their cause and cuts cycles', () => {
    const cause = new Error('socket hang up');
    const error = Object.assign(new Error('publish failed', { cause }), { name: 'PublishError' });
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    const out = redact({ error, loop }) as { error: Record<string, unknown>; loop: Record<string, unknown> };
    expect(out.error).toMatchObject({
      name: 'PublishError',
      message: 'publish failed',
      cause: { message: 'socket hang up' },
    });
    expect(out.loop).toEqual({ a: 1, self: '[circular]' });
  });
});

describe('Powertools logger on the handlers', () => {
  it('adds the request id and the cold-start flag to every line of an invocation (injectLambdaContext)', async () => {
    // What Lambda sets in an on-demand environment; Powertools reports no cold start without it.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const logger = captureLogger();
    vi.unstubAllEnvs();
    const handler = createRewriter({ store: new MemoryStore() }, { logger });
    const first = lambdaContext();
    const second = lambdaContext();
    await handler({ Records: [] }, first);
    await handler({ Records: [] }, second);
    const byRequest = (id: string) => logger.lines.filter((l) => l.function_request_id === id);
    expect(byRequest(first.awsRequestId).length).toBeGreaterThanOrEqual(2);
    expect(byRequest(first.awsRequestId).every((l) => l.cold_start === true)).toBe(true);
    expect(byRequest(second.awsRequestId).every((l) => l.cold_start === false)).toBe(true);
    expect(byRequest(second.awsRequestId)[0]).toMatchObject({
      level: 'info',
      message: 'invocation',
      function_name: first.functionName,
    });
  });

  it('takes its level from the environment (POWERTOOLS_LOG_LEVEL, as Lambda’s log level control sets it)', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    try {
      const lines: string[] = [];
      const logger = createLogger({ sink: (l) => lines.push(l) });
      logger.info('hidden');
      logger.warn('shown');
      expect(lines.map((l) => JSON.parse(l).message)).toEqual(['shown']);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('lazy', () => {
  it('builds dependencies on first use, once, and hands plain objects through', () => {
    let built = 0;
    const get = lazy(() => ({ n: ++built }));
    expect(built).toBe(0);
    expect(get()).toBe(get());
    expect(built).toBe(1);
    const plain = { n: 7 };
    expect(lazy(plain)()).toBe(plain);
  });

  it('builds the dependencies with its own logger and time left, on first use, retrying after a failure', () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line) });
    const given: unknown[] = [];
    let fail = true;
    const { deps, logger: used } = handlerSetup(
      'probe-runner',
      (l) => {
        given.push(l);
        if (fail) throw new Error('environment: TABLE_NAME is not set');
        return { n: given.length };
      },
      { logger },
    );
    expect(used).toBe(logger);
    expect(given).toEqual([]);
    expect(() => deps()).toThrow('TABLE_NAME');
    fail = false;
    expect(deps()).toBe(deps());
    const runtime = { logger, timeLeft: expect.any(Function) };
    expect(given).toEqual([runtime, runtime]);
  });

  it('names the function in every line of its default logger', () => {
    const plain = { n: 1 };
    const { deps, logger } = handlerSetup('escalator', plain);
    expect(deps()).toBe(plain);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      logger.info('hello');
      expect(JSON.parse(String(write.mock.calls[0]?.[0]))).toMatchObject({
        function: 'escalator',
        service: 'escalator',
        message: 'hello',
      });
    } finally {
      write.mockRestore();
    }
  });
});

describe('time budget', () => {
  it.each([
    [1_000, 250],
    [1_500, 300],
    [10_000, 2_000],
    [60_000, 3_000],
  ])('%i ms left keeps %i ms for writing results', (remaining, reserve) => {
    expect(flushReserveMs(remaining)).toBe(reserve);
  });

  it('puts the probe deadline at remaining time minus the reserve', () => {
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 10_000 };
    const before = performance.now();
    const deadline = probeDeadline(context);
    const after = performance.now();
    expect(deadline).toBeGreaterThanOrEqual(before + 8_000);
    expect(deadline).toBeLessThanOrEqual(after + 8_000);
  });
});

/**
 * The functions' own SDK clients (functions/shared/aws/*), built exactly as in the Lambda, pointed at a
 * scripted endpoint on 127.0.0.1 through AWS_ENDPOINT_URL: every client retries with the time-bound
 * standard strategy, logs each retry, and stops retrying when the invocation runs out of time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudWatchPublisher } from '../../functions/shared/aws/cloudwatch.ts';
import { readEnv } from '../../functions/shared/env.ts';
import { InvocationTime } from '../../functions/shared/time-left.ts';
import type { MetricDatum } from '../../shared/ports/metrics.ts';
import {
  type AwsEndpoint,
  cloudWatchReply,
  NO_ANSWER,
  replies,
  startAwsEndpoint,
} from '../fixtures/aws-endpoint.ts';
import { captureLogger, lambdaContext } from './helpers.ts';

const datum: MetricDatum = {
  name: 'Up',
  unit: 'None',
  dimensions: { Monitor: 'web', Probe: 'http', Region: 'eu-west-1' },
  value: 1,
  timestamp: new Date('2026-03-01T12:00:00.000Z'),
};

let endpoint: AwsEndpoint;

/** One PutMetricData by the function's own publisher in an invocation of `invocationMs`: its error and wall time. */
async function publishWithin(invocationMs: number): Promise<{ error: unknown; elapsed: number }> {
  const time = new InvocationTime();
  const started = performance.now();
  time.start(lambdaContext(invocationMs));
  const error = await cloudWatchPublisher(readEnv(), { logger: captureLogger(), timeLeft: time.forClients })
    .publish([datum])
    .catch((e: unknown) => e);
  return { error, elapsed: performance.now() - started };
}

async function withEndpoint(script: Parameters<typeof startAwsEndpoint>[0]) {
  endpoint = await startAwsEndpoint(script);
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint.clientConfig.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
}

beforeEach(() => {
  vi.stubEnv('TABLE_NAME', 'netprobe-findings');
  vi.stubEnv('TABLE_REGION', 'us-east-1');
  vi.stubEnv('NETPROBE_REGION', 'eu-west-1');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await endpoint?.close();
});

describe("the functions' SDK clients", () => {
  it('retry a throttled PutMetricData and log the retry with the command, attempt and cause', async () => {
    await withEndpoint(replies(cloudWatchReply.throttled(), cloudWatchReply.ok()));
    const logger = captureLogger();
    const time = new InvocationTime();
    time.start(lambdaContext(30_000));
    await cloudWatchPublisher(readEnv(), { logger, timeLeft: time.forClients }).publish([datum]);
    expect(endpoint.requests).toHaveLength(2);
    const retried = logger.lines.filter((l) => l.message === 'AWS call retried');
    expect(retried).toEqual([
      expect.objectContaining({
        level: 'warn',
        command: 'PutMetricDataCommand',
        attempt: 2,
        error: expect.objectContaining({ name: 'Throttling', message: 'Rate exceeded' }),
      }),
    ]);
  });

  it("stop retrying within the invocation's time left", async () => {
    await withEndpoint(replies(cloudWatchReply.throttled()));
    const { error, elapsed } = await publishWithin(1_500);
    expect((error as Error).message).toBe('1 of 1 metric datums not published: Rate exceeded (Throttling)');
    // Lambda would have ended the invocation at 1.5 s; the client gave up before.
    expect(elapsed).toBeLessThan(1_500);
    expect(endpoint.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('give up on an endpoint that takes the request and never answers, at the 5 s request timeout', async () => {
    await withEndpoint(() => NO_ANSWER);
    // Time for one attempt and no retry (less than 500 ms left after it): the attempt must end by itself.
    const { error, elapsed } = await publishWithin(5_400);
    expect((error as Error).message).toMatch(/^1 of 1 metric datums not published: .*requestTimeout/);
    expect(elapsed).toBeGreaterThan(4_900);
    expect(elapsed).toBeLessThan(5_400);
  }, 15_000);

  it('end an attempt that is never answered within the time left, not at the fixed 5 s timeout', async () => {
    await withEndpoint(() => NO_ANSWER);
    // 1.5 s left: a 5 s attempt would outlive the invocation, and Lambda would cut the function off.
    const { error, elapsed } = await publishWithin(1_500);
    expect((error as Error).message).toMatch(/^1 of 1 metric datums not published: .*requestTimeout/);
    // Ended at the clients' share of the time (1.5 s less the 200 ms kept for the handler), one attempt.
    expect(elapsed).toBeGreaterThan(1_100);
    expect(elapsed).toBeLessThan(1_500);
    expect(endpoint.requests).toHaveLength(1);
  }, 15_000);
});

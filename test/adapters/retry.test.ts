/**
 * The SDK's standard retry strategy, bounded by the time left, and the middleware that logs each retry:
 * real SDK clients against a scripted endpoint on 127.0.0.1, so the SDK's own classification, backoff
 * and retry loop run exactly as against AWS.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeError,
  logRetries,
  type RetryEvent,
  type TimeBoundRetryOptions,
  TimeBoundRetryStrategy,
  timeBoundRetries,
} from '../../shared/adapters/retry.ts';
import {
  type AwsEndpoint,
  type AwsReply,
  cloudWatchReply,
  replies,
  snsReply,
  startAwsEndpoint,
} from '../fixtures/aws-endpoint.ts';

let endpoint: AwsEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

const put = () =>
  new PutMetricDataCommand({ Namespace: 'Netprobe', MetricData: [{ MetricName: 'Up', Value: 1 }] });
const publish = () =>
  new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team', Message: '{}' });

/** A client on the scripted endpoint with the bounded strategy and the retry log. */
async function cloudWatch(script: (n: number) => AwsReply, options: TimeBoundRetryOptions) {
  endpoint = await startAwsEndpoint(script);
  const client = new CloudWatchClient({ ...endpoint.clientConfig, ...timeBoundRetries(options) });
  const timeLeft = options.timeLeft;
  const retries: RetryEvent[] = [];
  client.middlewareStack.use(logRetries((event) => retries.push(event), timeLeft));
  return { client, retries, endpoint };
}

const noWait = { random: () => 0 };

describe('TimeBoundRetryStrategy (the SDK standard strategy) with logged retries', () => {
  it('retries throttling and a 5xx with the same request, logging each retry with its cause', async () => {
    const { client, retries, endpoint } = await cloudWatch(
      replies(cloudWatchReply.throttled(), cloudWatchReply.internal(), cloudWatchReply.ok()),
      noWait,
    );
    const out = await client.send(put());
    expect(out.$metadata.attempts).toBe(3);
    expect(endpoint.requests.map((r) => r.body)).toEqual(Array(3).fill(endpoint.requests[0]?.body));
    expect(endpoint.requests.map((r) => r.headers['amz-sdk-request'])).toEqual([
      'attempt=1; max=4',
      'attempt=2; max=4',
      'attempt=3; max=4',
    ]);
    expect(retries.map((r) => [r.command, r.attempt, describeError(r.error)])).toEqual([
      ['PutMetricDataCommand', 2, 'Rate exceeded (Throttling)'],
      ['PutMetricDataCommand', 3, 'internal failure (InternalServiceFault)'],
    ]);
  });

  it('without a time limit, stops after maxAttempts and throws the last error as the service gave it', async () => {
    const { client, endpoint } = await cloudWatch(replies(cloudWatchReply.throttled()), noWait);
    const error = (await client.send(put()).catch((e: unknown) => e)) as Error & {
      $metadata: { attempts: number };
    };
    expect(error.name).toBe('Throttling');
    expect(error.$metadata.attempts).toBe(4);
    expect(endpoint.requests).toHaveLength(4);
  });

  it('does not retry a request the service rejects as invalid', async () => {
    const { client, retries, endpoint } = await cloudWatch(replies(cloudWatchReply.invalid()), noWait);
    await expect(client.send(put())).rejects.toThrow('The value NaN is invalid');
    expect(endpoint.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('never waits past the time left: throttled on every attempt, it gives up while one attempt still fits', async () => {
    const budgetMs = 2_500;
    const minAttemptMs = 500;
    const started = performance.now();
    const timeLeft = () => started + budgetMs - performance.now();
    // random 0.99: the SDK's throttling backoff would wait ~1 s, then ~2 s, then ~4 s.
    const { client, retries, endpoint } = await cloudWatch(replies(cloudWatchReply.throttled()), {
      timeLeft,
      minAttemptMs,
      maxAttempts: 10,
      random: () => 0.99,
    });
    const error = (await client.send(put()).catch((e: unknown) => e)) as Error;
    const elapsed = performance.now() - started;
    expect(error.name).toBe('Throttling');
    expect(elapsed).toBeLessThan(budgetMs);
    // Every attempt started while at least one attempt's time was left.
    for (const at of endpoint.arrivals)
      expect(started + budgetMs - at).toBeGreaterThanOrEqual(minAttemptMs - 50);
    expect(endpoint.requests.length).toBeGreaterThanOrEqual(2);
    expect(endpoint.requests.length).toBeLessThan(10);
    expect(retries.every((r) => r.timeLeftMs >= minAttemptMs - 50)).toBe(true);
  });

  it('makes one attempt only when less than one attempt is left', async () => {
    const { client, endpoint } = await cloudWatch(
      replies(cloudWatchReply.throttled(), cloudWatchReply.ok()),
      { ...noWait, timeLeft: () => 300, minAttemptMs: 500 },
    );
    await expect(client.send(put())).rejects.toThrow('Rate exceeded');
    expect(endpoint.requests).toHaveLength(1);
  });

  it.each([
    ['SNS throttling (429)', snsReply.throttled()],
    ["a throttled KMS key (the topics' encryption)", snsReply.kmsThrottled()],
    ['an SNS 5xx', snsReply.internal()],
  ])('retries %s on Publish', async (_what, first) => {
    endpoint = await startAwsEndpoint(replies(first, snsReply.published()));
    const client = new SNSClient({
      ...endpoint.clientConfig,
      ...timeBoundRetries(noWait),
    });
    const out = await client.send(publish());
    expect(out.MessageId).toBe('m-1');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('refuses a strategy without attempts', () => {
    expect(() => new TimeBoundRetryStrategy({ maxAttempts: 0 })).toThrow(
      'retry: maxAttempts must be a whole number ≥ 1, got 0',
    );
  });
});

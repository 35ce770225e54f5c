/**
 * The PagerDuty and webhook forwarders against loopback servers that implement the vendors' request
 * contracts (PagerDuty Events API v2; a receiver that checks the HMAC signature), Secrets Manager at
 * the SDK boundary. Retries run on an injected sleep whose waits advance the Lambda's clock, so the
 * 1 s / 5 s / 25 s schedule is asserted without waiting 31 s.
 */
import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as pagerDutyHandler } from '../../functions/pagerduty-forwarder/handler.ts';
import { readForwarderEnv } from '../../functions/shared/env.ts';
import { createHandler as webhookHandler } from '../../functions/webhook-forwarder/handler.ts';
import { cachedSecret } from '../../shared/adapters/secrets-manager-secret.ts';
import { publishInput } from '../../shared/adapters/sns-notifier.ts';
import { DeliveryFailedError, DeliveryRejectedError } from '../../shared/integrations/delivery.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import type { Notification } from '../../shared/ports/notifier.ts';
import { startHttpServer, type TestServer } from '../fixtures/http-servers.ts';
import { type LoopbackPagerDuty, startLoopbackPagerDuty } from '../fixtures/loopback-pagerduty.ts';
import { CONSOLE_LINKS, MOCKED_CLIENT_CONFIG } from '../fixtures/mocked-aws.ts';
import { pageNotification } from '../fixtures/notifications.ts';
import { snsEvent } from '../fixtures/sns-events.ts';
import { captureLogger, lambdaContext } from './helpers.ts';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-infrastructure-team';
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const SECRET_ID = 'netprobe/pagerduty/infrastructure';

const page = pageNotification({
  at: '2026-03-01T12:02:30.000Z',
  team: 'infrastructure-team',
  issueType: 'connectivity',
  impact: 'complete outage',
  severity: 'critical',
  monitorId: 'api-health',
  incidentId: '20260301T120030Z-connectivity-5d1c0a2e',
  locations: { failing: ['eu-west-1', 'us-east-1'], healthy: [] },
  firstSeen: '2026-03-01T12:00:00.412Z',
  errorCodes: ['TCP_TIMEOUT'],
  diagnosis: 'Transport: 192.0.2.20:443 accepts no connections (timeout).',
  subject: '[critical] api-health: connectivity failure in 2 locations since 12:00Z',
});
const resolve: Notification = {
  ...page,
  kind: 'resolve',
  at: '2026-03-01T12:20:30.000Z',
  reason: 'recovered',
  subject: '[resolved] api-health: connectivity incident recovered after 20 min',
};

/** The SNS Message the escalator publishes for a notification. */
const messageOf = (n: Notification) => publishInput(n, TOPIC, CONSOLE_LINKS).Message as string;

const secrets = mockClient(SecretsManagerClient);
let pagerduty: LoopbackPagerDuty | undefined;
let receiver: TestServer | undefined;
afterEach(async () => {
  await pagerduty?.close();
  await receiver?.close();
  pagerduty = undefined;
  receiver = undefined;
});
beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: `${ROUTING_KEY}\n` });
});

/** A Lambda whose clock moves only by the forwarder's waits: `remainingMs` left at the start. */
function simulatedTime(remainingMs: number) {
  const sleeps: number[] = [];
  let slept = 0;
  const context: Context = { ...lambdaContext(), getRemainingTimeInMillis: () => remainingMs - slept };
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    slept += ms;
  };
  return { context, sleeps, sleep };
}

function pagerDutyOn(url: string, sleep: (ms: number) => Promise<void>) {
  const secret = cachedSecret({
    client: new SecretsManagerClient(MOCKED_CLIENT_CONFIG),
    secretId: SECRET_ID,
  });
  return pagerDutyHandler({ url, secret, sleep }, { logger: captureLogger() });
}

describe('pagerduty-forwarder', () => {
  it('sends a page as a trigger and its resolve with the same dedup_key (the incident id)', async () => {
    pagerduty = await startLoopbackPagerDuty();
    const time = simulatedTime(75_000);
    const handler = pagerDutyOn(pagerduty.eventsUrl, time.sleep);

    await handler(snsEvent(TOPIC, messageOf(page)), time.context);
    await handler(snsEvent(TOPIC, messageOf(resolve)), time.context);

    expect(pagerduty.requests.map((r) => r.headers['content-type'])).toEqual([
      'application/json',
      'application/json',
    ]);
    expect(pagerduty.accepted).toEqual([
      {
        routing_key: ROUTING_KEY,
        dedup_key: page.incidentId,
        event_action: 'trigger',
        client: 'netprobe',
        client_url:
          'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/netprobe',
        links: [
          {
            href: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/netprobe',
            text: 'netprobe dashboard',
          },
          { href: expect.stringContaining('#metricsV2?graph=~()&query=~'), text: 'api-health metrics' },
        ],
        payload: {
          summary: `${page.subject}: ${page.diagnosis}`,
          source: 'api-health',
          severity: 'critical',
          timestamp: '2026-03-01T12:02:30.000Z',
          component: 'api-health',
          group: 'infrastructure-team',
          class: 'connectivity',
          custom_details: {
            impact: 'complete outage',
            scope: 'global',
            failing: ['eu-west-1', 'us-east-1'],
            healthy: [],
            firstSeen: '2026-03-01T12:00:00.412Z',
            errorCodes: ['TCP_TIMEOUT'],
            diagnosis: page.diagnosis,
            incidentId: page.incidentId,
            dedupKey: `${page.incidentId}:escalate`,
          },
        },
      },
      { routing_key: ROUTING_KEY, dedup_key: page.incidentId, event_action: 'resolve' },
    ]);
    // The routing key is read once per container (cached), by the name the config gives.
    expect(secrets).toReceiveCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toReceiveCommandWith(GetSecretValueCommand, { SecretId: SECRET_ID });
    expect(time.sleeps).toEqual([]);
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
  ])('maps severity %s to %s', async (severity, expected) => {
    pagerduty = await startLoopbackPagerDuty();
    const time = simulatedTime(75_000);
    const paged = { ...page, severity } as Notification;
    await pagerDutyOn(pagerduty.eventsUrl, time.sleep)(snsEvent(TOPIC, messageOf(paged)), time.context);
    expect((pagerduty.accepted[0]?.payload as { severity?: string } | undefined)?.severity).toBe(expected);
  });

  it("keeps the summary within PagerDuty's 1,024 characters", async () => {
    pagerduty = await startLoopbackPagerDuty();
    const time = simulatedTime(75_000);
    const long = { ...page, diagnosis: 'x'.repeat(5_000) };
    await pagerDutyOn(pagerduty.eventsUrl, time.sleep)(snsEvent(TOPIC, messageOf(long)), time.context);
    const summary = (pagerduty.accepted[0]?.payload as { summary?: string } | undefined)?.summary ?? '';
    expect(summary).toHaveLength(1_024);
    expect(summary.startsWith(page.subject)).toBe(true);
  });

  it('does not retry a 400 (invalid event)', async () => {
    pagerduty = await startLoopbackPagerDuty((n) => (n === 0 ? 400 : undefined));
    const time = simulatedTime(75_000);
    const error = await pagerDutyOn(pagerduty.eventsUrl, time.sleep)(
      snsEvent(TOPIC, messageOf(page)),
      time.context,
    )
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryRejectedError);
    expect((error as DeliveryRejectedError).status).toBe(400);
    expect(pagerduty.requests).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it('retries 429, 5xx and a dropped connection after 1 s, 5 s and 25 s, then delivers', async () => {
    const faults = [429, 503, 'drop'] as const;
    pagerduty = await startLoopbackPagerDuty((n) => faults[n]);
    const time = simulatedTime(75_000);
    const summary = await pagerDutyOn(pagerduty.eventsUrl, time.sleep)(
      snsEvent(TOPIC, messageOf(page)),
      time.context,
    );
    expect(time.sleeps).toEqual([1_000, 5_000, 25_000]);
    expect(pagerduty.requests).toHaveLength(4);
    expect(pagerduty.accepted).toHaveLength(1);
    expect(summary.delivered).toEqual([{ messageId: expect.any(String), status: 202, attempts: 4 }]);
  });

  it('gives up after the third retry', async () => {
    pagerduty = await startLoopbackPagerDuty(() => 500);
    const time = simulatedTime(75_000);
    await expect(
      pagerDutyOn(pagerduty.eventsUrl, time.sleep)(snsEvent(TOPIC, messageOf(page)), time.context),
    ).rejects.toThrow(DeliveryFailedError);
    expect(pagerduty.requests).toHaveLength(4);
    expect(time.sleeps).toEqual([1_000, 5_000, 25_000]);
  });

  it("does not start a wait the Lambda's remaining time cannot cover", async () => {
    pagerduty = await startLoopbackPagerDuty(() => 503);
    // 12 s left: 1 s and 5 s fit; 25 s does not.
    const time = simulatedTime(12_000);
    const error = await pagerDutyOn(pagerduty.eventsUrl, time.sleep)(
      snsEvent(TOPIC, messageOf(page)),
      time.context,
    )
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect((error as Error).message).toMatch(
      /^not delivered after 3 attempt\(s\), no time left for a retry in 25000 ms/,
    );
    expect(time.sleeps).toEqual([1_000, 5_000]);
    expect(pagerduty.requests).toHaveLength(3);
  });

  it('triggers on a CloudWatch alarm and resolves on OK, keyed by the alarm ARN', async () => {
    pagerduty = await startLoopbackPagerDuty();
    const time = simulatedTime(75_000);
    const handler = pagerDutyOn(pagerduty.eventsUrl, time.sleep);
    const alarm = {
      AlarmName: 'netprobe-watchdog-runs-eu-west-1',
      AlarmDescription: 'No probe run from eu-west-1',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:netprobe-watchdog-runs-eu-west-1',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: no datapoints',
      StateChangeTime: '2026-03-01T12:05:00.000+0000',
      Region: 'US East (N. Virginia)',
    };
    await handler(snsEvent(TOPIC, JSON.stringify(alarm)), time.context);
    await handler(snsEvent(TOPIC, JSON.stringify({ ...alarm, NewStateValue: 'OK' })), time.context);
    expect(pagerduty.accepted.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', alarm.AlarmArn],
      ['resolve', alarm.AlarmArn],
    ]);
    expect(pagerduty.accepted[0]?.payload).toMatchObject({
      summary: 'netprobe-watchdog-runs-eu-west-1: Threshold Crossed: no datapoints',
      source: 'netprobe-watchdog-runs-eu-west-1',
      severity: 'error',
      timestamp: '2026-03-01T12:05:00.000Z',
    });
  });

  it('skips a message that is neither a page nor an alarm, sending nothing', async () => {
    pagerduty = await startLoopbackPagerDuty();
    const time = simulatedTime(75_000);
    const summary = await pagerDutyOn(pagerduty.eventsUrl, time.sleep)(
      snsEvent(TOPIC, 'hello'),
      time.context,
    );
    expect(summary.skipped).toEqual([{ messageId: expect.any(String), reason: 'not JSON' }]);
    expect(pagerduty.requests).toEqual([]);
  });

  it('names a missing environment variable', () => {
    expect(() => readForwarderEnv({ TARGET_URL: 'https://events.pagerduty.com/v2/enqueue' })).toThrow(
      'environment: SECRET_ID is not set',
    );
  });
});

describe('webhook-forwarder', () => {
  const SIGNING_SECRET = 'whsec-0123456789abcdef';
  const clock = new ManualClock(new Date('2026-03-01T12:02:31.250Z'));

  function webhookOn(url: string, sleep: (ms: number) => Promise<void>) {
    return webhookHandler(
      { url, secret: async () => SIGNING_SECRET, sleep, clock },
      { logger: captureLogger() },
    );
  }

  /** A receiver as docs/integrations.md tells one to verify: HMAC over "<timestamp>.<raw body>". */
  async function startReceiver(failFirst = 0) {
    let n = 0;
    return startHttpServer((req, res) => {
      const request = receiver?.requests.at(-1);
      const timestamp = String(req.headers['x-netprobe-timestamp']);
      const expected = `sha256=${createHmac('sha256', SIGNING_SECRET).update(`${timestamp}.${request?.body}`).digest('hex')}`;
      const ok = req.headers['x-netprobe-signature'] === expected;
      res.writeHead(n++ < failFirst ? 503 : ok ? 204 : 401).end();
    });
  }

  it('POSTs the message the topic carried, signed with the timestamp', async () => {
    receiver = await startReceiver();
    const time = simulatedTime(75_000);
    const message = messageOf(page);
    const summary = await webhookOn(`${receiver.origin}/netprobe`, time.sleep)(
      snsEvent(TOPIC, message),
      time.context,
    );

    expect(summary.delivered).toEqual([{ messageId: expect.any(String), status: 204, attempts: 1 }]);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/netprobe');
    expect(request?.body).toBe(message);
    expect(JSON.parse(request?.body ?? '{}').dedupKey).toBe(`${page.incidentId}:escalate`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-netprobe-timestamp']).toBe('1772366551');
    expect(request?.headers['x-netprobe-signature']).toBe(
      `sha256=${createHmac('sha256', SIGNING_SECRET).update(`1772366551.${message}`).digest('hex')}`,
    );
  });

  it('is retried like PagerDuty: a 503, then delivered after 1 s', async () => {
    receiver = await startReceiver(1);
    const time = simulatedTime(75_000);
    await webhookOn(receiver.origin, time.sleep)(snsEvent(TOPIC, messageOf(resolve)), time.context);
    expect(time.sleeps).toEqual([1_000]);
    expect(receiver.requests).toHaveLength(2);
  });

  it('does not retry a refused signature (401)', async () => {
    receiver = await startReceiver();
    const time = simulatedTime(75_000);
    const handler = webhookHandler(
      { url: receiver.origin, secret: async () => 'not-the-shared-secret', sleep: time.sleep, clock },
      { logger: captureLogger() },
    );
    await expect(handler(snsEvent(TOPIC, messageOf(page)), time.context)).rejects.toThrow(
      DeliveryRejectedError,
    );
    expect(receiver.requests).toHaveLength(1);
  });
});

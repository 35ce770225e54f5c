/**
 * Pages are delivered at least once, and every copy says so: the two ways a page goes out twice (SNS
 * accepted a Publish whose answer the client never saw, and the escalator dying between Publish and
 * markDelivered) both give copies with the same `dedupKey`, and an ambiguous Publish is never retried
 * past the publish budget (inside the engine's delivery lease). Against a loopback SNS that records
 * what it accepted, through the real SDK client and its HTTP handler.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { timeBoundRetries } from '../../shared/adapters/retry.ts';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.ts';
import { DELIVERY_LEASE_MS, EscalationEngine } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import { dnsDownFinding } from '../fixtures/findings.ts';
import { type LoopbackSns, startLoopbackSns } from '../fixtures/loopback-sns.ts';
import { CONSOLE_LINKS, MOCKED_CLIENT_CONFIG } from '../fixtures/mocked-aws.ts';
import { pageNotification } from '../fixtures/notifications.ts';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team';

const page = pageNotification({
  incidentId: '20260301T120100Z-dns-0a1b2c3d',
  locations: { failing: ['eu-west-1', 'us-east-1'], healthy: [] },
});

let sns: LoopbackSns | undefined;
afterEach(async () => {
  await sns?.close();
  sns = undefined;
});

function notifierOn(endpoint: string, options: { requestTimeoutMs: number; budgetMs?: number }) {
  return new SnsNotifier({
    client: new SNSClient({
      ...MOCKED_CLIENT_CONFIG,
      endpoint,
      // The SDK's own retry loop (the production strategy), many attempts and no backoff: only the
      // publish budget ends it.
      ...timeBoundRetries({ maxAttempts: 50, random: () => 0 }),
      requestHandler: { requestTimeout: options.requestTimeoutMs, throwOnRequestTimeout: true },
    }),
    topicArns: { 'network-team': TOPIC },
    links: CONSOLE_LINKS,
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
  });
}

const dedupKeys = (s: LoopbackSns) =>
  s.publishes.map((p) => [p.MessageAttributes.dedupKey, JSON.parse(p.Message).dedupKey]);

describe('at-least-once pages carry one dedupKey per notification', () => {
  it('SNS accepted the Publish but the client timed out: the retried copy has the same dedupKey', async () => {
    // The first Publish is accepted and answered after the client gave up; the retry is answered at once.
    sns = await startLoopbackSns((n) => ({ answerAfterMs: n === 0 ? 1_000 : 0 }));
    await notifierOn(sns.endpoint, { requestTimeoutMs: 200 }).publish(page);

    expect(sns.publishes).toHaveLength(2);
    const key = `${page.incidentId}:escalate`;
    expect(dedupKeys(sns)).toEqual([
      [key, key],
      [key, key],
    ]);
  });

  it('an ambiguous Publish is not retried once the publish budget is spent', async () => {
    sns = await startLoopbackSns(() => 'hang');
    const started = Date.now();
    const error = await notifierOn(sns.endpoint, { requestTimeoutMs: 100, budgetMs: 350 })
      .publish(page)
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(Error);
    // 350 ms of budget, 100 ms per timed-out attempt: at most 4 copies, never the 50 the policy allows.
    expect(sns.publishes.length).toBeGreaterThanOrEqual(2);
    expect(sns.publishes.length).toBeLessThanOrEqual(4);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('the escalator dies between Publish and markDelivered: the page sent again after the lease has the same dedupKey', async () => {
    sns = await startLoopbackSns();
    const store = new MemoryStore();
    const clock = new ManualClock(new Date('2026-03-01T12:00:30.000Z'));
    const notifier = notifierOn(sns.endpoint, { requestTimeoutMs: 2_000 });
    const engine = new EscalationEngine({
      store,
      notifier,
      clock,
      config: {
        escalation: {
          ...DEFAULT_ESCALATION_TABLE,
          dns: { ...DEFAULT_ESCALATION_TABLE.dns, escalateAfterMinutes: 0 },
        },
        confirmation: { minLocations: 2, consecutiveRuns: 2 },
        classification: { allLocationsDown: 'connectivity' },
        monitors: [{ id: 'dns-example-com', intervalMinutes: 1 }],
      },
    });
    const findings = ['eu-west-1', 'us-east-1'].map((location) =>
      dnsDownFinding({ location, startedAt: '2026-03-01T12:00:00.000Z' }),
    );
    await store.putFindings(findings);

    // The process dies right after SNS accepted the page: markDelivered never happens.
    const markDelivered = store.markDelivered.bind(store);
    store.markDelivered = async () => {
      throw new Error('Runtime exited with error: signal: killed');
    };
    await expect(engine.processFindings(findings)).rejects.toThrow('signal: killed');
    expect(sns.publishes).toHaveLength(1);

    // The next escalator's minute tick, once the lease has passed, sends the entry again.
    store.markDelivered = markDelivered;
    clock.set(new Date(clock.now().getTime() + DELIVERY_LEASE_MS));
    const report = await engine.tick();
    expect(report.published.map((n) => n.kind)).toEqual(['escalate']);

    expect(sns.publishes).toHaveLength(2);
    const key = `${report.published[0]?.incidentId}:escalate`;
    expect(dedupKeys(sns)).toEqual([
      [key, key],
      [key, key],
    ]);
  });
});

/**
 * Notification → SNS Publish, asserted at the SDK boundary: topic per team, subject, JSON message with
 * console links, filterable attributes, errors handed to the engine, and the local printer (retries:
 * test/adapters/retry.test.ts).
 */
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalNotifier } from '../../shared/adapters/local-notifier.ts';
import { consoleLinks, type SnsNotifier, UnknownTeamError } from '../../shared/adapters/sns-notifier.ts';
import type { Notification, VantageNotice } from '../../shared/ports/notifier.ts';
import { CONSOLE_LINKS as LINKS, mockedSnsNotifier } from '../fixtures/mocked-aws.ts';

const NETWORK_TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team';

const escalation: Notification = {
  kind: 'escalate',
  at: '2026-03-01T12:10:00.000Z',
  team: 'network-team',
  issueType: 'dns',
  scope: 'global',
  impact: 'service-wide',
  severity: 'high',
  monitorId: 'dns-example-com',
  incidentId: 'dns-example-com:dns:2026-03-01T12:01:00.000Z',
  locations: { failing: ['ap-southeast-1', 'eu-west-1', 'us-east-1'], healthy: [] },
  firstSeen: '2026-03-01T12:00:00.000Z',
  errorCodes: ['DNS_TIMEOUT', 'DNS_SERVFAIL'],
  diagnosis: 'The resolver 1.1.1.1:53 does not answer from 3 regions; the system resolver does.',
  subject: '[high] dns-example-com: dns failure in 3 locations since 12:00Z',
};

const sns = mockClient(SNSClient);

function notifier(topicArns: Record<string, string> = { 'network-team': NETWORK_TOPIC }): SnsNotifier {
  return mockedSnsNotifier(topicArns);
}

beforeEach(() => {
  sns.reset();
});

const metricLink =
  "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#metricsV2?graph=~()&query=~'" +
  '*7BNetprobe*2CMonitor*2CProbe*2CRegion*7D*20Monitor*3D*22dns-example-com*22';
const dashboardLink =
  'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/netprobe';

describe('SnsNotifier', () => {
  it("publishes one exact message to the team's topic", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await notifier().publish(escalation);

    const expectedMessage = {
      kind: 'escalate',
      subject: escalation.subject,
      monitor: 'dns-example-com',
      issueType: 'dns',
      scope: 'global',
      impact: 'service-wide',
      team: 'network-team',
      severity: 'high',
      incidentId: escalation.incidentId,
      dedupKey: `${escalation.incidentId}:escalate`,
      at: '2026-03-01T12:10:00.000Z',
      firstSeen: '2026-03-01T12:00:00.000Z',
      locations: { failing: ['ap-southeast-1', 'eu-west-1', 'us-east-1'], healthy: [] },
      errorCodes: ['DNS_TIMEOUT', 'DNS_SERVFAIL'],
      diagnosis: escalation.diagnosis,
      links: { metric: metricLink, dashboard: dashboardLink },
    };
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: NETWORK_TOPIC,
      Subject: '[high] dns-example-com: dns failure in 3 locations since 12:00Z',
      Message: JSON.stringify(expectedMessage, null, 2),
      MessageAttributes: {
        team: { DataType: 'String', StringValue: 'network-team' },
        issueType: { DataType: 'String', StringValue: 'dns' },
        severity: { DataType: 'String', StringValue: 'high' },
        kind: { DataType: 'String', StringValue: 'escalate' },
        dedupKey: { DataType: 'String', StringValue: `${escalation.incidentId}:escalate` },
        scope: { DataType: 'String', StringValue: 'global' },
      },
    });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(Object.keys(input ?? {}).sort()).toEqual(['Message', 'MessageAttributes', 'Subject', 'TopicArn']);
    expect(JSON.parse(input?.Message ?? '')).toEqual(expectedMessage);
  });

  it('carries the reason of a resolution and keeps any subject within 100 printable ASCII characters', async () => {
    sns.on(PublishCommand).resolves({});
    const resolve: Notification = {
      ...escalation,
      kind: 'resolve',
      reason: 'superseded',
      supersededBy: 'dns-example-com:connectivity:2026-03-01T12:12:00.000Z',
      subject: `[superseded] ${'très-long-monitor-'.repeat(10)}: dns incident is now connectivity`,
    };
    await notifier().publish(resolve);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toHaveLength(100);
    expect(input?.Subject).toMatch(/^[\x20-\x7e]+$/);
    expect(input?.Subject?.endsWith('...')).toBe(true);
    const message = JSON.parse(input?.Message ?? '');
    expect(message.reason).toBe('superseded');
    expect(message.supersededBy).toBe(resolve.supersededBy);
    expect(input?.MessageAttributes?.kind?.StringValue).toBe('resolve');
    expect(input?.MessageAttributes?.dedupKey?.StringValue).toBe(`${escalation.incidentId}:resolve`);
    expect(message.dedupKey).toBe(`${escalation.incidentId}:resolve`);
  });

  it("throws the client's error (after the client's own retries) so the engine keeps the page in its outbox", async () => {
    const throttled = new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
    sns.on(PublishCommand).rejects(throttled);
    await expect(notifier().publish(escalation)).rejects.toBe(throttled);
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);
  });

  it('names the team and the teams it knows when a team has no topic', async () => {
    await expect(
      notifier({ 'cdn-team': 'arn:aws:sns:us-east-1:1:netprobe-cdn-team' }).publish(escalation),
    ).rejects.toThrow(
      new UnknownTeamError('no SNS topic for team "network-team" (TOPIC_ARNS has: cdn-team)'),
    );
    expect(sns).not.toReceiveCommand(PublishCommand);
  });
});

const notice: VantageNotice = {
  kind: 'impaired',
  at: '2026-03-01T12:07:00.000Z',
  team: 'infrastructure-team',
  location: 'ap-southeast-1',
  since: '2026-03-01T12:05:00.000Z',
  dedupKey: 'ap-southeast-1:impaired:2026-03-01T12:05:00.000Z',
  subject: '[impaired] probe region ap-southeast-1: its failures are not paged',
};

describe('consoleLinks', () => {
  it('point at the home region: the metric search of the monitor and the dashboard', () => {
    expect(consoleLinks('dns-example-com', LINKS)).toEqual({ metric: metricLink, dashboard: dashboardLink });
  });
});

describe('LocalNotifier', () => {
  it('prints what SNS would receive: team, subject, attributes and the JSON message', async () => {
    let printed = '';
    await new LocalNotifier({ write: (text: string) => (printed += text) }, { links: LINKS }).publish(
      escalation,
    );
    const [head, attributes, ...message] = printed.trimEnd().split('\n');
    expect(head).toBe(
      'escalate → network-team: [high] dns-example-com: dns failure in 3 locations since 12:00Z',
    );
    expect(attributes).toBe(
      `  attributes: team=network-team issueType=dns severity=high kind=escalate dedupKey=${escalation.incidentId}:escalate scope=global`,
    );
    expect(JSON.parse(message.join('\n')).links.dashboard).toBe(dashboardLink);
  });

  it("prints a probe region's notice as the operators' topic would receive it", async () => {
    let printed = '';
    await new LocalNotifier({ write: (text: string) => (printed += text) }, { links: LINKS }).publishNotice(
      notice,
    );
    const [head, attributes, ...message] = printed.trimEnd().split('\n');
    expect(head).toBe(`impaired → infrastructure-team: ${notice.subject}`);
    expect(attributes).toBe(
      `  attributes: kind=impaired team=infrastructure-team location=ap-southeast-1 dedupKey=${notice.dedupKey}`,
    );
    expect(JSON.parse(message.join('\n'))).toEqual(notice);
  });
});

describe('SnsNotifier.publishNotice (a sick probe region)', () => {
  const INFRA_TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-infrastructure-team';

  it("publishes to the operators' topic with kind, team, location and dedupKey, no severity", async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await notifier({ 'infrastructure-team': INFRA_TOPIC }).publishNotice(notice);
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: INFRA_TOPIC,
      Subject: notice.subject,
      Message: JSON.stringify(notice, null, 2),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'impaired' },
        team: { DataType: 'String', StringValue: 'infrastructure-team' },
        location: { DataType: 'String', StringValue: 'ap-southeast-1' },
        dedupKey: { DataType: 'String', StringValue: 'ap-southeast-1:impaired:2026-03-01T12:05:00.000Z' },
      },
    });
  });

  it('refuses an operators team without a topic', async () => {
    await expect(notifier().publishNotice(notice)).rejects.toBeInstanceOf(UnknownTeamError);
    expect(sns).toReceiveCommandTimes(PublishCommand, 0);
  });
});

/**
 * Chat channels and on-call forwarders in the home stack: a Standard chat topic per team with Slack
 * or Teams channels, Chatbot configurations on it, the chat forwarder between the team topic and the
 * chat topic, one forwarder per PagerDuty and webhook subscription with its secret's read grant, the
 * undelivered-pages queue and its alarm; cdk-nag finds nothing unacknowledged.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/netprobe-app.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { testConfig } from './fixtures/config.ts';
import { buildTestApp, policyStatements, resourcesOf, synthTestApp, type TestApp } from './helpers.ts';

const SUBSCRIPTIONS: NetprobeConfig['subscriptions'] = {
  'network-team': [
    { protocol: 'email', endpoint: 'noc@example.com' },
    { protocol: 'slack', workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
    {
      protocol: 'teams',
      tenantId: '11111111-2222-3333-4444-555555555555',
      teamId: '66666666-7777-8888-9999-000000000000',
      channelId: '19:abcDEF123@thread.tacv2',
    },
  ],
  'infrastructure-team': [
    {
      protocol: 'pagerduty',
      routingKeySecret: 'netprobe/pagerduty/infra',
      eventsUrl: 'https://events.eu.pagerduty.com/v2/enqueue',
    },
    {
      protocol: 'webhook',
      url: 'https://hooks.example.com/netprobe',
      secretName: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:netprobe/webhook-AbCdEf',
    },
  ],
};

// One synth for the assertions (slow on a busy machine); the SNS-only and nag cases build their own.
let app: TestApp;
beforeAll(() => {
  app = synthTestApp(testConfig({ subscriptions: SUBSCRIPTIONS }));
}, 120_000);
afterAll(() => app.dispose());

describe('on-call integrations in netprobe-home', () => {
  it('builds a Standard chat topic, Chatbot channels and the chat forwarder for a team with Slack and Teams', () => {
    const topics = resourcesOf(app.home, 'AWS::SNS::Topic').map(([, p]) => p);
    const chat = topics.find((p) => p.TopicName === 'netprobe-network-team-chat');
    expect(chat).toBeDefined();
    expect(chat?.FifoTopic).toBeUndefined();
    expect(chat?.KmsMasterKeyId).toBeDefined();

    app.home.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'netprobe-network-team-slack-0',
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0456EFGH',
      SnsTopicArns: [Match.anyValue()],
    });
    expect(JSON.stringify(resourcesOf(app.home, 'AWS::Chatbot::SlackChannelConfiguration'))).toContain(
      ':iam::aws:policy/AWSDenyAll',
    );
    app.home.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: 'netprobe-network-team-teams-1',
      TeamsTenantId: '11111111-2222-3333-4444-555555555555',
      TeamId: '66666666-7777-8888-9999-000000000000',
      TeamsChannelId: '19%3AabcDEF123%40thread.tacv2',
    });
    app.home.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'netprobe-chat-forwarder',
      Environment: { Variables: Match.objectLike({ CHAT_TOPICS: Match.anyValue() }) },
    });
    // The email subscription stays an SNS subscription; the chat forwarder is a Lambda one.
    const protocols = resourcesOf(app.home, 'AWS::SNS::Subscription').map(([, p]) => p.Protocol);
    expect(protocols.filter((p) => p === 'email')).toHaveLength(1);
    expect(protocols.filter((p) => p === 'lambda')).toHaveLength(3);
  });

  it('builds one forwarder per PagerDuty and webhook subscription, each reading only its own secret', () => {
    const forwarders = resourcesOf(app.home, 'AWS::Lambda::Function')
      .map(([, p]) => (p.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {})
      .filter((v) => v.TARGET_URL !== undefined);
    expect(forwarders.map((v) => [v.TARGET_URL, v.SECRET_ID])).toEqual([
      ['https://events.eu.pagerduty.com/v2/enqueue', 'netprobe/pagerduty/infra'],
      [
        'https://hooks.example.com/netprobe',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:netprobe/webhook-AbCdEf',
      ],
    ]);
    const secretReads = policyStatements(app.home).filter((s) =>
      (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('secretsmanager:GetSecretValue'),
    );
    expect(JSON.stringify(secretReads)).toContain('secret:netprobe/pagerduty/infra-??????');
    expect(JSON.stringify(secretReads)).toContain('secret:netprobe/webhook-AbCdEf');
    app.home.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    app.home.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'netprobe-undelivered-pages' });
  });

  it('adds nothing for a config with SNS subscriptions only', () => {
    const plain = synthTestApp(testConfig());
    try {
      expect(resourcesOf(plain.home, 'AWS::Chatbot::SlackChannelConfiguration')).toEqual([]);
      expect(resourcesOf(plain.home, 'AWS::SQS::Queue').map(([, p]) => p.QueueName)).not.toContain(
        'netprobe-undelivered-pages',
      );
    } finally {
      plain.dispose();
    }
  }, 120_000);

  it('passes cdk-nag', () => {
    const built = buildTestApp(testConfig({ subscriptions: SUBSCRIPTIONS }));
    try {
      const report = addNagChecks(built.app).validateScope(built.app);
      expect(report.violations).toEqual([]);
    } finally {
      built.dispose();
    }
  }, 120_000);
});

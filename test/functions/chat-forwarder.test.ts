/**
 * chat-forwarder at the SNS SDK boundary: a page and its resolve become AWS Chatbot custom
 * notifications on the team's chat topic, threaded by the incident id; CloudWatch alarms pass
 * through as Chatbot reads them natively; a topic without a chat topic is skipped.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/chat-forwarder/handler.ts';
import { readChatTopics } from '../../functions/shared/env.ts';
import { publishInput } from '../../shared/adapters/sns-notifier.ts';
import type { Notification } from '../../shared/ports/notifier.ts';
import { CONSOLE_LINKS, MOCKED_CLIENT_CONFIG } from '../fixtures/mocked-aws.ts';
import { pageNotification } from '../fixtures/notifications.ts';
import { snsEvent } from '../fixtures/sns-events.ts';
import { captureLogger, lambdaContext } from './helpers.ts';

const TEAM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team';
const CHAT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team-chat';

const page = pageNotification();

const sns = mockClient(SNSClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'chat-1' });
});

const handler = () =>
  createHandler(
    { client: new SNSClient(MOCKED_CLIENT_CONFIG), chatTopics: { [TEAM_TOPIC]: CHAT_TOPIC } },
    { logger: captureLogger() },
  );
const messageOf = (n: Notification) => publishInput(n, TEAM_TOPIC, CONSOLE_LINKS).Message as string;
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe('chat-forwarder', () => {
  it('publishes a page as a Chatbot custom notification on the chat topic, threaded by incident id', async () => {
    await handler()(snsEvent(TEAM_TOPIC, messageOf(page)), lambdaContext());
    const [input] = published();
    expect(input?.TopicArn).toBe(CHAT_TOPIC);
    expect(JSON.parse(input?.Message ?? '{}')).toEqual({
      version: '1.0',
      source: 'custom',
      id: '20260301T120030Z-dns-a4abc0f3:escalate',
      content: {
        textType: 'client-markdown',
        title: page.subject,
        description: [
          '**high** dns incident on `dns-example-com` (service-wide)',
          '**Scope:** global, **failing in:** ap-southeast-1, eu-west-1, us-east-1',
          '**Healthy in:** none',
          '**Since:** 2026-03-01T12:00:00.120Z',
          '**Errors:** DNS_TIMEOUT',
          '',
          `**Diagnosis:** ${page.diagnosis}`,
          '',
          'Incident `20260301T120030Z-dns-a4abc0f3`, team network-team',
        ].join('\n'),
        nextSteps: [
          'Open the [netprobe dashboard](https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/netprobe)',
          expect.stringMatching(
            /^Browse the \[metrics of dns-example-com\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\/.*#metricsV2/,
          ),
        ],
        keywords: ['high', 'dns', 'global', 'network-team', 'escalate'],
      },
      metadata: {
        threadId: '20260301T120030Z-dns-a4abc0f3',
        summary: page.subject,
        eventType: 'netprobe.page',
        relatedResources: ['dns-example-com'],
        additionalContext: {
          team: 'network-team',
          issueType: 'dns',
          severity: 'high',
          scope: 'global',
          dedupKey: '20260301T120030Z-dns-a4abc0f3:escalate',
        },
        enableCustomActions: false,
      },
    });
  });

  it('threads the resolve under its page', async () => {
    const resolve: Notification = {
      ...page,
      kind: 'resolve',
      reason: 'recovered',
      subject: '[resolved] dns-example-com: dns incident recovered after 12 min',
    };
    await handler()(snsEvent(TEAM_TOPIC, messageOf(resolve)), lambdaContext());
    const message = JSON.parse(published()[0]?.Message ?? '{}');
    expect(message.metadata.threadId).toBe(page.incidentId);
    expect(message.metadata.eventType).toBe('netprobe.resolve');
    expect(message.content.description.split('\n')[0]).toBe(
      '**resolved** dns incident on `dns-example-com` is over (recovered)',
    );
  });

  it('passes a CloudWatch alarm notification through unchanged and skips what it cannot route', async () => {
    const alarm = JSON.stringify({
      AlarmName: 'netprobe-dns-example-com-availability',
      NewStateValue: 'ALARM',
    });
    await handler()(snsEvent(TEAM_TOPIC, alarm), lambdaContext());
    expect(published()).toEqual([{ TopicArn: CHAT_TOPIC, Message: alarm }]);
    const summary = await handler()(
      snsEvent('arn:aws:sns:us-east-1:123456789012:netprobe-cdn-team', alarm),
      lambdaContext(),
    );
    expect(summary.skipped[0]?.reason).toMatch(
      /^no chat topic for arn:aws:sns:us-east-1:123456789012:netprobe-cdn-team/,
    );
    expect(published()).toHaveLength(1);
  });

  it('names CHAT_TOPICS when it is missing, not a JSON object, or maps something that is not a topic', () => {
    expect(() => readChatTopics({})).toThrow('environment: CHAT_TOPICS is not set');
    expect(() => readChatTopics({ CHAT_TOPICS: '[]' })).toThrow(
      'environment: CHAT_TOPICS must be a JSON object of topic ARN → topic ARN',
    );
    expect(() => readChatTopics({ CHAT_TOPICS: JSON.stringify({ 'network-team': CHAT_TOPIC }) })).toThrow(
      'environment: CHAT_TOPICS["network-team"]: "network-team" is not an SNS topic ARN',
    );
    expect(readChatTopics({ CHAT_TOPICS: JSON.stringify({ [TEAM_TOPIC]: CHAT_TOPIC }) })).toEqual({
      [TEAM_TOPIC]: CHAT_TOPIC,
    });
  });
});

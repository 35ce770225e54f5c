/**
 * chat-forwarder: subscribed to the team topics that have Slack or Teams channels, it republishes
 * each page and resolve to the team's chat topic (`netprobe-<team>-chat`) as an AWS Chatbot custom
 * notification (shared/integrations/chatbot.ts), `threadId` = the incident id. CloudWatch alarm
 * notifications go through unchanged (Chatbot formats those itself). CHAT_TOPICS maps each team
 * topic ARN to its chat topic ARN. Wire format: docs/integrations.md#slack-and-microsoft-teams.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { chatbotNotification } from '../../shared/integrations/chatbot.ts';
import { readTopicMessage } from '../../shared/integrations/topic-message.ts';
import { ownRegionClientConfig, withLoggedRetries } from '../shared/aws/client-options.ts';
import { readChatTopics } from '../shared/env.ts';
import { logInvocation } from '../shared/invocation.ts';
import { type DepsSource, type FunctionRuntime, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';

export interface ChatForwarderDeps {
  client: SNSClient;
  /** Team topic ARN → chat topic ARN. */
  chatTopics: Readonly<Record<string, string>>;
}

export interface ChatSummary {
  published: { messageId: string; chatTopicArn: string }[];
  skipped: { messageId: string; reason: string }[];
}

/** The Publish to the chat topic for one team topic message, or why there is none. */
export function chatPublish(
  record: SNSEvent['Records'][number],
  chatTopics: Readonly<Record<string, string>>,
): PublishCommandInput | { skip: string } {
  const TopicArn = chatTopics[record.Sns?.TopicArn ?? ''];
  if (!TopicArn) return { skip: `no chat topic for ${record.Sns?.TopicArn} (CHAT_TOPICS)` };
  const message = readTopicMessage(record.Sns?.Message ?? '');
  switch (message.type) {
    case 'page':
      return { TopicArn, Message: JSON.stringify(chatbotNotification(message.page)) };
    case 'alarm':
      return { TopicArn, Message: record.Sns.Message };
    case 'other':
      return { skip: message.reason };
  }
}

export function createHandler(source: DepsSource<ChatForwarderDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup('chat-forwarder', source, options);
  return middy<SNSEvent, ChatSummary>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(time.middleware())
    .use(
      logInvocation<SNSEvent, ChatSummary>(logger, {
        describeEvent: (event) => ({ records: event.Records?.length ?? 0 }),
        describeResult: (summary) => ({
          published: summary.published.length,
          skipped: summary.skipped.length,
        }),
      }),
    )
    .handler(async (event) => {
      const { client, chatTopics } = deps();
      const summary: ChatSummary = { published: [], skipped: [] };
      for (const record of event.Records ?? []) {
        const messageId = record.Sns?.MessageId ?? '';
        const publish = chatPublish(record, chatTopics);
        if ('skip' in publish) {
          logger.warn('message skipped', { messageId, reason: publish.skip });
          summary.skipped.push({ messageId, reason: publish.skip });
          continue;
        }
        // A failed Publish throws: Lambda's asynchronous retries send it again.
        await client.send(new PublishCommand(publish));
        summary.published.push({ messageId, chatTopicArn: publish.TopicArn ?? '' });
      }
      return summary;
    });
}

/** The Lambda's: CHAT_TOPICS, and an SNS client of the function's own region (the home region, like the topics). */
export function defaultDeps(runtime: FunctionRuntime): ChatForwarderDeps {
  return {
    client: withLoggedRetries(new SNSClient(ownRegionClientConfig(runtime)), runtime),
    chatTopics: readChatTopics(),
  };
}

export const handler = createHandler(defaultDeps);

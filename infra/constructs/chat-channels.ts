import { Stack } from 'aws-cdk-lib';
import { CfnMicrosoftTeamsChannelConfiguration, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ChatSubscriptionConfig } from '../../shared/config/types.ts';
import { chatTopicName, FUNCTION_NAMES, NAME_PREFIX } from '../naming.ts';
import { ProbeFunction } from './probe-function.ts';
import type { TeamTopics } from './team-topics.ts';

export interface ChatChannelsProps {
  readonly topics: TeamTopics;
  /** The config's `slack` and `teams` subscriptions per team. */
  readonly subscriptions: Readonly<Record<string, readonly ChatSubscriptionConfig[]>>;
  /** functions/chat-forwarder/handler.ts */
  readonly entry: string;
  /** Where an invocation goes once Lambda's own retries are spent too. */
  readonly onFailure: IDestination;
}

/** Chatbot keeps a Teams channel id URL-encoded (`19%3a…%40thread.tacv2`); the config takes it as Teams shows it. */
function teamsChannelId(channelId: string): string {
  return channelId.includes(':') ? encodeURIComponent(channelId) : channelId;
}

/**
 * Pages in Slack and Microsoft Teams through AWS Chatbot: per team with chat subscriptions, a
 * Standard topic `netprobe-<team>-chat` (Chatbot subscribes over HTTPS, which FIFO topics cannot
 * deliver to) encrypted with the team topics' key, one Chatbot channel configuration per
 * subscription, and one chat-forwarder Lambda on the team topics that turns each page and resolve
 * into a Chatbot custom notification on the chat topic (docs/integrations.md). The channels' role
 * may do nothing (AWSDenyAll guardrail): the channels only receive.
 */
export class ChatChannels extends Construct {
  readonly chatTopics = new Map<string, Topic>();
  readonly forwarder: ProbeFunction;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const role = new Role(this, 'ChannelRole', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: `AWS Chatbot channels of ${NAME_PREFIX}: receive pages, run nothing`,
    });
    const guardrail = ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll');
    const routes: Record<string, string> = {};

    for (const [team, subscriptions] of Object.entries(props.subscriptions)) {
      if (subscriptions.length === 0) continue;
      const teamTopic = props.topics.topicFor(team, `subscriptions.${team}`);
      const chatTopic = new Topic(this, `${team}-chat`, {
        topicName: chatTopicName(team),
        displayName: `netprobe ${team} chat`,
        masterKey: props.topics.key,
        enforceSSL: true,
      });
      this.chatTopics.set(team, chatTopic);
      routes[teamTopic.topicArn] = chatTopic.topicArn;
      subscriptions.forEach((subscription, index) => {
        const name = `${NAME_PREFIX}-${team}-${subscription.protocol}-${index}`.slice(0, 128);
        if (subscription.protocol === 'slack') {
          new SlackChannelConfiguration(this, `${team}-slack-${index}`, {
            slackChannelConfigurationName: name,
            slackWorkspaceId: subscription.workspaceId,
            slackChannelId: subscription.channelId,
            notificationTopics: [chatTopic],
            role,
            guardrailPolicies: [guardrail],
          });
        } else {
          new CfnMicrosoftTeamsChannelConfiguration(this, `${team}-teams-${index}`, {
            configurationName: name,
            teamsTenantId: subscription.tenantId,
            teamId: subscription.teamId,
            teamsChannelId: teamsChannelId(subscription.channelId),
            snsTopicArns: [chatTopic.topicArn],
            iamRoleArn: role.roleArn,
            guardrailPolicies: [guardrail.managedPolicyArn],
          });
        }
      });
    }

    this.forwarder = new ProbeFunction(this, 'Forwarder', {
      entry: props.entry,
      functionName: FUNCTION_NAMES.chatForwarder,
      description: 'Turns netprobe pages into AWS Chatbot notifications on the teams’ chat topics',
      settings: { memoryMb: 256, timeoutSeconds: 30 },
      environment: { CHAT_TOPICS: Stack.of(this).toJsonString(routes) },
      retryAttempts: 2,
      onFailure: props.onFailure,
    });
    this.forwarder.addToRolePolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        resources: [...this.chatTopics.values()].map((topic) => topic.topicArn),
      }),
    );
    this.forwarder.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.topics.key.keyArn],
      }),
    );
    for (const team of this.chatTopics.keys()) {
      props.topics.topicFor(team).addSubscription(new LambdaSubscription(this.forwarder));
    }
  }
}

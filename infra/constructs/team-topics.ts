import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IRuleTarget, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, type ITopicSubscription, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SnsSubscriptionConfig } from '../../shared/config/types.ts';
import { ALARM_PREFIX, NAME_PREFIX, topicName } from '../naming.ts';

export interface TeamTopicsProps {
  /** Every team that can be paged: the escalation table's teams and the monitors' own `team`. */
  readonly teams: readonly string[];
  /**
   * Topics that only CloudWatch alarms publish to (`alarms`: netprobe-alarms). Named and subscribed
   * like a team's, but left out of the escalator's grant and TOPIC_ARNS. @default none
   */
  readonly alarmsOnly?: readonly string[];
  /**
   * The config's SNS-delivered subscriptions (email, https, sqs) per team. A team with none gets a
   * topic without such subscribers; chat channels and forwarders subscribe in their own constructs.
   */
  readonly subscriptions?: Readonly<Record<string, readonly SnsSubscriptionConfig[]>>;
}

/** SNS topic names allow 256 characters of [A-Za-z0-9_-]; the `netprobe-` prefix takes nine. */
const TEAM_NAME = /^[A-Za-z0-9_-]{1,247}$/;

/**
 * One SNS topic per team (`netprobe-<team>`), encrypted with one customer-managed KMS key. The key is
 * customer-managed because the AWS-managed SNS key's policy admits neither CloudWatch alarms nor
 * EventBridge, and both publish here: alarms under the netprobe alarm names, EventBridge only for the
 * rules given a ruleTarget (each grant, on the topic and on the key, conditioned on the rule's ARN).
 * Topics refuse plain-HTTP publishing (enforceSSL).
 */
export class TeamTopics extends Construct {
  readonly key: Key;
  private readonly topics = new Map<string, Topic>();
  /** The topics the escalator pages: every topic but the alarms-only ones. */
  private readonly pagedTopics = new Map<string, Topic>();

  constructor(scope: Construct, id: string, props: TeamTopicsProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `Encrypts the ${NAME_PREFIX} team topics`,
      alias: `alias/${NAME_PREFIX}-topics`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowNetprobeAlarmsToPublishEncrypted',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        // As the SNS guide lists them for AWS services that publish to encrypted topics.
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    const alarmsOnly = new Set(props.alarmsOnly ?? []);
    for (const team of new Set([...props.teams, ...alarmsOnly])) {
      if (!TEAM_NAME.test(team)) {
        throw new Error(`team "${team}": a team name becomes an SNS topic name, use 1-247 of [A-Za-z0-9_-]`);
      }
      const topic = new Topic(this, team, {
        topicName: topicName(team),
        displayName: `netprobe ${team}`,
        masterKey: this.key,
        enforceSSL: true,
      });
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowNetprobeAlarms',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnLike: {
              'aws:SourceArn': Stack.of(this).formatArn({
                service: 'cloudwatch',
                resource: 'alarm',
                resourceName: `${ALARM_PREFIX}*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
      );
      this.topics.set(team, topic);
      if (!alarmsOnly.has(team)) this.pagedTopics.set(team, topic);
    }

    for (const [team, subscriptions] of Object.entries(props.subscriptions ?? {})) {
      const topic = this.topicFor(team, `subscriptions.${team}`);
      subscriptions.forEach((subscription, index) => {
        topic.addSubscription(this.subscriptionOf(subscription, `${team}Subscriber${index}`));
      });
    }
  }

  /** The teams the escalator pages (the alarms-only topics are no team). */
  get teams(): string[] {
    return [...this.pagedTopics.keys()];
  }

  /** @param where names the config entry that asked, for the error message */
  topicFor(team: string, where = 'team'): ITopic {
    const topic = this.topics.get(team);
    if (!topic) {
      throw new Error(`${where}: no SNS topic for team "${team}" (teams: ${this.teams.join(', ')})`);
    }
    return topic;
  }

  /**
   * An EventBridge target publishing to a team's topic for the rule named `ruleName`. Unlike
   * aws-events-targets' SnsTopic, whose grants let any rule publish, the topic policy and the key
   * policy admit events.amazonaws.com for that rule only (aws:SourceArn, built from the rule's fixed
   * name so the key does not depend on the rule that depends on the topic) and this account.
   */
  ruleTarget(team: string, ruleName: string, message?: RuleTargetInput): IRuleTarget {
    const topic = this.topics.get(team);
    if (!topic)
      throw new Error(`ruleTarget: no SNS topic for team "${team}" (teams: ${this.teams.join(', ')})`);
    const sid = `AllowEventBridgeRule${ruleName.replace(/[^A-Za-z0-9]/g, '')}`;
    const conditions = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnEquals: {
        'aws:SourceArn': Stack.of(this).formatArn({
          service: 'events',
          resource: 'rule',
          resourceName: ruleName,
        }),
      },
    };
    const events = new ServicePrincipal('events.amazonaws.com');
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid,
        principals: [events],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions,
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid,
        principals: [events],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
    return {
      bind: () => ({ arn: topic.topicArn, ...(message ? { input: message } : {}), targetResource: topic }),
    };
  }

  /** sns:Publish on the team topics only (not the alarms-only ones), plus the two KMS actions publishing to an encrypted topic needs. */
  grantPublish(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        resources: [...this.pagedTopics.values()].map((topic) => topic.topicArn),
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn] }),
    );
  }

  private subscriptionOf(subscription: SnsSubscriptionConfig, id: string): ITopicSubscription {
    switch (subscription.protocol) {
      case 'email':
        return new EmailSubscription(subscription.endpoint);
      case 'https':
        return new UrlSubscription(subscription.endpoint);
      case 'sqs':
        // The queue belongs to the subscriber: its own policy must let this topic send (docs/deploy.md).
        return new SqsSubscription(Queue.fromQueueArn(this, id, subscription.endpoint));
    }
  }

  /** `{"<team>": "<topic arn>"}` for the escalator's TOPIC_ARNS variable. */
  topicArnsJson(): string {
    const arns = Object.fromEntries([...this.pagedTopics].map(([team, topic]) => [team, topic.topicArn]));
    return Stack.of(this).toJsonString(arns);
  }
}

import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ForwarderSubscriptionConfig } from '../../shared/config/types.ts';
import type { FunctionEntries } from '../entries.ts';
import { ProbeFunction } from './probe-function.ts';
import type { TeamTopics } from './team-topics.ts';

export interface OnCallForwardersProps {
  readonly topics: TeamTopics;
  /** The config's `pagerduty` and `webhook` subscriptions per team. */
  readonly subscriptions: Readonly<Record<string, readonly ForwarderSubscriptionConfig[]>>;
  readonly entries: Pick<FunctionEntries, 'pagerdutyForwarder' | 'webhookForwarder'>;
  /** Where an invocation goes once Lambda's own retries are spent too. */
  readonly onFailure: IDestination;
}

/**
 * Time for 4 attempts of at most 10 s and the 1 + 5 + 25 s between them (shared/integrations/
 * delivery.ts), with room to spare; an attempt never starts that this timeout would cut.
 */
const FORWARDER_TIMEOUT_SECONDS = 75;

/** A secret named by name or by ARN (partial or complete), for a read grant. */
function secretRef(scope: Construct, id: string, nameOrArn: string): ISecret {
  return nameOrArn.startsWith('arn:')
    ? Secret.fromSecretPartialArn(scope, id, nameOrArn)
    : Secret.fromSecretNameV2(scope, id, nameOrArn);
}

/**
 * One forwarder Lambda per `pagerduty` and `webhook` subscription, subscribed to its team's topic:
 * the Events API v2 for PagerDuty, a signed POST for a webhook (docs/integrations.md). Each may read
 * its own secret and nothing else. A failed delivery is retried by the function (1 s, 5 s, 25 s),
 * then by Lambda (2 more invocations), then lands in the undelivered-pages queue.
 */
export class OnCallForwarders extends Construct {
  readonly functions: ProbeFunction[] = [];

  constructor(scope: Construct, id: string, props: OnCallForwardersProps) {
    super(scope, id);
    for (const [team, subscriptions] of Object.entries(props.subscriptions)) {
      const topic = props.topics.topicFor(team, `subscriptions.${team}`);
      subscriptions.forEach((subscription, index) => {
        const pagerduty = subscription.protocol === 'pagerduty';
        const fnId = `${team}-${subscription.protocol}-${index}`;
        const secretId = pagerduty ? subscription.routingKeySecret : subscription.secretName;
        const fn = new ProbeFunction(this, fnId, {
          entry: pagerduty ? props.entries.pagerdutyForwarder : props.entries.webhookForwarder,
          // A generated name: a team may have several forwarders, and names are capped at 64 characters.
          description: `Forwards ${team}'s netprobe pages to ${pagerduty ? 'PagerDuty' : 'a signed webhook'} (subscriptions.${team}[${index}])`,
          settings: { memoryMb: 256, timeoutSeconds: FORWARDER_TIMEOUT_SECONDS },
          environment: {
            TARGET_URL: pagerduty ? subscription.eventsUrl : subscription.url,
            SECRET_ID: secretId,
          },
          retryAttempts: 2,
          onFailure: props.onFailure,
        });
        secretRef(this, `${fnId}-secret`, secretId).grantRead(fn);
        topic.addSubscription(new LambdaSubscription(fn));
        this.functions.push(fn);
      });
    }
  }
}

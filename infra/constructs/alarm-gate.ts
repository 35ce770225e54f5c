import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ALARM_PREFIX, FUNCTION_NAMES, NAME_PREFIX } from '../naming.ts';
import type { FindingsTable } from './findings-table.ts';
import { grantTableAccess } from './grants.ts';
import { ProbeFunction } from './probe-function.ts';
import type { TeamTopics } from './team-topics.ts';

export interface AlarmGateProps {
  /** `netprobe-alarm-gate`: what the paging alarms notify (a TeamTopics alarms-only topic). */
  readonly topic: ITopic;
  /** The team topics it relays to (TOPIC_ARNS, as the escalator's). */
  readonly topics: TeamTopics;
  /** The silences it reads and the ledger it keeps. */
  readonly table: FindingsTable;
  readonly entry: string;
  /** TABLE_NAME, TABLE_REGION, METRICS_NAMESPACE, NETPROBE_REGION; TOPIC_ARNS is added here. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where an invocation goes once Lambda's retries are spent (netprobe-undelivered-pages, alarmed). */
  readonly onFailure: IDestination;
}

/** One SNS record per invocation and one ledger Query per tick: small and short is plenty. */
const GATE_SETTINGS = { memoryMb: 256, timeoutSeconds: 30 };

/**
 * The alarm gate (docs/deploy.md, "The alarm gate"): the `netprobe-alarm-gate` function, subscribed
 * to the gate topic the paging alarms notify and woken every minute (`netprobe-alarm-gate-tick`) to
 * page the alarms it held through a window that has ended. It may publish to the team topics, read
 * and write the table (silences, its ledger), and describe netprobe's alarms, nothing else. A
 * notification it could not relay after Lambda's retries (or a tick that kept failing) lands in
 * `onFailure`: the undelivered-pages queue, whose alarm tells netprobe's owners.
 */
export class AlarmGate extends Construct {
  readonly function: ProbeFunction;
  readonly tick: Rule;

  constructor(scope: Construct, id: string, props: AlarmGateProps) {
    super(scope, id);
    this.function = new ProbeFunction(this, 'Function', {
      entry: props.entry,
      functionName: FUNCTION_NAMES.alarmGate,
      description: 'Relays the paging alarms to their team unless a maintenance window or silence holds them',
      settings: GATE_SETTINGS,
      environment: { ...props.environment, TOPIC_ARNS: props.topics.topicArnsJson() },
      // SNS invokes asynchronously: a relay SNS refused is tried twice more.
      retryAttempts: 2,
      onFailure: props.onFailure,
    });
    grantTableAccess(this.function, props.table, 'gateAlarms');
    props.topics.grantPublish(this.function);
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: [
          Stack.of(this).formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: `${ALARM_PREFIX}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    Validations.of(this.function.executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${Stack.of(this).region}:<AWS::AccountId>:alarm:${ALARM_PREFIX}*]`,
      reason:
        'cloudwatch:DescribeAlarms on netprobe’s own alarms (named netprobe-*), the ones the gate holds.',
    });
    props.topic.addSubscription(new LambdaSubscription(this.function));

    this.tick = new Rule(this, 'Tick', {
      ruleName: `${NAME_PREFIX}-alarm-gate-tick`,
      description: 'Pages the alarms the gate held through a maintenance window or silence that has ended',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.function, { maxEventAge: Duration.minutes(1), retryAttempts: 2 })],
    });
  }
}

import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '../../shared/adapters/table-design.ts';
import type { LambdaSettings } from '../../shared/config/types.ts';
import { FUNCTION_ENTRIES } from '../entries.ts';
import { FUNCTION_NAMES, NAME_PREFIX } from '../naming.ts';
import type { FindingsTable } from './findings-table.ts';
import { grantTableAccess } from './grants.ts';
import { ProbeFunction } from './probe-function.ts';
import type { TeamTopics } from './team-topics.ts';

export interface EscalationRouterProps {
  readonly table: FindingsTable;
  readonly topics: TeamTopics;
  readonly settings: LambdaSettings;
  /** TABLE_NAME, TABLE_REGION, METRICS_NAMESPACE, NETPROBE_REGION; TOPIC_ARNS is added here. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default functions/escalator/handler.ts */
  readonly entry?: string;
  /** How often the time-based pass runs (escalate incidents that have lasted their table time). @default 1 minute */
  readonly tickEvery?: Duration;
  /** @default ProbeFunction's default */
  readonly logRetention?: RetentionDays;
}

/**
 * The escalator and what feeds it: the findings table's stream (NEW_IMAGE) so an incident opens as
 * soon as a confirming finding lands, and a schedule for what only time reveals (an incident that
 * has now lasted its table time, a region that stopped failing). It may publish to the team topics
 * and nothing else. Stream batches it cannot process after its retries go to a dead-letter queue.
 */
export class EscalationRouter extends Construct {
  readonly function: ProbeFunction;
  readonly deadLetterQueue: Queue;
  readonly tick: Rule;

  constructor(scope: Construct, id: string, props: EscalationRouterProps) {
    super(scope, id);
    this.function = new ProbeFunction(this, 'Escalator', {
      entry: props.entry ?? FUNCTION_ENTRIES.escalator,
      functionName: FUNCTION_NAMES.escalator,
      description: 'Opens, escalates and resolves netprobe incidents; pages the team topics',
      settings: props.settings,
      environment: { ...props.environment, TOPIC_ARNS: props.topics.topicArnsJson() },
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    grantTableAccess(this.function, props.table, 'manageIncidents');
    props.topics.grantPublish(this.function);

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      queueName: `${NAME_PREFIX}-escalator-dead-letters`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the escalator’s stream source.',
    });

    this.function.addEventSource(
      new DynamoEventSource(props.table.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        // A poison record is isolated by halving the batch instead of blocking the shard.
        bisectBatchOnError: true,
        retryAttempts: 5,
        // Findings older than this can no longer open a timely incident; the schedule still sees them.
        maxRecordAge: Duration.hours(1),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetterQueue),
        // Only findings matter to the escalator: not its own incident writes, not latest-status
        // updates, not TTL deletions. Filtered records cost no invocation.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: {
              Keys: {
                [TABLE_DESIGN.sortKey.name]: {
                  S: FilterRule.beginsWith(TABLE_DESIGN.stream.findingSortKeyPrefix),
                },
              },
            },
          }),
        ],
      }),
    );
    // DynamoEventSource grants dynamodb:ListStreams on "*" (the action has no resource-level scope).
    Validations.of(this.function.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, granted by the stream event source, supports no resource ARN.',
    });

    this.tick = new Rule(this, 'Tick', {
      ruleName: `${NAME_PREFIX}-escalator-tick`,
      description: 'Escalates incidents that have lasted their table time and resolves recovered ones',
      schedule: Schedule.rate(props.tickEvery ?? Duration.minutes(1)),
      targets: [new LambdaFunction(this.function, { maxEventAge: Duration.minutes(1), retryAttempts: 2 })],
    });
  }
}

import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NAME_PREFIX } from '../naming.ts';
import type { AlarmActionStrategy } from './alarm-actions.ts';

export interface UndeliveredPagesProps {
  /** Who hears that a page did not reach PagerDuty, a webhook or a chat channel (netprobe's owners). */
  readonly actions: AlarmActionStrategy;
}

/**
 * Where the forwarders' failed invocations end up (PagerDuty, webhook or chat topic unreachable past
 * every retry), and the alarm gate's (a paging alarm it could not relay to its team topic): a queue
 * that keeps the event 14 days, for a look and a redrive, and an alarm as soon as one lands, because
 * a page in it reached nobody through that way.
 */
export class UndeliveredPages extends Construct {
  readonly queue: Queue;
  readonly destination: IDestination;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: UndeliveredPagesProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: `${NAME_PREFIX}-undelivered-pages`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the on-call forwarders and the alarm gate.',
    });
    this.destination = new SqsDestination(this.queue);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: `${NAME_PREFIX}-undelivered-pages`,
      alarmDescription:
        'A page or resolve did not reach PagerDuty, a webhook or a chat channel, or the alarm gate could not relay a paging alarm to its team topic, after every retry: see the netprobe-undelivered-pages queue, docs/integrations.md and docs/deploy.md.',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    props.actions.addActions(this.alarm);
  }
}

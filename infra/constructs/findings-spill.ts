import { Duration, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_DIMENSION, OPERATIONAL_METRICS } from '../../functions/shared/emf.ts';
import type { AlarmActionStrategy } from './alarm-actions.ts';
import { grantTableAccess, type TableAccessTarget } from './grants.ts';
import { ProbeFunction } from './probe-function.ts';

export interface FindingsSpillProps {
  /** The finding-rewriter's handler. */
  readonly entry: string;
  /** Physical name of the finding-rewriter (infra/naming.ts). */
  readonly functionName: string;
  /** TABLE_NAME, TABLE_REGION, METRICS_NAMESPACE, NETPROBE_REGION. */
  readonly environment: Readonly<Record<string, string>>;
  readonly table: TableAccessTarget;
  /** The config's namespace, where the functions count FindingsSpilled and FindingsLost (EMF). */
  readonly metricsNamespace: string;
  /** The functions that spill (short names, the EMF `Function` dimension → the function). */
  readonly spillers: Readonly<Record<string, ProbeFunction>>;
  /** Alarm names: `alarmName('findings-spilled')`. */
  readonly alarmName: (what: string) => string;
  /** @default none: the alarms' state changes are forwarded by an EventBridge rule instead (RunnerHealth) */
  readonly actions?: AlarmActionStrategy;
  /** Minutes a spilled message may wait before its alarm fires. @default 15 */
  readonly maxAgeMinutes?: number;
  readonly logRetention?: RetentionDays;
}

/** Deliveries of a message before it goes to the dead-letter queue. */
const MAX_RECEIVES = 5;
const REWRITER_TIMEOUT_SECONDS = 60;

/**
 * Where findings the table did not take in time wait to be written (docs/reliability.md): the spill
 * queue (SQS-encrypted, TLS only, 14 days), the finding-rewriter that drains it into the table, its
 * dead-letter queue for messages that still fail after MAX_RECEIVES deliveries, and the alarms:
 * findings spilled (the table is refusing writes), findings lost (neither stored nor spilled), a
 * spilled message waiting too long (the re-writer is not draining), a dead letter (not rewritten).
 * Each spiller gets SPILL_QUEUE_URL and sqs:SendMessage on this queue only.
 */
export class FindingsSpill extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rewriter: ProbeFunction;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: FindingsSpillProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the findings spill queue.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // AWS's advice for a Lambda source: six times the function's timeout.
      visibilityTimeout: Duration.seconds(6 * REWRITER_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    });

    this.rewriter = new ProbeFunction(this, 'Rewriter', {
      entry: props.entry,
      functionName: props.functionName,
      description: 'Writes the findings of the spill queue to the findings table',
      settings: { memoryMb: 256, timeoutSeconds: REWRITER_TIMEOUT_SECONDS },
      environment: props.environment,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    grantTableAccess(this.rewriter, props.table, 'writeFindings');
    this.rewriter.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    for (const fn of Object.values(props.spillers)) {
      this.queue.grantSendMessages(fn);
      fn.addEnvironment('SPILL_QUEUE_URL', this.queue.queueUrl);
    }

    const countOf = (metricName: string, functionName: string) =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { [FUNCTION_DIMENSION]: functionName },
        statistic: Stats.SUM,
        period: Duration.minutes(5),
      });
    const alarm = (what: string, metric: Metric, description: string, threshold = 1) => {
      const created = metric.createAlarm(this, what, {
        alarmName: props.alarmName(what),
        alarmDescription: description,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      props.actions?.addActions(created);
      this.alarms.push(created);
    };
    for (const name of Object.keys(props.spillers)) {
      alarm(
        `${name}-findings-spilled`,
        countOf(OPERATIONAL_METRICS.findingsSpilled, name),
        `${name} could not store findings in time and spilled them: the table is throttling or failing. They are written by ${props.functionName} within minutes.`,
      );
      alarm(
        `${name}-findings-lost`,
        countOf(OPERATIONAL_METRICS.findingsLost, name),
        `${name} could neither store nor spill findings: they are only in its log ("findings lost").`,
      );
    }
    alarm(
      'spill-waiting',
      this.queue.metricApproximateAgeOfOldestMessage({
        statistic: Stats.MAXIMUM,
        period: Duration.minutes(5),
      }),
      `A spilled finding has waited over ${props.maxAgeMinutes ?? 15} min: ${props.functionName} is not draining the spill queue.`,
      (props.maxAgeMinutes ?? 15) * 60,
    );
    alarm(
      'spill-dead-letters',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: Stats.MAXIMUM,
        period: Duration.minutes(5),
      }),
      `Spilled findings failed ${MAX_RECEIVES} times to be written and wait in the dead-letter queue: replay them once the cause is fixed (docs/reliability.md).`,
    );
  }
}

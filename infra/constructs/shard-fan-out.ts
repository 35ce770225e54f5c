import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_NAMES, NAME_PREFIX, regionAlarmName } from '../naming.ts';
import { ProbeFunction } from './probe-function.ts';

/** The dispatcher sends ~200 Invokes in about a second: small and short is plenty. */
const DISPATCHER_SETTINGS = { memoryMb: 256, timeoutSeconds: 30 };

export interface LostShardsProps {
  /** @default 14 days */
  readonly retention?: Duration;
}

/**
 * Where a shard's run goes when it cannot run (its function failed, or Lambda could not start it
 * within the runner's maximum event age): the shard event itself, with its monitor ids, kept 14 days
 * for a look. The runner's on-failure destination (docs/scale.md).
 *
 * Its alarm `netprobe-watchdog-runner-lost-shards-<region>` fires while any shard waits there: those
 * monitors missed an interval. Named like the region's other operational alarms, so RunnerHealth
 * forwards its state changes home and the Watchdog pages the operators with them.
 */
export class LostShards extends Construct {
  readonly queue: Queue;
  readonly destination: IDestination;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: LostShardsProps = {}) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: `${NAME_PREFIX}-lost-shards`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retention ?? Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the probe-runner shards.',
    });
    this.destination = new SqsDestination(this.queue);

    const region = Stack.of(this).region;
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: Duration.minutes(5) })
      .createAlarm(this, 'Alarm', {
        alarmName: regionAlarmName('lost-shards', region),
        alarmDescription:
          `A shard of probe-runner monitors in ${region} could not run and waits in ${NAME_PREFIX}-lost-shards: ` +
          'its monitors missed an interval. Read the shard events (monitor ids, error) and delete them once understood (docs/scale.md).',
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
  }
}

export interface ShardDispatcherProps {
  readonly entry: string;
  /** The probe-runner it fans a run out to: the only thing it may invoke. */
  readonly runner: IFunction;
  /** METRICS_NAMESPACE, NETPROBE_REGION and the rest of the functions' environment. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention?: RetentionDays;
}

/**
 * The probe-dispatcher: what the schedules wake. It cuts a run into shards of the runner's
 * concurrency and invokes the runner asynchronously once per shard. It may invoke that one function
 * (its ARN, no version wildcard) and nothing else: no table, no metrics API (its count goes out as
 * an EMF log line).
 */
export class ShardDispatcher extends Construct {
  readonly function: ProbeFunction;

  constructor(scope: Construct, id: string, props: ShardDispatcherProps) {
    super(scope, id);
    this.function = new ProbeFunction(this, 'Function', {
      entry: props.entry,
      functionName: FUNCTION_NAMES.probeDispatcher,
      description: 'Fans each scheduled netprobe run of this region out to probe-runner shards',
      settings: DISPATCHER_SETTINGS,
      environment: { ...props.environment, RUNNER_FUNCTION: props.runner.functionName },
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    this.function.executionRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.runner.functionArn] }),
    );
  }
}

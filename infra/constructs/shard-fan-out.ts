import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_NAMES, NAME_PREFIX } from '../naming.ts';
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
 */
export class LostShards extends Construct {
  readonly queue: Queue;
  readonly destination: IDestination;

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

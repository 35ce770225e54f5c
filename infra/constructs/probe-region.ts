import { Duration } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LambdaSettings, MonitorConfig, VpcSettings } from '../../shared/config/types.ts';
import { FUNCTION_ENTRIES, type FunctionEntries } from '../entries.ts';
import { FUNCTION_NAMES, NAME_PREFIX } from '../naming.ts';
import { grantMetricsPublish, grantTableAccess, type TableAccessTarget } from './grants.ts';
import { ProbeFunction } from './probe-function.ts';
import { distinctIntervals, probeSchedule } from './probe-schedule.ts';
import { placeInVpc } from './probe-vpc.ts';
import { LostShards, ShardDispatcher } from './shard-fan-out.ts';

export interface ProbeRegionProps {
  /** The monitors that run in this region (their `regions` name it). */
  readonly monitors: readonly MonitorConfig[];
  readonly runner: LambdaSettings;
  readonly api: LambdaSettings;
  /** TABLE_NAME, TABLE_REGION, METRICS_NAMESPACE, NETPROBE_REGION. */
  readonly environment: Readonly<Record<string, string>>;
  /** The findings table in the home region. */
  readonly table: TableAccessTarget;
  readonly metricsNamespace: string;
  /** @default the handlers under functions/ */
  readonly entries?: Pick<FunctionEntries, 'probeRunner' | 'probeDispatcher' | 'probeApi'>;
  /** @default ProbeFunction's default */
  readonly logRetention?: RetentionDays;
  /** The region's dual-stack subnets and security groups (config `vpc`). @default no VPC: IPv4 only */
  readonly vpc?: VpcSettings;
}

/**
 * Everything that probes from one region: the probe-dispatcher, woken by one EventBridge rule per
 * distinct monitor interval, the probe-runner it fans each run out to (one asynchronous invocation
 * per shard of the runner's concurrency, docs/scale.md), where a shard that cannot run goes, and the
 * probe-api for on-demand runs from this region (invoked directly:
 * `aws lambda invoke --region <region> --function-name netprobe-probe-api`).
 *
 * The dispatcher receives a scheduled event whose `detail` says which interval woke it:
 * `{"detail-type": "Scheduled Event", "source": "aws.events", "time": "…", "detail": {"intervalMinutes": 5}, …}`;
 * each shard's runner receives the same event with its shard and monitor ids added to `detail`.
 */
export class ProbeRegion extends Construct {
  readonly runner: ProbeFunction;
  readonly dispatcher: ShardDispatcher;
  readonly lostShards: LostShards;
  readonly api: ProbeFunction;
  readonly schedules: ReadonlyMap<number, Rule>;

  constructor(scope: Construct, id: string, props: ProbeRegionProps) {
    super(scope, id);
    const entries = props.entries ?? FUNCTION_ENTRIES;

    this.lostShards = new LostShards(this, 'LostShards');
    this.runner = new ProbeFunction(this, 'Runner', {
      entry: entries.probeRunner,
      functionName: FUNCTION_NAMES.probeRunner,
      description: 'Runs one shard of a scheduled netprobe run of this region',
      settings: props.runner,
      environment: props.environment,
      // A shard Lambda could not start within a minute (throttled), or whose run failed, is not
      // retried (a late run would probe its monitors twice in one interval): it lands here.
      maxEventAge: Duration.minutes(1),
      onFailure: this.lostShards.destination,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });
    grantMetricsPublish(this.runner, this.runner.executionRole, props.metricsNamespace);
    grantTableAccess(this.runner, props.table, 'writeFindings');
    this.dispatcher = new ShardDispatcher(this, 'Dispatcher', {
      entry: entries.probeDispatcher,
      runner: this.runner,
      environment: props.environment,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });

    this.api = probeApiFunction(this, 'Api', {
      entry: entries.probeApi,
      functionName: FUNCTION_NAMES.probeApi,
      settings: props.api,
      environment: props.environment,
      table: props.table,
      metricsNamespace: props.metricsNamespace,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
    });

    if (props.vpc !== undefined) {
      // Both probe: the scheduled runs and the on-demand ones reach the same targets.
      placeInVpc(this.runner, this.runner.executionRole, props.vpc);
      placeInVpc(this.api, this.api.executionRole, props.vpc);
    }

    const schedules = new Map<number, Rule>();
    for (const intervalMinutes of distinctIntervals(props.monitors)) {
      const rule = new Rule(this, `Every${intervalMinutes}m`, {
        ruleName: `${NAME_PREFIX}-runner-every-${intervalMinutes}m`,
        description: `Wakes the probe-dispatcher for the monitors that run every ${intervalMinutes} min`,
        schedule: probeSchedule(intervalMinutes),
      });
      rule.addTarget(
        new LambdaFunction(this.dispatcher.function, {
          event: scheduledEventWithInterval(intervalMinutes),
          // A run that starts more than a minute late is superseded by the next one.
          maxEventAge: Duration.minutes(1),
          retryAttempts: 2,
        }),
      );
      schedules.set(intervalMinutes, rule);
    }
    this.schedules = schedules;
  }
}

export interface ProbeApiFunctionProps {
  readonly entry: string;
  readonly functionName: string;
  readonly settings: LambdaSettings;
  readonly environment: Readonly<Record<string, string>>;
  readonly table: TableAccessTarget;
  readonly metricsNamespace: string;
  readonly logRetention?: RetentionDays;
}

/**
 * A probe-api function with what it needs: a run on demand writes its finding and publishes its
 * metrics like a scheduled one; reads serve findings and incidents. Used here per region, and by the
 * home stack behind the HTTP API.
 */
export function probeApiFunction(scope: Construct, id: string, props: ProbeApiFunctionProps): ProbeFunction {
  const fn = new ProbeFunction(scope, id, {
    entry: props.entry,
    functionName: props.functionName,
    description: 'Runs a netprobe monitor or an ad-hoc target on demand; reads findings and incidents',
    settings: props.settings,
    environment: props.environment,
    ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
  });
  grantMetricsPublish(fn, fn.executionRole, props.metricsNamespace);
  grantTableAccess(fn, props.table, 'runAndRead');
  return fn;
}

/** The scheduled event as EventBridge sends it, with the interval in `detail` (normally `{}`). */
function scheduledEventWithInterval(intervalMinutes: number): RuleTargetInput {
  return RuleTargetInput.fromObject({
    version: '0',
    id: EventField.eventId,
    'detail-type': EventField.detailType,
    source: EventField.source,
    account: EventField.account,
    time: EventField.time,
    region: EventField.region,
    detail: { intervalMinutes },
  });
}

import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { EventField, type IRuleTarget, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_DIMENSION, OPERATIONAL_METRICS } from '../../functions/shared/emf.ts';
import type { MonitorConfig } from '../../shared/config/types.ts';
import { homeAlarmName, NAME_PREFIX, RUNNER_ALARM_PREFIX, runsArrivingAlarmName } from '../naming.ts';
import { NotifyTopic } from './alarm-actions.ts';
import type { NetprobeMetricFactory } from './metric-factory.ts';
import { MAX_METRICS_PER_ALARM } from './monitor-alarms.ts';

export interface WatchdogRegion {
  readonly region: string;
  /** The monitors that run there; a region without monitors is not watched. */
  readonly monitors: readonly MonitorConfig[];
}

export interface WatchdogProps {
  readonly regions: readonly WatchdogRegion[];
  readonly metrics: NetprobeMetricFactory;
  /** The topic of the team that owns netprobe itself (infrastructure-team by default). */
  readonly topic: ITopic;
  /** The same topic as an EventBridge target, admitted for the named rule only (TeamTopics.ruleTarget). */
  readonly ruleTarget: (ruleName: string, message: RuleTargetInput) => IRuleTarget;
  readonly escalator: IFunction;
  /** The probe-api behind the HTTP API. */
  readonly api: IFunction;
  /** Where stream batches the escalator gave up on end up. */
  readonly deadLetterQueue: IQueue;
  /** Intervals without a single run from a region before its alarm fires. @default 2 */
  readonly missedIntervals?: number;
}

/**
 * Who watches the watcher, in the home region. It pages the owning team when
 * - a region's probe runs stop arriving: no `Up` datum at all from that region for `missedIntervals`
 *   of its shortest interval (missing data = breaching: silence is the failure);
 * - the escalator fails, or drops stream batches into its dead-letter queue (pages would be lost);
 * - a probe region's runner fails: those alarms live in their own region (RunnerHealth) and reach
 *   this region as EventBridge events, which a rule here turns into a message on the topic.
 */
export class Watchdog extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: WatchdogProps) {
    super(scope, id);
    const actions = new NotifyTopic(props.topic);
    const missed = props.missedIntervals ?? 2;

    for (const { region, monitors } of props.regions) {
      if (monitors.length === 0) continue;
      // One Up series per run and monitor: any of the fastest monitors reporting proves runs arrive.
      // An alarm combines at most 10 metrics, hence a sample of the region's fastest monitors.
      const fastest = Math.min(...monitors.map((monitor) => monitor.intervalMinutes));
      const sample = monitors
        .filter((monitor) => monitor.intervalMinutes === fastest)
        .slice(0, MAX_METRICS_PER_ALARM);
      const counts = Object.fromEntries(
        sample.map((monitor, index) => [
          `n${index}`,
          props.metrics.up({ monitor, region, statistic: Stats.SAMPLE_COUNT }),
        ]),
      );
      const alarm = new MathExpression({
        expression: `SUM([${Object.keys(counts).join(', ')}])`,
        usingMetrics: counts,
        period: Duration.minutes(fastest),
        label: `runs reported from ${region}`,
      }).createAlarm(this, `RunsArriving-${region}`, {
        alarmName: runsArrivingAlarmName(region),
        alarmDescription:
          `No probe run from ${region} has reported for ${missed} interval(s) of ${fastest} min ` +
          `(watched: ${sample.map((monitor) => monitor.id).join(', ')}). Check the ${NAME_PREFIX}-probe-runner ` +
          `function and its schedules in ${region}.`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: missed,
        datapointsToAlarm: missed,
        treatMissingData: TreatMissingData.BREACHING,
      });
      actions.addActions(alarm);
      this.alarms.push(alarm);
    }

    const escalatorFailing = new MathExpression({
      expression: 'FILL(errors, 0) + FILL(throttles, 0)',
      usingMetrics: {
        errors: props.escalator.metricErrors({ statistic: Stats.SUM }),
        throttles: props.escalator.metricThrottles({ statistic: Stats.SUM }),
      },
      period: Duration.minutes(1),
      label: 'escalator errors and throttles',
    }).createAlarm(this, 'EscalatorErrors', {
      alarmName: `${NAME_PREFIX}-watchdog-escalator-errors`,
      alarmDescription: 'The escalator fails or is throttled: incidents may not open, escalate or resolve.',
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    actions.addActions(escalatorFailing);
    this.alarms.push(escalatorFailing);

    const deadLetters = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: Duration.minutes(1) })
      .createAlarm(this, 'EscalatorDeadLetters', {
        alarmName: `${NAME_PREFIX}-watchdog-escalator-dead-letters`,
        alarmDescription:
          'The escalator gave up on stream records (see its dead-letter queue): some findings were never escalated.',
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    actions.addActions(deadLetters);
    this.alarms.push(deadLetters);

    const ownCount = (metricName: string, functionName: string) =>
      new Metric({
        namespace: props.metrics.namespace,
        metricName,
        dimensionsMap: { [FUNCTION_DIMENSION]: functionName },
        statistic: Stats.SUM,
        period: Duration.minutes(5),
      });
    const ownAlarms: [string, Metric, string][] = [
      [
        'escalator-tick-failures',
        ownCount(OPERATIONAL_METRICS.tickFailures, 'escalator'),
        'An escalator tick could not process some monitors (their store calls failed); the others were processed. See the "tick step failed" log lines.',
      ],
      [
        'api-errors',
        props.api.metricErrors({ statistic: Stats.SUM, period: Duration.minutes(5) }),
        'The probe-api behind the HTTP API fails (an invocation error, not a 4xx answer).',
      ],
      [
        'api-datums-dropped',
        ownCount(OPERATIONAL_METRICS.metricDatumsDropped, 'probe-api'),
        'The probe-api could not publish metric datums (PutMetricData refused after its retries).',
      ],
    ];
    for (const [what, metric, description] of ownAlarms) {
      const alarm = metric.createAlarm(this, what, {
        alarmName: homeAlarmName(what),
        alarmDescription: description,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      actions.addActions(alarm);
      this.alarms.push(alarm);
    }

    // Runner alarms of every probe region arrive here as alarm state-change events (RunnerHealth).
    const ruleName = `${NAME_PREFIX}-watchdog-runner-alarms`;
    new Rule(this, 'RunnerAlarms', {
      ruleName,
      description: 'Pages the owning team when a probe region reports its runner failing (or recovered)',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: RUNNER_ALARM_PREFIX }], state: { value: ['ALARM', 'OK'] } },
      },
      targets: [
        props.ruleTarget(
          ruleName,
          RuleTargetInput.fromText(
            `netprobe watchdog: ${EventField.fromPath('$.detail.alarmName')} is ` +
              `${EventField.fromPath('$.detail.state.value')} in ${EventField.region}: ` +
              `${EventField.fromPath('$.detail.state.reason')}`,
          ),
        ),
      ],
    });
  }
}

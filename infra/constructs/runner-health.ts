import { Duration, Stack } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { FUNCTION_DIMENSION, OPERATIONAL_METRICS } from '../../functions/shared/emf.ts';
import { NAME_PREFIX, RUNNER_ALARM_PREFIX, regionAlarmName, runnerErrorsAlarmName } from '../naming.ts';

export interface RunnerHealthProps {
  readonly runner: IFunction;
  /** The region's probe-api: its errors alarm too. */
  readonly api: IFunction;
  /** The config's namespace, where the functions count MetricDatumsDropped (EMF). */
  readonly metricsNamespace: string;
  /** Where the team topics live: the alarm's state changes are forwarded there. */
  readonly homeRegion: string;
  /** @default 5 minutes */
  readonly period?: Duration;
  /** Failing periods out of three before the alarm fires. @default 2 */
  readonly datapointsToAlarm?: number;
}

/**
 * The probe functions' own alarms in their region: the runner's errors or throttles, the probe-api's
 * errors, metric datums the functions dropped (MetricDatumsDropped, EMF); and the bridge that carries
 * the state changes of every region alarm (named with RUNNER_ALARM_PREFIX: these, and the spill
 * queue's) to the home region: CloudWatch cannot notify an SNS topic of another region, so an
 * EventBridge rule forwards the alarms' events to the home region's default bus, where the Watchdog
 * turns them into a page. In the home region the Watchdog sees the events directly.
 */
export class RunnerHealth extends Construct {
  readonly alarm: Alarm;
  /** probe-api errors, and datums dropped per function. */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: RunnerHealthProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmName = runnerErrorsAlarmName(stack.region);
    this.alarm = new MathExpression({
      expression: 'FILL(errors, 0) + FILL(throttles, 0)',
      usingMetrics: {
        errors: props.runner.metricErrors({ statistic: Stats.SUM }),
        throttles: props.runner.metricThrottles({ statistic: Stats.SUM }),
      },
      period: props.period ?? Duration.minutes(5),
      label: 'probe-runner errors and throttles',
    }).createAlarm(this, 'Errors', {
      alarmName,
      alarmDescription: `The ${NAME_PREFIX}-probe-runner in ${stack.region} fails or is throttled: its monitors are not probed.`,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: props.datapointsToAlarm ?? 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.alarms.push(
      props.api
        .metricErrors({ statistic: Stats.SUM, period: Duration.minutes(5) })
        .createAlarm(this, 'ApiErrors', {
          alarmName: regionAlarmName('probe-api-errors', stack.region),
          alarmDescription: `The ${NAME_PREFIX}-probe-api in ${stack.region} fails (not a 4xx: an invocation error).`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
    );
    for (const functionName of ['probe-runner', 'probe-api']) {
      this.alarms.push(
        new Metric({
          namespace: props.metricsNamespace,
          metricName: OPERATIONAL_METRICS.metricDatumsDropped,
          dimensionsMap: { [FUNCTION_DIMENSION]: functionName },
          statistic: Stats.SUM,
          period: Duration.minutes(5),
        }).createAlarm(this, `${functionName}-DatumsDropped`, {
          alarmName: regionAlarmName(`${functionName}-datums-dropped`, stack.region),
          alarmDescription: `${functionName} in ${stack.region} could not publish metric datums (PutMetricData refused after its retries): the monitors' alarms and dashboard miss data.`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    if (stack.region !== props.homeRegion) {
      const homeBus = EventBus.fromEventBusArn(
        this,
        'HomeBus',
        stack.formatArn({
          service: 'events',
          region: props.homeRegion,
          resource: 'event-bus',
          resourceName: 'default',
        }),
      );
      new Rule(this, 'ForwardHome', {
        ruleName: `${NAME_PREFIX}-watchdog-forward-home`,
        description: `Forwards the region alarms' state changes to ${props.homeRegion}, where the team topics are`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: [{ prefix: RUNNER_ALARM_PREFIX }] },
        },
        targets: [new EventBusTarget(homeBus)],
      });
    }
  }
}

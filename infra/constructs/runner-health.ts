import { Duration, Stack } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { NAME_PREFIX, runnerErrorsAlarmName } from '../naming.ts';

export interface RunnerHealthProps {
  readonly runner: IFunction;
  /** Where the team topics live: the alarm's state changes are forwarded there. */
  readonly homeRegion: string;
  /** @default 5 minutes */
  readonly period?: Duration;
  /** Failing periods out of three before the alarm fires. @default 2 */
  readonly datapointsToAlarm?: number;
}

/**
 * The probe-runner's own alarm in its region (errors or throttles), and the bridge that carries its
 * state changes to the home region: CloudWatch cannot notify an SNS topic of another region, so an
 * EventBridge rule forwards the alarm's events to the home region's default bus, where the Watchdog
 * turns them into a page. In the home region the Watchdog sees the events directly.
 */
export class RunnerHealth extends Construct {
  readonly alarm: Alarm;

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
        description: `Forwards the runner alarm's state changes to ${props.homeRegion}, where the team topics are`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: [alarmName] },
        },
        targets: [new EventBusTarget(homeBus)],
      });
    }
  }
}

import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/** What an alarm does when it changes state: constructs that make alarms take one of these. */
export interface AlarmActionStrategy {
  addActions(alarm: Alarm): void;
}

export interface NotifyTopicOptions {
  /** Also notify when the alarm returns to OK, so the page gets its resolution. @default true */
  readonly onOk?: boolean;
}

/** Notify one SNS topic (same region as the alarm: CloudWatch cannot act on another region's topic). */
export class NotifyTopic implements AlarmActionStrategy {
  private readonly action: SnsAction;
  private readonly onOk: boolean;

  constructor(topic: ITopic, options: NotifyTopicOptions = {}) {
    this.action = new SnsAction(topic);
    this.onOk = options.onOk ?? true;
  }

  addActions(alarm: Alarm): void {
    alarm.addAlarmAction(this.action);
    if (this.onOk) alarm.addOkAction(this.action);
  }
}

/**
 * The alarm gate's way to a team: the CloudWatch notification it lets through, published on the
 * team's topic (TOPIC_ARNS) as CloudWatch wrote it, so every subscriber reads it as it read the
 * alarms that came straight from CloudWatch (shared/integrations/topic-message.ts). The message
 * attributes say what it is: `kind` `alarm`, `team`, `monitor`, `alarmState`, and `dedupKey`
 * `<alarm name>:<state>:<state change time>`, the same for every copy (the gate may relay a
 * redelivered notification twice). No `issueType` or `severity`: an alarm does not know the type,
 * and a filter policy on those selects escalator pages only (docs/deploy.md).
 */
import {
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { toSubject } from '../domain/incident-notification.ts';
import type { AlarmRelay, RelayedAlarm } from '../ports/alarm-gate.ts';
import { UnknownTeamError } from './sns-notifier.ts';

function attribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** The exact PublishCommand input for a relayed notification (pure). */
export function relayInput(alarm: RelayedAlarm, topicArn: string): PublishCommandInput {
  const subject = toSubject(alarm.subject.trim());
  return {
    TopicArn: topicArn,
    ...(subject.length > 0 ? { Subject: subject } : {}),
    Message: alarm.message,
    MessageAttributes: {
      kind: attribute('alarm'),
      team: attribute(alarm.team),
      monitor: attribute(alarm.monitorId),
      alarmState: attribute(alarm.state),
      dedupKey: attribute(`${alarm.alarmName}:${alarm.state}:${alarm.stateChangeTime}`),
    },
  };
}

export interface SnsAlarmRelayOptions {
  client: SNSClient;
  /** Team → topic ARN (TOPIC_ARNS, as the escalator's). */
  topicArns: Readonly<Record<string, string>>;
}

export class SnsAlarmRelay implements AlarmRelay {
  readonly #options: SnsAlarmRelayOptions;

  constructor(options: SnsAlarmRelayOptions) {
    this.#options = options;
  }

  async relay(alarm: RelayedAlarm): Promise<void> {
    const topicArn = this.#options.topicArns[alarm.team];
    if (topicArn === undefined) {
      throw new UnknownTeamError(
        `no SNS topic for team "${alarm.team}" (TOPIC_ARNS has: ${Object.keys(this.#options.topicArns).join(', ') || 'none'})`,
      );
    }
    await this.#options.client.send(new PublishCommand(relayInput(alarm, topicArn)));
  }
}

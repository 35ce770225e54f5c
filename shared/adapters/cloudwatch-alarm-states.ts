/**
 * Which alarms are in ALARM now, from CloudWatch (DescribeAlarms by name, 100 names a call, the
 * API's maximum): what the alarm gate asks before paging an alarm it held through a window.
 */
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmStates } from '../ports/alarm-gate.ts';

/** DescribeAlarms takes at most 100 alarm names. */
export const DESCRIBE_ALARMS_MAX_NAMES = 100;
/** Pages per call of names before giving up (each call of 100 names fits one page of 100 alarms). */
const MAX_PAGES = 10;

export class CloudWatchAlarmStates implements AlarmStates {
  readonly #client: CloudWatchClient;

  constructor(client: CloudWatchClient) {
    this.#client = client;
  }

  async inAlarm(alarmNames: readonly string[]): Promise<Set<string>> {
    const inAlarm = new Set<string>();
    for (let i = 0; i < alarmNames.length; i += DESCRIBE_ALARMS_MAX_NAMES) {
      const names = alarmNames.slice(i, i + DESCRIBE_ALARMS_MAX_NAMES);
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const out = await this.#client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            AlarmTypes: ['MetricAlarm'],
            StateValue: 'ALARM',
            MaxRecords: DESCRIBE_ALARMS_MAX_NAMES,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const alarm of out.MetricAlarms ?? []) if (alarm.AlarmName) inAlarm.add(alarm.AlarmName);
        token = out.NextToken;
        if (!token) break;
      }
    }
    return inAlarm;
  }
}

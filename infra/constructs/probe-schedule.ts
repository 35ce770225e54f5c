import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';

const MINUTES_PER_HOUR = 60;
const HOURS_PER_DAY = 24;

/**
 * The EventBridge schedule of a probe interval. Intervals that divide the hour (or the day) fire on
 * the clock (minute 0, 5, 10…) rather than at the arbitrary offset of a rate() rule: every run then
 * falls in its own CloudWatch period of the same length, so an alarm over one interval sees exactly
 * one datum per region instead of zero or two. Other intervals use rate().
 */
export function probeSchedule(intervalMinutes: number): Schedule {
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1) {
    throw new Error(`schedule: interval must be a whole number of minutes ≥ 1, got ${intervalMinutes}`);
  }
  if (MINUTES_PER_HOUR % intervalMinutes === 0) {
    return Schedule.cron({ minute: intervalMinutes === MINUTES_PER_HOUR ? '0' : `0/${intervalMinutes}` });
  }
  const hours = intervalMinutes / MINUTES_PER_HOUR;
  if (Number.isInteger(hours) && HOURS_PER_DAY % hours === 0) {
    return Schedule.cron({ minute: '0', hour: hours === HOURS_PER_DAY ? '0' : `0/${hours}` });
  }
  return Schedule.rate(Duration.minutes(intervalMinutes));
}

/** Distinct intervals of the given monitors, ascending: one schedule each. */
export function distinctIntervals(monitors: readonly { intervalMinutes: number }[]): number[] {
  return [...new Set(monitors.map((monitor) => monitor.intervalMinutes))].sort((a, b) => a - b);
}

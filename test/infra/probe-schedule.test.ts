import { describe, expect, it } from 'vitest';
import { distinctIntervals, probeSchedule } from '../../infra/constructs/probe-schedule.ts';

describe('probeSchedule', () => {
  it.each([
    [1, 'cron(0/1 * * * ? *)'],
    [5, 'cron(0/5 * * * ? *)'],
    [15, 'cron(0/15 * * * ? *)'],
    [30, 'cron(0/30 * * * ? *)'],
    [60, 'cron(0 * * * ? *)'],
    [120, 'cron(0 0/2 * * ? *)'],
    [360, 'cron(0 0/6 * * ? *)'],
    [1440, 'cron(0 0 * * ? *)'],
    // not aligned to the hour or the day: a plain rate
    [7, 'rate(7 minutes)'],
    [90, 'rate(90 minutes)'],
    [300, 'rate(5 hours)'],
  ])('every %i min → %s', (minutes, expression) => {
    expect(probeSchedule(minutes).expressionString).toBe(expression);
  });

  it.each([0, -5, 2.5, Number.NaN])('rejects %s with a message naming the interval', (minutes) => {
    expect(() => probeSchedule(minutes)).toThrow(
      `interval must be a whole number of minutes ≥ 1, got ${minutes}`,
    );
  });
});

describe('distinctIntervals', () => {
  it('lists each interval once, ascending', () => {
    expect(
      distinctIntervals([{ intervalMinutes: 5 }, { intervalMinutes: 1 }, { intervalMinutes: 5 }]),
    ).toEqual([1, 5]);
    expect(distinctIntervals([])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkDuration, formatDuration, parseDuration } from '../../shared/config/duration.ts';
import { catchConfigError } from './catch-config-error.ts';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['1500ms', 1500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h5m', 3_900_000],
    ['0s', 0],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['2x', '"2x" is not a duration (use 1500ms, 2s, 1m)'],
    ['', '"" is not a duration (use 1500ms, 2s, 1m)'],
    ['10', '"10" is not a duration (use 1500ms, 2s, 1m)'],
    ['-1s', '"-1s" is not a duration (use 1500ms, 2s, 1m)'],
    [' 2s', '" 2s" is not a duration (use 1500ms, 2s, 1m)'],
    ['2 s', '"2 s" is not a duration (use 1500ms, 2s, 1m)'],
    ['1d', '"1d" is not a duration (use 1500ms, 2s, 1m)'],
    ['0.5ms', '"0.5ms" is not a whole number of milliseconds'],
  ])('rejects %j', (text, message) => {
    const err = catchConfigError(() => parseDuration(text, 'timeout'));

    expect(err.issues).toEqual([{ path: 'timeout', message }]);
    expect(err.message).toBe(`timeout: ${message}`);
  });

  it('names a non-string value by its type', () => {
    expect(checkDuration(5)).toEqual({
      error: 'expected a duration string (use 1500ms, 2s, 1m), got number',
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [1500, '1500ms'],
    [2000, '2s'],
    [90_000, '90s'],
    [60_000, '1m'],
    [3_600_000, '1h'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

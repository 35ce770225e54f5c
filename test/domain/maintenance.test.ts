import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfigInput } from '../../shared/config/schema.ts';
import { inMaintenance, type MaintenanceWindow } from '../../shared/domain/maintenance.ts';
import { catchConfigError } from '../config/catch-config-error.ts';

const fixed: MaintenanceWindow = {
  monitors: ['www'],
  from: '2026-12-06T02:00:00Z',
  to: '2026-12-06T04:00:00Z',
  reason: 'db upgrade',
};
const t = (iso: string) => new Date(iso);

describe('inMaintenance', () => {
  it('covers [from, to): from is in, to is out, other monitors are not covered', () => {
    expect(inMaintenance('www', t('2026-12-06T01:59:59.999Z'), [fixed])).toBe(false);
    expect(inMaintenance('www', t('2026-12-06T02:00:00.000Z'), [fixed])).toBe(true);
    expect(inMaintenance('www', t('2026-12-06T03:59:59.999Z'), [fixed])).toBe(true);
    expect(inMaintenance('www', t('2026-12-06T04:00:00.000Z'), [fixed])).toBe(false);
    expect(inMaintenance('api', t('2026-12-06T03:00:00Z'), [fixed])).toBe(false);
    expect(inMaintenance('api', t('2026-12-06T03:00:00Z'), [{ ...fixed, monitors: '*' }])).toBe(true);
    expect(inMaintenance('www', t('2026-12-06T03:00:00Z'), [])).toBe(false);
  });

  it('repeats a weekly window every week at its UTC day and time', () => {
    // 2026-12-06 is a Sunday.
    const weekly: MaintenanceWindow = {
      monitors: '*',
      weekly: { day: 'sun', at: '02:00', durationMs: 2 * 3_600_000 },
      reason: 'patching',
    };
    for (const sunday of ['2026-12-06', '2026-12-13', '2027-01-03']) {
      expect(inMaintenance('www', t(`${sunday}T01:59:59Z`), [weekly])).toBe(false);
      expect(inMaintenance('www', t(`${sunday}T02:00:00Z`), [weekly])).toBe(true);
      expect(inMaintenance('www', t(`${sunday}T03:59:59Z`), [weekly])).toBe(true);
      expect(inMaintenance('www', t(`${sunday}T04:00:00Z`), [weekly])).toBe(false);
    }
    expect(inMaintenance('www', t('2026-12-07T02:30:00Z'), [weekly])).toBe(false); // a Monday
  });

  it('a weekly window that runs past Saturday midnight covers the Sunday morning of the next week', () => {
    const weekly: MaintenanceWindow = {
      monitors: ['www'],
      weekly: { day: 'sat', at: '23:00', durationMs: 3 * 3_600_000 },
      reason: 'overnight',
    };
    expect(inMaintenance('www', t('2026-12-05T22:59:00Z'), [weekly])).toBe(false);
    expect(inMaintenance('www', t('2026-12-05T23:30:00Z'), [weekly])).toBe(true); // Saturday
    expect(inMaintenance('www', t('2026-12-06T01:59:00Z'), [weekly])).toBe(true); // Sunday
    expect(inMaintenance('www', t('2026-12-06T02:00:00Z'), [weekly])).toBe(false);
  });
});

describe('config maintenance', () => {
  const base = (maintenance: unknown): NetprobeConfigInput =>
    ({
      homeRegion: 'us-east-1',
      regions: ['us-east-1'],
      monitors: [{ id: 'www', interval: '1m', url: 'https://www.example.com' }],
      maintenance,
    }) as NetprobeConfigInput;
  const errors = (maintenance: unknown) =>
    catchConfigError(() => parseConfig(base(maintenance))).issues.map((i) => `${i.path}: ${i.message}`);

  it('resolves fixed and weekly windows (durations to milliseconds), and is absent when none', () => {
    expect(
      parseConfig(
        base([
          { monitors: ['www'], from: '2026-12-06T02:00:00Z', to: '2026-12-06T04:00:00.500Z', reason: 'db' },
          { monitors: '*', weekly: { day: 'sun', at: '02:00', duration: '2h' }, reason: 'patching' },
        ]),
      ).maintenance,
    ).toEqual([
      { monitors: ['www'], from: '2026-12-06T02:00:00Z', to: '2026-12-06T04:00:00.500Z', reason: 'db' },
      { monitors: '*', weekly: { day: 'sun', at: '02:00', durationMs: 7_200_000 }, reason: 'patching' },
    ]);
    expect(parseConfig(base(undefined)).maintenance).toBeUndefined();
  });

  it('names every bad field by its path', () => {
    expect(
      errors([
        {
          monitors: ['www', 'nope'],
          from: '2026-12-06T02:00:00+01:00',
          to: '2026-02-30T04:00:00Z',
          reason: '',
        },
        { monitors: '*', from: '2026-12-06T04:00:00Z', to: '2026-12-06T02:00:00Z', reason: 'x' },
        { monitors: '*', weekly: { day: 'sunday', at: '24:00', duration: '8d' }, reason: 'x' },
        { monitors: [], from: '2026-12-06T02:00:00Z', reason: 'x', extra: 1 },
        { monitors: '*', reason: 'x' },
        {
          monitors: '*',
          from: '2026-12-06T02:00:00Z',
          to: '2026-12-06T04:00:00Z',
          weekly: { day: 'sun', at: '02:00', duration: '1h' },
          reason: 'x',
        },
      ]),
    ).toEqual([
      'maintenance[0].from: expected an ISO-8601 UTC time like 2026-12-06T02:00:00Z (got "2026-12-06T02:00:00+01:00")',
      'maintenance[0].to: "2026-02-30T04:00:00Z" is not a real date and time',
      'maintenance[0].reason: must not be empty',
      'maintenance[1].to: 2026-12-06T02:00:00Z is not after from (2026-12-06T04:00:00Z)',
      'maintenance[2].weekly.day: expected one of sun, mon, tue, wed, thu, fri, sat (got "sunday")',
      'maintenance[2].weekly.at: expected HH:MM in UTC, 00:00 to 23:59',
      'maintenance[2].weekly.duration: "8d" is not a duration (use 1500ms, 2s, 1m)',
      'maintenance[3].monitors: must not be empty',
      expect.stringMatching(/^maintenance\[3\]\.extra: /),
      'maintenance[4]: expected either from and to, or weekly (not both, not neither)',
      'maintenance[5]: expected either from and to, or weekly (not both, not neither)',
    ]);
    expect(
      errors([{ monitors: '*', weekly: { day: 'sun', at: '02:00', duration: '169h' }, reason: 'x' }]),
    ).toEqual(['maintenance[0].weekly.duration: 169h exceeds the 168h maximum']);
    expect(
      errors([
        { monitors: ['www', 'nope'], from: '2026-12-06T02:00:00Z', to: '2026-12-06T04:00:00Z', reason: 'x' },
      ]),
    ).toEqual(['maintenance[0].monitors[1]: unknown monitor "nope"']);
  });
});

import { describe, expect, it } from 'vitest';
import { startedAtMs } from '../../shared/domain/finding.ts';

describe('startedAtMs', () => {
  it('is Date.parse of startedAt, for any ISO form, and follows a startedAt that changed', () => {
    const finding = { startedAt: '2026-11-24T12:00:00+02:00' };
    expect(startedAtMs(finding)).toBe(Date.parse('2026-11-24T10:00:00.000Z'));
    expect(startedAtMs(finding)).toBe(Date.parse('2026-11-24T10:00:00.000Z'));
    finding.startedAt = '2026-11-24T12:00:01Z';
    expect(startedAtMs(finding)).toBe(Date.parse('2026-11-24T12:00:01.000Z'));
    expect(startedAtMs({ startedAt: 'not a time' })).toBeNaN();
  });
});

import { describe, expect, it } from 'vitest';
import { describeMatch, matches, quote } from '../../shared/probes/match.ts';
import type { Match } from '../../shared/probes/spec.ts';

describe('matches', () => {
  it.each([
    [{ equals: 'ok' }, 'ok', true],
    [{ equals: 'ok' }, 'ok\n', false],
    [{ equals: '' }, '', true],
    [{ contains: 'SSH' }, 'SSH-2.0-OpenSSH', true],
    [{ contains: 'ssh' }, 'SSH-2.0-OpenSSH', false],
    [{ contains: '' }, 'anything', true],
    [{ regex: '^2\\.' }, '2.4.1', true],
    [{ regex: '^2\\.' }, '12.4', false],
    // No flags: case-sensitive, and `.` does not cross a line ending.
    [{ regex: 'a.b' }, 'a\nb', false],
    [{ regex: 'ABC' }, 'abc', false],
    // A pattern that does not compile matches nothing, not even its own text.
    [{ regex: '(' }, '(', false],
  ] as [Match, string, boolean][])('%j against %j → %s', (m, value, expected) => {
    expect(matches(m, value)).toBe(expected);
  });

  it('a repeated match gives the same answer (no lastIndex state carried between calls)', () => {
    const m = { regex: 'x' };
    expect([matches(m, 'x'), matches(m, 'x'), matches(m, 'x')]).toEqual([true, true, true]);
  });
});

describe('describeMatch', () => {
  it.each([
    [{ equals: '1.2' }, 'equal "1.2"', 'equals "1.2"'],
    [{ contains: 'a"b' }, 'contain "a\\"b"', 'contains "a\\"b"'],
    [{ regex: '^10\\.' }, 'match /^10\\./', 'matches /^10\\./'],
    [{ regex: '(' }, 'match /(/ (invalid regular expression)', 'matches /(/ (invalid regular expression)'],
  ] as [Match, string, string][])('%j → %j / %j', (m, base, thirdPerson) => {
    expect(describeMatch(m)).toBe(base);
    expect(describeMatch(m, 'base')).toBe(base);
    expect(describeMatch(m, 'third-person')).toBe(thirdPerson);
  });

  it('cuts a long expected value', () => {
    expect(describeMatch({ equals: 'x'.repeat(100) })).toBe(`equal "${'x'.repeat(80)}…"`);
  });
});

describe('quote', () => {
  it.each([
    ['short', 80, '"short"'],
    ['x'.repeat(80), 80, `"${'x'.repeat(80)}"`],
    ['x'.repeat(81), 80, `"${'x'.repeat(80)}…"`],
    ['line\r\n', 3, '"lin…"'],
  ])('%j (max %d) → %s', (text, max, expected) => {
    expect(quote(text, max)).toBe(expected);
  });
});

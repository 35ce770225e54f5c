/**
 * The hand check that lets most lines of a findings file skip the schema (plainlyValid) must never
 * accept a line the schema refuses, and what it accepts must come out as the schema's value does.
 * Lines it refuses still go through the schema, so every message stays the schema's own.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  completeFinding,
  FindingsFileError,
  findingSchema,
  parseFindingLine,
  plainlyValid,
} from '../../shared/domain/findings-input.ts';
import { tcpDownFinding, upHttpsFinding } from '../fixtures/findings.ts';

const CDN = new Set(['shop']);

/** Values each field may take: right, wrong in type, wrong in value, and the JSON edge cases. */
/** Written into the line as the number 1e400, which JSON.parse reads as Infinity. */
const HUGE = '<1e400>';
const ANY = [undefined, null, '', 'x', 0, -1, 1.5, true, [], {}, ['up'], HUGE];
const FIELD_VALUES: Record<string, readonly unknown[]> = {
  monitorId: ['shop', 'www', ...ANY],
  location: ['eu-west-1', ...ANY],
  startedAt: [
    '2026-11-24T12:00:00.000Z',
    '2026-11-24T12:00:00Z',
    '2026-11-24T12:00:00.5+02:00',
    '2026-11-24 12:00:00Z',
    '2026-11-24T12:00:00',
    '2026-13-40T12:00:00Z',
    '2026-02-30T12:00:00.000Z',
    '2026-11-24T25:00:00Z',
    ...ANY,
  ],
  status: ['up', 'degraded', 'down', 'DOWN', ...ANY],
  probe: ['http', 'dns', 'tcp', 'https', ...ANY],
  target: ['https://shop.example.test/', ...ANY],
  timings: [
    { total: 0 },
    { total: 12.5, dns: 1 },
    { total: -0.1 },
    { total: HUGE },
    { total: '1' },
    { dns: 1 },
    ...ANY,
  ],
  error: [
    { code: 'TCP_REFUSED' },
    { code: 'HTTP_STATUS', message: 'status 503' },
    { code: 'HTTP_STATUS', message: 503 },
    { code: 'TCP_REFUSED', extra: true },
    { code: 'NOPE' },
    { message: 'no code' },
    ...ANY,
  ],
  layer: ['dns', 'transport', 'tls', 'application', 'network', ...ANY],
  details: [{ kind: 'http' }, { kind: 'tcp', host: 'a' }, { kind: 'ftp' }, { host: 'a' }, ...ANY],
  issueType: ['dns', 'tcp', 'cdn', 'connectivity', 'other', ...ANY],
  diagnosis: ['it broke', ...ANY],
};
const FIELDS = Object.keys(FIELD_VALUES);

/** A full or minimal finding with some fields replaced, removed or added. */
const lineValue = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      upHttpsFinding() as unknown as Record<string, unknown>,
      tcpDownFinding() as unknown as Record<string, unknown>,
      { monitorId: 'shop', location: 'eu-west-1', startedAt: '2026-11-24T12:00:00Z', status: 'up' },
    ),
    fc.array(
      fc
        .constantFrom(...FIELDS)
        .chain((field) =>
          fc.tuple(fc.constant(field), fc.constantFrom(...(FIELD_VALUES[field] as unknown[]))),
        ),
      { maxLength: 4 },
    ),
    fc.boolean(),
  )
  .map(([base, changes, extra]) => {
    const value: Record<string, unknown> = { ...base, ...(extra ? { note: 'kept' } : {}) };
    for (const [field, v] of changes) {
      if (v === undefined) delete value[field];
      else value[field] = v;
    }
    return value;
  });

describe('the fast path of a findings line', () => {
  it('accepts only what the schema accepts, and completes it to the same finding', () => {
    fc.assert(
      fc.property(lineValue, (value) => {
        // As the line is read: JSON in, so 1e400 is Infinity and undefined fields are absent.
        const line = JSON.stringify(value).replaceAll(`"${HUGE}"`, '1e400');
        const parsedJson: unknown = JSON.parse(line);
        const schema = findingSchema.safeParse(parsedJson);
        if (plainlyValid(parsedJson)) expect(schema.success).toBe(true);
        if (schema.success) {
          expect(parseFindingLine(line, 7, CDN)).toEqual(completeFinding(schema.data, CDN));
        } else {
          const issue = schema.error.issues[0];
          const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
          expect(() => parseFindingLine(line, 7, CDN)).toThrow(
            new FindingsFileError([{ line: 7, message: `${where}${issue?.message}` }]),
          );
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('takes every line of the recorded timelines, full and minimal ones (the schema is the exception)', () => {
    const text = readFileSync(
      new URL('../fixtures/timelines/dns-outage-12min.ndjson', import.meta.url),
      'utf8',
    );
    const lines = text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(plainlyValid(JSON.parse(line))).toBe(true);
    const minimal = { monitorId: 'shop', location: 'eu-west-1', startedAt: '2026-11-24T12:01:00Z' };
    expect(plainlyValid({ ...minimal, status: 'down', error: { code: 'TCP_REFUSED' } })).toBe(true);
    expect(plainlyValid({ ...minimal, status: 'down' })).toBe(false);
  });
});

/**
 * Caller-chosen patterns (issue 10): regular expressions run on a linear-time engine (RE2 syntax on
 * re2js), JSONPath without script evaluation and with bounded work. Against a real HTTP server on
 * 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { httpProbe } from '../../shared/probes/http.ts';
import { pathError, selectJson } from '../../shared/probes/json-path.ts';
import { matches } from '../../shared/probes/match.ts';
import type { HttpSpec } from '../../shared/probes/spec.ts';
import { startHttpServer, type TestServer } from '../fixtures/http-servers.ts';
import { httpSpec } from '../fixtures/specs.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function probeBody(body: string, assert: HttpSpec['assert'], timeoutMs = 1_000) {
  server = await startHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  const spec = httpSpec(`${server.origin}/`, { assert, timeoutMs });
  const started = performance.now();
  const result = await httpProbe(spec, {
    signal: AbortSignal.timeout(timeoutMs),
    deadline: performance.now() + timeoutMs,
  });
  return { result, ms: performance.now() - started };
}

describe('regular expressions run in linear time', () => {
  it('^(a+)+$ against a 29-byte body answers well within the 1 s timeout (it blocked 28.6 s on RegExp)', async () => {
    const body = `${'a'.repeat(28)}!`;
    expect(Buffer.byteLength(body)).toBe(29);

    const { result, ms } = await probeBody(body, { body: [{ regex: '^(a+)+$' }] });

    expect(result.status).toBe('down');
    expect(result.error?.code).toBe('ASSERTION_FAILED');
    // The match itself takes well under a millisecond; the bound only absorbs a loaded CI machine.
    expect(ms).toBeLessThan(1_000);
  });

  it('the same pattern over a 1 MiB body stays linear', () => {
    const started = performance.now();
    expect(matches({ regex: '^(a+)+$' }, `${'a'.repeat(1024 * 1024)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it.each([
    [{ regex: '(?i)^ok$' }, 'OK', true],
    [{ regex: '(?s)a.b' }, 'a\nb', true],
    [{ regex: 'a.b' }, 'a\nb', false],
    [{ regex: '\\d{3}' }, 'status 200', true],
    [{ regex: '[[:alpha:]]+' }, '123', false],
  ])('%j on %j → %s (RE2 syntax, inline flags allowed)', (m, value, expected) => {
    expect(matches(m, value)).toBe(expected);
  });
});

describe('JSONPath: no script evaluation, bounded work', () => {
  it.each([
    ['$.items[?(@.price > 10)]', 'filter and script expressions'],
    ['$.items[(@.length-1)]', 'filter and script expressions'],
    ['$..a..b', 'at most one recursive descent'],
    ['$[0,0,0][0,0,0][0,0]', 'more than 16 branches'],
  ])('%s is refused (%s)', (path, why) => {
    expect(pathError(path)).toContain(why);
    expect(selectJson({ items: [] }, path)).toEqual({ error: expect.stringContaining(why) });
  });

  it.each(['$.status', '$..price', '$.items[0:2]', "$['a','b']", '$.items[*].id'])(
    '%s is allowed',
    (path) => {
      expect(pathError(path)).toBeUndefined();
    },
  );

  it.each([
    [
      'nested 100,000 levels',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      '100000 values × 100000 levels',
    ],
    [
      'of 1 MB in 8,000 chains 60 levels deep',
      JSON.stringify(Array.from({ length: 8_000 }, () => JSON.parse(`${'['.repeat(60)}1${']'.repeat(60)}`))),
      '488001 values × 62 levels',
    ],
  ])('a recursive descent over a body %s fails the assertion at once', async (_what, body, work) => {
    const { result, ms } = await probeBody(body, { json: [{ path: '$..x', match: { equals: '1' } }] }, 5_000);
    expect(result.status).toBe('down');
    expect(result.error?.message).toBe(
      `JSON path $..x: a recursive descent (..) over this body is too much work (${work}, over 1000000); name the path to the value instead`,
    );
    expect(ms).toBeLessThan(2_000);
  });

  it('a recursive descent over an ordinary body works', async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({ id: i, price: { amount: i, currency: 'EUR' } }));
    const { result } = await probeBody(JSON.stringify({ items }), {
      json: [{ path: '$..currency', match: { equals: 'EUR' } }],
    });
    expect(result.status).toBe('up');
  });

  it('a filter smuggled past validation is still not evaluated by the prober', async () => {
    const { result } = await probeBody('{"items":[{"price":20}]}', {
      json: [{ path: '$.items[?(@.price > 10)]', match: { contains: '20' } }],
    });
    expect(result.status).toBe('down');
    expect(result.error?.message).toContain('filter and script expressions');
  });
});

/**
 * `netprobe replay` reads its file once, in chunks, and starts replaying before it has seen the whole
 * file, with the intervals the first hour shows. Whatever the file, the lines must be those of the
 * reference replay (the whole timeline sorted, every interval inferred from all of it): files whose
 * intervals change or whose monitors appear after that first hour, files out of order, bad lines and
 * too long a span past it, and any chunk boundary.
 */

import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFindingsFile } from '../../cli/findings-file.ts';
import { replayFile } from '../../cli/replay-file.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { type BadLine, FindingsFileError, parseFindingLine } from '../../shared/domain/findings-input.ts';
import { replay, type VantageLine } from '../../shared/domain/replay.ts';

const T0 = Date.parse('2026-11-24T00:00:00.000Z');
const MINUTE = 60_000;
const LOCATIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
/** Small chunks: the first hour of these files spans many of them, so replay starts on a guess. */
const READ = { chunkBytes: 4096 };

/** The built-in defaults, no monitors listed: every interval is inferred from the file. */
const DEFAULTS = parseConfig({ homeRegion: 'us-east-1', regions: ['us-east-1'], monitors: [] }, 'test');

/** One minimal line per location at this minute; down with DNS_TIMEOUT when `down`. */
const runAt = (monitorId: string, minute: number, down = false) =>
  LOCATIONS.map((location, i) =>
    JSON.stringify({
      monitorId,
      location,
      startedAt: new Date(T0 + minute * MINUTE + i * 2000).toISOString(),
      status: down ? 'down' : 'up',
      ...(down ? { error: { code: 'DNS_TIMEOUT' } } : {}),
    }),
  );

/** Minutes from..to (exclusive) every `every` minutes. */
const minutes = (from: number, to: number, every = 1) =>
  Array.from({ length: Math.ceil((to - from) / every) }, (_, i) => from + i * every);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netprobe-replay-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** The reference: the whole timeline in memory, sorted, intervals inferred from all of it. */
async function reference(lines: readonly string[]) {
  const findings = lines.map((l, i) => parseFindingLine(l, i + 1) as Finding);
  const notices: VantageLine[] = [];
  return { lines: await replay(findings, DEFAULTS, { store: new MemoryStore(), notices }), notices };
}

describe('replay --findings streamed in one pass', () => {
  it("a monitor whose interval the first hour misjudges: replayed again with the whole file's", async () => {
    // Every minute for 70 minutes, then every 5 minutes for 500: the median gap is 5 minutes. A
    // DNS outage at the 5-minute runs is only confirmed and paged at that interval.
    const lines = [
      ...minutes(0, 70).flatMap((m) => runAt('api', m)),
      ...minutes(70, 570, 5).flatMap((m) => runAt('api', m, m >= 200 && m < 260)),
    ];
    const path = await fileOf('interval-changes.ndjson', lines);
    const expected = await reference(lines);
    expect(expected.lines.map((l) => l.kind)).toEqual(['escalate', 'resolve']);
    const r = await replayFile(path, DEFAULTS, READ);
    expect({ lines: r.lines, notices: r.notices }).toEqual(expected);
    expect(r.extent).toMatchObject({ count: lines.length, first: T0 });
  });

  it('a monitor that first appears after the first hour is replayed too', async () => {
    const lines = minutes(0, 150).flatMap((m) => [
      ...runAt('api', m),
      ...(m >= 90 ? runAt('late', m, m >= 100 && m < 130) : []),
    ]);
    const path = await fileOf('late-monitor.ndjson', lines);
    const expected = await reference(lines);
    expect(expected.lines.map((l) => `${l.kind}:${l.monitorId}`)).toEqual(['escalate:late', 'resolve:late']);
    const r = await replayFile(path, DEFAULTS, READ);
    expect({ lines: r.lines, notices: r.notices }).toEqual(expected);
  });

  it('a file out of order by more than the window past the first hour is sorted whole', async () => {
    const inOrder = minutes(0, 150).flatMap((m) => runAt('api', m, m >= 100 && m < 130));
    // A line of minute 20 at the very end: two hours late.
    const lines = [...inOrder.slice(0, 60), ...inOrder.slice(61), inOrder[60] as string];
    const path = await fileOf('late-line.ndjson', lines);
    const r = await replayFile(path, DEFAULTS, READ);
    expect({ lines: r.lines, notices: r.notices }).toEqual(await reference(lines));
    expect(r.lines.length).toBeGreaterThan(0);
  });

  it('a bad line past the first hour fails the file with its number; nothing is returned', async () => {
    const lines = minutes(0, 150).flatMap((m) => runAt('api', m));
    lines[400] = lines[400]?.replace('"up"', '"maybe"') as string;
    const path = await fileOf('bad-late.ndjson', lines);
    await expect(replayFile(path, DEFAULTS, READ)).rejects.toThrow(`--findings ${path}: line 401: status:`);
  });

  it('too long a span past the first hour fails with the whole span', async () => {
    const lines = [
      ...minutes(0, 100).flatMap((m) => runAt('api', m)),
      ...runAt('api', 100_010),
      ...runAt('api', 100_011),
    ];
    const path = await fileOf('too-long.ndjson', lines);
    await expect(replayFile(path, DEFAULTS, READ)).rejects.toThrow(
      'replay: the findings span 100011 minutes; at most 100000 are replayed',
    );
  });
});

describe('readFindingsFile in chunks', () => {
  it('splits lines as readline does (\\n, \\r\\n, a lone \\r), at every chunk boundary, numbering bad lines alike', async () => {
    // Characters of 2 and 4 bytes in UTF-8 (split across chunks too), and a line longer than a chunk.
    const good = [
      ...runAt('api', 0),
      ...runAt('caf\u00e9-\u{1F600}', 1),
      ...runAt(`api-${'x'.repeat(5000)}`, 2),
    ];
    const text = `${good[0]}\r\n\r\n${good[3]}\rnot json\n\n${good[6]}\r\n{"monitorId":"x"}\r\n${good[4]}\r${good[5]}`;
    const path = join(dir, 'line-ends.ndjson');
    await writeFile(path, text);
    // readline with crlfDelay: Infinity, as the reader was before it read in chunks.
    const expected: Finding[] = [];
    const bad: BadLine[] = [];
    let n = 0;
    for await (const line of createInterface({
      input: createReadStream(path, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    })) {
      n++;
      try {
        const f = parseFindingLine(line, n);
        if (f) expected.push(f);
      } catch (error) {
        bad.push(...(error as FindingsFileError).badLines);
      }
    }
    expect(bad.map((b) => b.line)).toEqual([4, 7]);
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 4096]) {
      const read: Finding[] = [];
      const reading = (async () => {
        for await (const chunk of readFindingsFile(path, { cdnMonitors: new Set(), chunkBytes }))
          read.push(...chunk);
      })();
      await expect(reading).rejects.toThrow(`--findings ${path}: ${new FindingsFileError(bad).message}`);
      expect(read).toEqual(expected);
    }
  });
});

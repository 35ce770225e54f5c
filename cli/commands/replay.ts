/**
 * `netprobe replay --findings <file.ndjson>`: the escalation policy dry-run. Feeds a recorded
 * timeline (the `netprobe run --json` shape) through the escalation engine on a simulated clock and
 * prints every notification it would send: a table, or one JSON object per line with --json.
 */
import { access } from 'node:fs/promises';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import type { CdnMonitors } from '../../shared/domain/findings-input.ts';
import {
  checkSpan,
  type ReplayLine,
  replay,
  replayHistoryMs,
  replayTimeline,
  type VantageLine,
  withInferred,
} from '../../shared/domain/replay.ts';
import { SortingWindow, TimelineScan } from '../../shared/domain/timeline.ts';
import { EXIT, UsageError } from '../exit.ts';
import { readFindingsFile } from '../findings-file.ts';
import { notificationsTable, replaySummary, type TimelineExtent } from '../format/notifications.ts';
import type { Output } from '../output.ts';

export interface ReplayFlags {
  findings: string;
  config?: string;
  json?: boolean;
}

export async function replayCommand(flags: ReplayFlags, output: Output): Promise<number> {
  const config = await replayConfig(flags.config, output);
  const { lines, notices, extent } = await replayFile(flags.findings, config).catch((err: unknown) => {
    // Too long a span for the simulation: the file's fault, said as such.
    if (err instanceof RangeError) throw new UsageError(`--findings ${flags.findings}: ${err.message}`);
    throw err;
  });
  if (flags.json) {
    // Exactly the documented keys, in the documented order.
    for (const l of inTimeOrder(lines, notices)) output.out(JSON.stringify('location' in l ? l : pick(l)));
    return EXIT.ok;
  }
  // Not pages: the operators hear that a probe region's failures are not counted.
  for (const n of notices) output.out(`${n.at}  ${n.kind} probe region ${n.location} → ${n.team}`);
  if (lines.length > 0 && extent.first !== null) {
    for (const line of notificationsTable(lines, extent.first, output.paint)) output.out(line);
    output.out('');
  }
  output.out(replaySummary(lines, extent));
  return EXIT.ok;
}

/**
 * Two passes over the file, each a stream. The first checks every line, and learns the span, the
 * intervals of monitors the config does not list, and whether the file is in order within the
 * window (the longest monitor interval): `netprobe run --json` appends in startedAt order. The
 * second replays it through the window into an in-memory store that keeps only the history the
 * engine can still read, so memory does not grow with the file. A file out of order by more than
 * the window is read whole and sorted first: memory then grows with the file (docs/cli.md).
 */
async function replayFile(
  path: string,
  config: NetprobeConfig,
): Promise<{ lines: ReplayLine[]; notices: VantageLine[]; extent: TimelineExtent }> {
  const notices: VantageLine[] = [];
  const windowMs = orderWindowMs(config);
  const cdnMonitors = new Set(config.monitors.filter((m) => m.cdn).map((m) => m.id));
  const window = new SortingWindow(windowMs);
  const scan = new TimelineScan(config.monitors);
  let inOrder = true;
  for await (const f of readFindingsFile(path, { validate: true, cdnMonitors })) {
    if (!inOrder) continue;
    const released = window.push(f);
    if (released === false) inOrder = false;
    else for (const r of released) scan.add(r);
  }
  if (!inOrder) {
    const findings: Finding[] = [];
    for await (const f of readFindingsFile(path, { validate: false, cdnMonitors })) findings.push(f);
    const lines = await replay(findings, config, { store: new MemoryStore(), notices });
    return { lines, notices, extent: extentOf(findings) };
  }
  for (const r of window.drain()) scan.add(r);
  checkSpan(scan);
  const full = withInferred(config, scan);
  const store = new MemoryStore({ findingsWindowMs: replayHistoryMs(full) });
  const lines = await replayTimeline(inOrderOf(path, windowMs, cdnMonitors), full, { store, notices });
  return { lines, notices, extent: scan };
}

/** The file again, through the same window: in replay order (the first pass checked it is). */
async function* inOrderOf(path: string, windowMs: number, cdnMonitors: CdnMonitors): AsyncGenerator<Finding> {
  const window = new SortingWindow(windowMs);
  for await (const f of readFindingsFile(path, { validate: false, cdnMonitors })) {
    const released = window.push(f);
    if (released === false) throw new UsageError(`--findings ${path}: changed while it was replayed`);
    yield* released;
  }
  yield* window.drain();
}

/** How far out of order a file may be and still stream: the longest monitor interval, at least 1 minute. */
function orderWindowMs(config: NetprobeConfig): number {
  return Math.max(1, ...config.monitors.map((m) => m.intervalMinutes)) * 60_000;
}

function extentOf(findings: readonly Finding[]): TimelineExtent {
  let first: number | null = null;
  let last: number | null = null;
  for (const f of findings) {
    const t = Date.parse(f.startedAt);
    if (first === null || t < first) first = t;
    if (last === null || t > last) last = t;
  }
  return { count: findings.length, first, last };
}

/** Pages and vantage notices merged by time; a notice first at the same instant (the engine sends it first). */
function inTimeOrder(
  lines: readonly ReplayLine[],
  notices: readonly VantageLine[],
): (ReplayLine | VantageLine)[] {
  const merged: (ReplayLine | VantageLine)[] = [];
  let n = 0;
  for (const line of lines) {
    while (n < notices.length && (notices[n] as VantageLine).at <= line.at)
      merged.push(notices[n++] as VantageLine);
    merged.push(line);
  }
  return [...merged, ...notices.slice(n)];
}

function pick(l: ReplayLine): ReplayLine {
  return {
    at: l.at,
    kind: l.kind,
    team: l.team,
    issueType: l.issueType,
    scope: l.scope,
    monitorId: l.monitorId,
    incidentId: l.incidentId,
    locations: l.locations,
  };
}

/**
 * --config, else ./monitors.config.ts when there is one, else the built-in defaults (the guide's
 * escalation table; monitors inferred from the findings), said on stderr so it is never a surprise.
 */
async function replayConfig(path: string | undefined, output: Output): Promise<NetprobeConfig> {
  if (path !== undefined) return loadConfig(path);
  if (await exists(DEFAULT_CONFIG_PATH)) return loadConfig(DEFAULT_CONFIG_PATH);
  output.err(
    `netprobe: no --config and no ${DEFAULT_CONFIG_PATH} here: replaying with the default escalation table`,
  );
  // The schema owns the defaults (table, confirmation rule, classification); a config with no
  // monitors yields exactly them. The region only satisfies the schema: replay never uses it.
  return parseConfig({ homeRegion: 'us-east-1', regions: ['us-east-1'], monitors: [] }, 'built-in defaults');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `netprobe replay --findings <file>`: the file to the lines replay prints, in one streamed pass when
 * the file allows it. Every line is checked, the timeline is put in replay order through a window
 * (the longest monitor interval) and scanned as it is replayed, into an in-memory store that keeps
 * only the history the engine can still read, so memory does not grow with the file.
 */
import { MemoryStore } from '../shared/adapters/memory-store.ts';
import type { NetprobeConfig } from '../shared/config/types.ts';
import type { Finding } from '../shared/domain/finding.ts';
import type { EscalationConfig, MonitorPolicy } from '../shared/domain/incident-assess.ts';
import {
  checkSpan,
  fitsSpan,
  type ReplayLine,
  replay,
  replayHistoryMs,
  replayTimeline,
  type VantageLine,
  withInferred,
} from '../shared/domain/replay.ts';
import { SortingWindow, TimelineScan } from '../shared/domain/timeline.ts';
import { UsageError } from './exit.ts';
import { type ReadOptions, readFindingsFile } from './findings-file.ts';
import type { TimelineExtent } from './format/notifications.ts';

export interface ReplayedFile {
  lines: ReplayLine[];
  notices: VantageLine[];
  extent: TimelineExtent;
}

/**
 * Replay needs the interval of every monitor the config does not list before it starts, and infers
 * it from the whole file (median gap). It starts with the intervals this much of the file shows and
 * checks them at the end against the whole file's: the same (the usual case), the lines stand;
 * otherwise the file is replayed again, streamed, with the whole file's intervals.
 */
const GUESS_AFTER_FINDINGS = 20_000;
const GUESS_AFTER_MS = 60 * 60_000;

export async function replayFile(
  path: string,
  config: NetprobeConfig,
  read: Pick<ReadOptions, 'chunkBytes'> = {},
): Promise<ReplayedFile> {
  const windowMs = orderWindowMs(config);
  const cdnMonitors = new Set(config.monitors.filter((m) => m.cdn).map((m) => m.id));
  const opts = { ...read, cdnMonitors };
  const pass = new StreamedPass(windowMs, config.monitors);
  const chunks = pass.read(path, opts);
  const head: Finding[][] = [];
  while (
    pass.scan.count < GUESS_AFTER_FINDINGS &&
    (pass.scan.first === null || (pass.scan.last as number) - pass.scan.first < GUESS_AFTER_MS)
  ) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
  }
  const guess = withInferred(config, pass.scan);
  const notices: VantageLine[] = [];
  const lines = await replayTimeline(concat(head, chunks), guess, { store: storeFor(guess), notices });
  // The file is read to its end here: a bad line has thrown.
  if (!pass.inOrder) return sortedWhole(path, config, opts);
  checkSpan(pass.scan);
  const full = withInferred(config, pass.scan);
  if (sameMonitors(full.monitors, guess.monitors)) return { lines, notices, extent: pass.scan };
  const again: VantageLine[] = [];
  const replayed = await replayTimeline(inOrderOf(path, windowMs, opts), full, {
    store: storeFor(full),
    notices: again,
  });
  return { lines: replayed, notices: again, extent: pass.scan };
}

/**
 * The file read once, every line checked: its findings in replay order, as far as they can be
 * replayed (in order within the window, no bad line, within replay's span). Past that it yields
 * nothing more but reads on to the end, to report every bad line and to learn the whole file's
 * order, span and intervals.
 */
class StreamedPass {
  readonly scan: TimelineScan;
  inOrder = true;
  #good = true;
  readonly #window: SortingWindow;

  constructor(windowMs: number, monitors: readonly MonitorPolicy[]) {
    this.#window = new SortingWindow(windowMs);
    this.scan = new TimelineScan(monitors);
  }

  async *read(path: string, opts: ReadOptions): AsyncGenerator<Finding[]> {
    const onBadLine = () => {
      this.#good = false;
    };
    for await (const chunk of readFindingsFile(path, { ...opts, onBadLine })) {
      const released: Finding[] = [];
      for (const f of chunk) {
        if (!this.inOrder) continue;
        const out = this.#window.push(f);
        if (out === false) this.inOrder = false;
        else this.#scanned(out, released);
      }
      if (released.length > 0) yield released;
    }
    const released: Finding[] = [];
    if (this.inOrder) this.#scanned(this.#window.drain(), released);
    if (released.length > 0) yield released;
  }

  /** Scans findings released in order; keeps them for replay while the file can still be replayed. */
  #scanned(findings: readonly Finding[], replayable: Finding[]): void {
    for (const f of findings) {
      this.scan.add(f);
      if (this.#good && this.inOrder && fitsSpan(this.scan)) replayable.push(f);
      else this.#good = false;
    }
  }
}

async function* concat<T>(head: readonly T[], rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield* head;
  yield* rest;
}

/** A file out of order by more than the window: read whole and sorted; memory grows with it (docs/cli.md). */
async function sortedWhole(path: string, config: NetprobeConfig, opts: ReadOptions): Promise<ReplayedFile> {
  const findings: Finding[] = [];
  for await (const chunk of readFindingsFile(path, opts)) for (const f of chunk) findings.push(f);
  const notices: VantageLine[] = [];
  const lines = await replay(findings, config, { store: new MemoryStore(), notices });
  return { lines, notices, extent: extentOf(findings) };
}

/** The file again, through the same window: in replay order (the pass before found it is). */
async function* inOrderOf(path: string, windowMs: number, opts: ReadOptions): AsyncGenerator<Finding[]> {
  const window = new SortingWindow(windowMs);
  for await (const chunk of readFindingsFile(path, opts)) {
    const released: Finding[] = [];
    for (const f of chunk) {
      const out = window.push(f);
      if (out === false) throw new UsageError(`--findings ${path}: changed while it was replayed`);
      released.push(...out);
    }
    yield released;
  }
  yield window.drain();
}

/** A store that keeps the history the engine can still read for this config's monitors. */
function storeFor(config: EscalationConfig): MemoryStore {
  return new MemoryStore({ findingsWindowMs: replayHistoryMs(config) });
}

function sameMonitors(a: readonly MonitorPolicy[], b: readonly MonitorPolicy[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => m.id === b[i]?.id && m.intervalMinutes === b[i]?.intervalMinutes)
  );
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

/**
 * A findings file (`netprobe run --json` output, NDJSON) read as a stream, a chunk at a time: a file
 * of any size costs one chunk of memory here. Errors name the file and the line (exit 2).
 */
import { createReadStream } from 'node:fs';
import type { Finding } from '../shared/domain/finding.ts';
import {
  BadLines,
  type CdnMonitors,
  FindingsFileError,
  parseFindingLine,
} from '../shared/domain/findings-input.ts';
import { UsageError } from './exit.ts';

export interface ReadOptions {
  /** The config's CDN-fronted monitors, for lines that leave their issueType to be derived. */
  cdnMonitors: CdnMonitors;
  /**
   * Told of each bad line as it is read. The file still fails at its end, with every bad line; a
   * reader can meanwhile stop work whose result the file cannot use.
   */
  onBadLine?: () => void;
  /** Read at a time. Default CHUNK_BYTES; tests read in tiny chunks to cross every line end. */
  chunkBytes?: number;
}

/** Line ends as readline (crlfDelay: Infinity) counts them: \n, \r\n, or a lone \r. */
const LINE_END = /\r\n|\n|\r/;
/** Bytes read at a time: thousands of findings per chunk, one await for them all. */
const CHUNK_BYTES = 1 << 20;

/** The file's findings, every line checked, in file order: one array per chunk read. */
export async function* readFindingsFile(path: string, opts: ReadOptions): AsyncGenerator<Finding[]> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: opts.chunkBytes ?? CHUNK_BYTES });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('ready', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new UsageError(`--findings ${path}: ${reason}`);
  }
  let n = 0;
  // Every bad line is reported (up to 20, with its number), so the whole file is read first.
  const bad = new BadLines();
  const parse = (lines: readonly string[]): Finding[] => {
    const findings: Finding[] = [];
    for (const line of lines) {
      n++;
      try {
        const finding = parseFindingLine(line, n, opts.cdnMonitors);
        if (finding) findings.push(finding);
      } catch (err) {
        if (!(err instanceof FindingsFileError)) throw err;
        bad.add(err);
        opts.onBadLine?.();
      }
    }
    return findings;
  };
  // The unfinished last line of what was read; a \r at its end may be the first half of \r\n.
  let rest = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      // Still inside one long line: add the chunk, do not re-read what came before.
      if (!LINE_END.test(chunk)) {
        rest += chunk;
        continue;
      }
      const text = rest + chunk;
      const cut = text.endsWith('\r') ? text.length - 1 : text.length;
      const lines = text.slice(0, cut).split(LINE_END);
      rest = (lines.pop() as string) + text.slice(cut);
      yield parse(lines);
    }
    if (rest !== '') {
      // The last line has no end, or ends in \r (which may also end lines before it).
      const lines = rest.split(LINE_END);
      if (lines[lines.length - 1] === '') lines.pop();
      yield parse(lines);
    }
    bad.check();
  } catch (err) {
    if (err instanceof FindingsFileError) throw new UsageError(`--findings ${path}: ${err.message}`);
    throw err;
  } finally {
    input.destroy();
  }
}

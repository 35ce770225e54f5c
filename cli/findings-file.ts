/**
 * A findings file (`netprobe run --json` output, NDJSON) read as a stream, line by line: a file of
 * any size costs one line of memory here. Errors name the file and the line (exit 2).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Finding } from '../shared/domain/finding.ts';
import {
  BadLines,
  type CdnMonitors,
  completeFinding,
  FindingsFileError,
  parseFindingLine,
} from '../shared/domain/findings-input.ts';
import { UsageError } from './exit.ts';

export interface ReadOptions {
  /**
   * Check every line against the finding schema. A second pass over a file the first pass checked
   * only parses it (the schema is most of the cost).
   */
  validate: boolean;
  /** The config's CDN-fronted monitors, for lines that leave their issueType to be derived. */
  cdnMonitors: CdnMonitors;
}

export async function* readFindingsFile(path: string, opts: ReadOptions): AsyncGenerator<Finding> {
  const input = createReadStream(path, { encoding: 'utf8' });
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
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  // Every bad line is reported (up to 20, with its number), so the whole file is read first.
  const bad = new BadLines();
  try {
    for await (const line of lines) {
      n++;
      let finding: Finding | null = null;
      try {
        finding = opts.validate
          ? parseFindingLine(line, n, opts.cdnMonitors)
          : parseTrusted(line, opts.cdnMonitors);
      } catch (err) {
        if (!(err instanceof FindingsFileError)) throw err;
        bad.add(err);
      }
      if (finding) yield finding;
    }
    bad.check();
  } catch (err) {
    if (err instanceof FindingsFileError) throw new UsageError(`--findings ${path}: ${err.message}`);
    throw err;
  } finally {
    lines.close();
    input.destroy();
  }
}

/** A line the first pass checked: parsed and completed, not checked again. */
function parseTrusted(line: string, cdnMonitors: CdnMonitors): Finding | null {
  return line.trim() === '' ? null : completeFinding(JSON.parse(line), cdnMonitors);
}

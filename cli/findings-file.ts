/**
 * A findings file (`netprobe run --json` output, NDJSON) read as a stream, line by line: a file of
 * any size costs one line of memory here. Errors name the file and the line (exit 2).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Finding } from '../shared/domain/finding.ts';
import { FindingsFileError, parseFindingLine } from '../shared/domain/replay.ts';
import { UsageError } from './exit.ts';

export interface ReadOptions {
  /**
   * Check every line against the finding schema. A second pass over a file the first pass checked
   * only parses it (the schema is most of the cost).
   */
  validate: boolean;
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
  try {
    for await (const line of lines) {
      n++;
      const finding = opts.validate ? parseFindingLine(line, n) : parseTrusted(line);
      if (finding) yield finding;
    }
  } catch (err) {
    if (err instanceof FindingsFileError) throw new UsageError(`--findings ${path}: ${err.message}`);
    throw err;
  } finally {
    lines.close();
    input.destroy();
  }
}

function parseTrusted(line: string): Finding | null {
  return line.trim() === '' ? null : (JSON.parse(line) as Finding);
}

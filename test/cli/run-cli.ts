/**
 * Runs the real executable as a user would: `node bin/netprobe.ts …` with the repo's
 * node_modules/.bin (Node 24) first on PATH, colors off unless a test asks otherwise.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO, 'bin/netprobe.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Generous: a spawned Node on a loaded 2-core CI box can take seconds just to start. */
const KILL_AFTER_MS = 60_000;

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Stop reading stdout after its first chunk, as `netprobe … | head -1` does. */
  closeStdoutEarly?: boolean;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolveResult, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      PATH: `${join(REPO, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      ...opts.env,
    };
    // The test runner may force colors for its own output; the CLI under test decides for itself.
    if (opts.env?.FORCE_COLOR === undefined) delete env.FORCE_COLOR;
    const child = spawn('node', [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (opts.closeStdoutEarly) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      resolveResult({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** A stack frame line ("    at fn (file:1:2)"): never shown for a user error. */
export const STACK_FRAME = /^\s+at .+[:(]/m;

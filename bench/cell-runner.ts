/**
 * Parent side of bench/cell.ts: the cell is bundled once with esbuild (as Lambda runs bundled JS, not
 * TypeScript: Node's type stripping alone adds ~55 MB of RSS), then each cell runs in a fresh Node
 * process and its JSON line is parsed back.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { CellConfig, CellResult } from './cell.ts';
import { spawnTracked } from './proc.ts';

const ENTRY = fileURLToPath(new URL('./cell.ts', import.meta.url));
/** A cell that has not finished by then is killed: probes time out after 10 s, so this is a hang. */
const CELL_TIMEOUT_MS = 120_000;
/** CommonJS dependencies (dns-packet) call require() on built-ins, which an ESM bundle lacks (as in infra). */
const ESM_REQUIRE_BANNER =
  "import{createRequire}from'node:module';const require=createRequire(import.meta.url);";

/** Bundles bench/cell.ts into `outDir`; returns the bundle's path. */
export function bundleCell(outDir: string): Promise<string> {
  return bundleScript(ENTRY, join(outDir, 'cell.mjs'));
}

/**
 * A bench script bundled as one ESM file for a child process: it then starts in ~0.2 s, as a Lambda
 * bundle does, not in TypeScript's seconds. Returns `outfile`.
 */
export async function bundleScript(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'error',
  });
  return outfile;
}

export function runCell(bundle: string, config: CellConfig, nodeArgs: string[] = []): Promise<CellResult> {
  const child = spawnTracked(process.execPath, [...nodeArgs, bundle, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, CELL_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) {
        reject(new Error(`bench cell exited with ${signal ?? code}: ${JSON.stringify(config.groups[0])}`));
        return;
      }
      resolve(JSON.parse(line) as CellResult);
    });
  });
}

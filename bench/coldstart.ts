/**
 * Section 4, cold start: each Lambda function bundled as infra/constructs/probe-function.ts bundles it
 * (esbuild, ESM, node24, minified, the AWS SDK bundled in, source map beside it, the createRequire
 * banner), its size, and its module initialisation time: a fresh `node` process with the function's
 * NODE_OPTIONS (--enable-source-maps) imports the bundle and reports how long the import took, median
 * of `runs`. The same entry bundled with @aws-sdk/* external gives the size without the SDK.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { FUNCTION_ENTRIES } from '../infra/entries.ts';
import { ESM_REQUIRE_BANNER } from './cell-runner.ts';
import { median } from './stats.ts';

const run = promisify(execFile);

export interface ColdStartRow {
  name: string;
  entry: string;
  built: boolean;
  bundleBytes?: number;
  gzipBytes?: number;
  /** Same entry with @aws-sdk/* left external (what it would be on the runtime's SDK). */
  withoutSdkBytes?: number;
  /** Import time of each fresh process (ms). */
  initMs?: number[];
  initMedianMs?: number;
  /** Import failed: the first line of the error. */
  error?: string;
}

/** "probeRunner" → "probe-runner", the directory name under functions/. */
const dirName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Imports the bundle in a fresh process and prints the import time. The environment a handler may read
 * at load is given placeholder values only: init must not call AWS, and no credential is set.
 */
const INIT_SCRIPT = `
const t0 = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
process.stdout.write(String(performance.now() - t0));
`;

async function bundle(entry: string, outfile: string, sdkExternal: boolean): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    external: sdkExternal ? ['@aws-sdk/*'] : [],
    logLevel: 'error',
  });
}

export async function measureColdStart(opts: {
  dir: string;
  runs: number;
  env: Record<string, string>;
  log: (line: string) => void;
}): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  for (const [key, entry] of Object.entries(FUNCTION_ENTRIES) as [string, string][]) {
    const name = dirName(key);
    const row: ColdStartRow = { name, entry: `functions/${name}/handler.ts`, built: existsSync(entry) };
    rows.push(row);
    if (!row.built) {
      opts.log(`  ${name}: not yet built (${row.entry} missing)`);
      continue;
    }
    const outfile = join(opts.dir, name, 'index.mjs');
    try {
      await bundle(entry, outfile, false);
      row.bundleBytes = statSync(outfile).size;
      row.gzipBytes = gzipSync(readFileSync(outfile)).length;
      const slim = join(opts.dir, `${name}-sdk-external`, 'index.mjs');
      await bundle(entry, slim, true);
      row.withoutSdkBytes = statSync(slim).size;
    } catch (err) {
      row.error = `bundling failed: ${(err as Error).message.split('\n')[0]}`;
      continue;
    }
    const initMs: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      try {
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT], {
          timeout: 30_000,
          cwd: opts.dir,
          env: {
            PATH: process.env.PATH ?? '',
            ...opts.env,
            NODE_OPTIONS: '--enable-source-maps',
            BENCH_BUNDLE_URL: pathToFileURL(outfile).href,
          },
        });
        initMs.push(Number(stdout));
      } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
        row.error = `init failed: ${stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.split('\n')[0]}`;
        break;
      }
    }
    if (initMs.length > 0) {
      row.initMs = initMs;
      row.initMedianMs = median(initMs);
    }
    opts.log(`  ${name}: ${row.bundleBytes} B, init ${row.initMedianMs?.toFixed(1) ?? row.error} ms`);
  }
  return rows;
}

/**
 * Section 4, cold start: each Lambda function bundled exactly as infra bundles it (infra/bundling.ts
 * `esbuildOptions`: ESM, node24, minified, source map beside it, the AWS SDK and Smithy left to the
 * nodejs24.x runtime), its size, and its module initialisation time: a fresh `node` process with the
 * function's NODE_OPTIONS (--enable-source-maps) imports the bundle and reports how long the import took,
 * median of `runs`. The runtime's SDK is stood in for by the project's own, linked into a node_modules
 * beside the bundle, so init loads it from disk as Lambda does.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { esbuildOptions, RUNTIME_PROVIDED_MODULES } from '../infra/bundling.ts';
import { FUNCTION_ENTRIES, REPO_ROOT } from '../infra/entries.ts';
import { median } from './stats.ts';

const run = promisify(execFile);

export interface ColdStartRow {
  name: string;
  entry: string;
  built: boolean;
  bundleBytes?: number;
  gzipBytes?: number;
  /** Import time of each fresh process (ms). */
  initMs?: number[];
  initMedianMs?: number;
  /**
   * The same import with AWS_LAMBDA_FUNCTION_NAME set, as on Lambda: the probing functions then warm
   * their probers during init (functions/shared/warm-up.ts). This is the init a deployed function has.
   */
  initWarmUpMs?: number[];
  initWarmUpMedianMs?: number;
  /**
   * Diagnostic: the same entry bundled as CommonJS, import time median. An ESM `import` of node:http
   * builds an ESM facade that reads every export, and one lazy export loads undici; require() does not.
   */
  cjsInitMedianMs?: number;
  /** The largest contributors to the bundle (package, or top directory of our own code), KB. */
  topInputs?: { name: string; kb: number }[];
  /** Bundling or import failed: the first line of the error. */
  error?: string;
}

/** What a part of a bundle costs on its own: size and import time of a bundle holding only that part. */
export interface InitPart {
  name: string;
  bundleKb: number;
  initMedianMs: number;
}

const BUILTINS = ['tls', 'http', 'https', 'dgram', 'dns'];
/** The parts the function bundles are made of, each bundled alone the same way. */
const PARTS: { name: string; source: string; format?: 'cjs' }[] = [
  {
    name: 'Node built-ins alone (tls, http, https, dgram, dns), ESM namespace imports',
    source: BUILTINS.map((m) => `export * as ${m} from 'node:${m}';`).join('\n'),
  },
  {
    name: 'the same built-ins through require() (CJS bundle)',
    source: `module.exports = [${BUILTINS.map((m) => `require('node:${m}')`).join(', ')}];`,
    format: 'cjs',
  },
  {
    name: "zod (import * as z from 'zod')",
    source: "import * as z from 'zod'; export const s = z.string();",
  },
  {
    name: 'AWS SDK clients from node_modules, as the runtime loads them (DynamoDB + lib-dynamodb, CloudWatch, SNS)',
    source: [
      "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "export { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      "export { CloudWatchClient } from '@aws-sdk/client-cloudwatch';",
      "export { SNSClient } from '@aws-sdk/client-sns';",
    ].join('\n'),
  },
  {
    name: 'the probers (shared/probes/index.ts)',
    source: "export { runProbe } from './shared/probes/index.ts';",
  },
];

/** "probeRunner" → "probe-runner", the directory name under functions/. */
const dirName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Imports the bundle in a fresh process and prints how long the import took. */
const INIT_SCRIPT = `
const t0 = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
process.stdout.write(String(performance.now() - t0));
`;

/** Builds `entry` with infra's options into `outfile`; returns the bundle's inputs (metafile). */
async function bundle(
  entry: string | { source: string },
  outfile: string,
  format: 'esm' | 'cjs' = 'esm',
): Promise<Record<string, { bytesInOutput: number }>> {
  const base = esbuildOptions(typeof entry === 'string' ? entry : 'stdin.ts', outfile);
  const options: BuildOptions = {
    ...base,
    write: true,
    ...(typeof entry === 'string'
      ? {}
      : { entryPoints: [], stdin: { contents: entry.source, resolveDir: REPO_ROOT, loader: 'ts' as const } }),
    // CommonJS has require() of its own: no createRequire banner.
    ...(format === 'cjs' ? { format: 'cjs' as const, banner: {} } : {}),
  };
  const result = await build(options);
  const [, output] =
    Object.entries(result.metafile?.outputs ?? {}).find(([file]) => !file.endsWith('.map')) ?? [];
  return output?.inputs ?? {};
}

/**
 * The runtime's SDK stand-in: a node_modules beside the bundles holding links to the project's own
 * copies of the runtime-provided scopes, so the bundles' external imports resolve as on Lambda.
 */
export function linkRuntimeModules(dir: string): void {
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const pattern of RUNTIME_PROVIDED_MODULES) {
    const scope = pattern.replace(/\/\*$/, '');
    const target = join(REPO_ROOT, 'node_modules', scope);
    if (existsSync(target) && !existsSync(join(modules, scope)))
      symlinkSync(target, join(modules, scope), 'dir');
  }
}

/** Bytes in the output by package (node_modules/<pkg>) or by our own top-level directory. */
function topInputs(
  inputs: Record<string, { bytesInOutput: number }>,
  count = 6,
): { name: string; kb: number }[] {
  const by = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    const name = pkg ?? file.split('/').slice(0, 2).join('/');
    by.set(name, (by.get(name) ?? 0) + bytesInOutput);
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => ({ name, kb: bytes / 1024 }));
}

/** Import time of `file` in a fresh process (ms); throws with the process's error. */
async function importTime(file: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT], {
    timeout: 30_000,
    cwd: dirname(file),
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      NODE_OPTIONS: '--enable-source-maps',
      BENCH_BUNDLE_URL: pathToFileURL(file).href,
    },
  });
  return Number(stdout);
}

async function medianImportTime(file: string, runs: number, env: Record<string, string>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await importTime(file, env));
  return times;
}

export async function measureInitParts(opts: { dir: string; runs: number }): Promise<InitPart[]> {
  linkRuntimeModules(opts.dir);
  const parts: InitPart[] = [];
  for (const [i, part] of PARTS.entries()) {
    const outfile = join(opts.dir, `part-${i}`, part.format === 'cjs' ? 'index.cjs' : 'index.mjs');
    await bundle({ source: part.source }, outfile, part.format);
    const times = await medianImportTime(outfile, opts.runs, {});
    parts.push({ name: part.name, bundleKb: statSync(outfile).size / 1024, initMedianMs: median(times) });
  }
  return parts;
}

export async function measureColdStart(opts: {
  dir: string;
  runs: number;
  env: Record<string, string>;
  log: (line: string) => void;
}): Promise<ColdStartRow[]> {
  linkRuntimeModules(opts.dir);
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
      row.topInputs = topInputs(await bundle(entry, outfile));
      row.bundleBytes = statSync(outfile).size;
      row.gzipBytes = gzipSync(readFileSync(outfile)).length;
      row.initMs = await medianImportTime(outfile, opts.runs, opts.env);
      row.initMedianMs = median(row.initMs);
      row.initWarmUpMs = await medianImportTime(outfile, opts.runs, {
        ...opts.env,
        AWS_LAMBDA_FUNCTION_NAME: `netprobe-bench-${name}`,
      });
      row.initWarmUpMedianMs = median(row.initWarmUpMs);
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const text = e.stderr || e.message;
      row.error = text.split('\n').find((l) => /Error/.test(l)) ?? text.split('\n')[0];
      opts.log(`  ${name}: ${row.error}`);
      continue;
    }
    const cjs = join(opts.dir, `${name}-cjs`, 'index.cjs');
    try {
      await bundle(entry, cjs, 'cjs');
      row.cjsInitMedianMs = median(await medianImportTime(cjs, opts.runs, opts.env));
    } catch {
      // Code with top-level await cannot be CommonJS: the diagnostic column stays empty.
    }
    opts.log(
      `  ${name}: ${row.bundleBytes} B, init ${row.initMedianMs.toFixed(1)} ms (Lambda environment, warm-up included: ${row.initWarmUpMedianMs.toFixed(1)} ms)`,
    );
  }
  return rows;
}

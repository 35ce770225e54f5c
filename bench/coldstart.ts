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
import { FUNCTION_ENTRIES, REPO_ROOT } from '../infra/entries.ts';
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
  /**
   * Diagnostic: the same entry bundled as CommonJS, import time median. An ESM `import` of node:http
   * builds an ESM facade that reads every export, and one lazy export loads undici (~50 ms); require() does not.
   */
  cjsInitMedianMs?: number;
  /** The largest contributors to the bundle (package, or top directory of our own code), KB. */
  topInputs?: { name: string; kb: number }[];
  /** Import failed: the first line of the error. */
  error?: string;
}

/** What a part of a bundle costs on its own: size and import time of a bundle holding only that part. */
export interface InitPart {
  name: string;
  bundleKb: number;
  initMedianMs: number;
}

/** The parts the function bundles are made of, each bundled alone the same way. */
const BUILTINS = ['tls', 'http', 'https', 'dgram', 'dns'];
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
  { name: "zod (import { z } from 'zod')", source: "import { z } from 'zod'; export const s = z.string();" },
  {
    name: 'AWS SDK clients (DynamoDB + lib-dynamodb, CloudWatch, SNS)',
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

/**
 * Imports the bundle in a fresh process and prints the import time. The environment a handler may read
 * at load is given placeholder values only: init must not call AWS, and no credential is set.
 */
const INIT_SCRIPT = `
const t0 = performance.now();
await import(process.env.BENCH_BUNDLE_URL);
process.stdout.write(String(performance.now() - t0));
`;

async function bundle(
  entry: string | { source: string },
  outfile: string,
  sdkExternal: boolean,
  format: 'esm' | 'cjs' = 'esm',
): Promise<Record<string, { bytesInOutput: number }>> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.source, resolveDir: REPO_ROOT, loader: 'ts' as const } }),
    outfile,
    metafile: true,
    bundle: true,
    platform: 'node',
    format,
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    ...(format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
    external: sdkExternal ? ['@aws-sdk/*'] : [],
    logLevel: 'error',
  });
  const [, output] = Object.entries(result.metafile.outputs).find(([file]) => !file.endsWith('.map')) ?? [];
  return output?.inputs ?? {};
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
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      NODE_OPTIONS: '--enable-source-maps',
      BENCH_BUNDLE_URL: pathToFileURL(file).href,
    },
  });
  return Number(stdout);
}

export async function measureInitParts(opts: { dir: string; runs: number }): Promise<InitPart[]> {
  const parts: InitPart[] = [];
  for (const [i, part] of PARTS.entries()) {
    const outfile = join(opts.dir, `part-${i}`, part.format === 'cjs' ? 'index.cjs' : 'index.mjs');
    await bundle({ source: part.source }, outfile, false, part.format);
    const times: number[] = [];
    for (let r = 0; r < opts.runs; r++) times.push(await importTime(outfile, {}));
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
      row.topInputs = topInputs(await bundle(entry, outfile, false));
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
        initMs.push(await importTime(outfile, opts.env));
      } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
        row.error = `init failed: ${stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.split('\n')[0]}`;
        break;
      }
    }
    if (initMs.length > 0) {
      row.initMs = initMs;
      row.initMedianMs = median(initMs);
      const cjs = join(opts.dir, `${name}-cjs`, 'index.cjs');
      try {
        await bundle(entry, cjs, false, 'cjs');
        const cjsMs: number[] = [];
        for (let i = 0; i < opts.runs; i++) cjsMs.push(await importTime(cjs, opts.env));
        row.cjsInitMedianMs = median(cjsMs);
      } catch {
        // Code with top-level await cannot be CommonJS: the diagnostic column stays empty.
      }
    }
    opts.log(`  ${name}: ${row.bundleBytes} B, init ${row.initMedianMs?.toFixed(1) ?? row.error} ms`);
  }
  return rows;
}

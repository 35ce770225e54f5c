/**
 * What each function bundle is made of, from source, without a synth:
 *   node infra/bundle-analysis.ts [--top N]
 * Builds every entry exactly as ProbeFunction does (infra/bundling.ts) with an esbuild metafile, and
 * prints per function the bundle size, its gzip size and its largest parts (npm package, or top
 * directory of our code). Exits 1 if a bundle holds code that must not be deployed (forbiddenInputs).
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildOptions, forbiddenInputs, packageOf } from './bundling.ts';
import { FUNCTION_ENTRIES } from './entries.ts';

export interface BundlePart {
  /** npm package name, or our top directory (`shared/probes`, `functions/shared`, `monitors.config.ts`). */
  readonly name: string;
  readonly bytes: number;
}

export interface BundleAnalysis {
  /** The bundle as it would be uploaded (index.mjs, with the banner and the source map comment). */
  readonly code: Uint8Array;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Every input file (relative to the repository root) with its bytes in the output. */
  readonly inputs: ReadonlyMap<string, number>;
  /** Inputs grouped by package or directory, largest first. */
  readonly parts: readonly BundlePart[];
  /** Inputs that must not be in a Lambda bundle, with the reason. Empty when all is well. */
  readonly forbidden: readonly string[];
  /** Modules the bundle imports at run time: Node built-ins and what the runtime provides. */
  readonly externals: readonly string[];
}

export async function analyzeBundle(entry: string): Promise<BundleAnalysis> {
  const result = await build(esbuildOptions(entry));
  const code = result.outputFiles?.find((file) => file.path.endsWith('.mjs'))?.contents;
  const outputs = Object.values(result.metafile?.outputs ?? {}).filter((output) => output.entryPoint);
  if (!code || outputs.length !== 1)
    throw new Error(`bundle-analysis: esbuild produced no bundle for ${entry}`);
  const inputs = new Map(
    Object.entries(outputs[0]?.inputs ?? {}).map(([path, input]) => [path, input.bytesInOutput]),
  );
  const byPart = new Map<string, number>();
  for (const [path, bytes] of inputs) {
    const name = packageOf(path) ?? ownPart(path);
    byPart.set(name, (byPart.get(name) ?? 0) + bytes);
  }
  return {
    code,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    inputs,
    parts: [...byPart]
      .map(([name, bytes]) => ({ name, bytes }))
      .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)),
    forbidden: forbiddenInputs(inputs.keys()),
    externals: [...new Set((outputs[0]?.imports ?? []).filter((i) => i.external).map((i) => i.path))].sort(),
  };
}

/** `shared/probes/http.ts` → `shared/probes`; `monitors.config.ts` stays itself. */
function ownPart(path: string): string {
  const segments = path.split('/');
  return segments.length > 2 ? segments.slice(0, 2).join('/') : (segments[0] ?? path);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function formatAnalysis(name: string, analysis: BundleAnalysis, top: number): string {
  const lines = [`${name}: ${kib(analysis.bytes)} (gzip ${kib(analysis.gzipBytes)})`];
  for (const part of analysis.parts.slice(0, top))
    lines.push(`  ${kib(part.bytes).padStart(10)}  ${part.name}`);
  for (const problem of analysis.forbidden) lines.push(`  must not be bundled: ${problem}`);
  return lines.join('\n');
}

if (import.meta.main) {
  const topFlag = process.argv.indexOf('--top');
  const top = topFlag === -1 ? 12 : Number(process.argv[topFlag + 1]);
  if (!Number.isInteger(top) || top < 1) {
    console.error('bundle-analysis: --top needs a whole number ≥ 1');
    process.exitCode = 2;
  } else {
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
      const analysis = await analyzeBundle(entry);
      console.log(formatAnalysis(name, analysis, top));
      if (analysis.forbidden.length > 0) process.exitCode = 1;
    }
  }
}

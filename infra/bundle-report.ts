/**
 * Bundle size per function, read from a synthesized cloud assembly:
 *   npx cdk synth -q && node infra/bundle-report.ts [cdk.out]
 * Sizes are of the esbuild output CDK zips and uploads (index.mjs) and its source map; `gzip` is
 * close to the size of the uploaded zip.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  readonly stack: string;
  readonly functionName: string;
  /** The asset directory inside the assembly. */
  readonly asset: string;
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
}

interface Manifest {
  artifacts?: Record<
    string,
    { type: string; dependencies?: string[]; properties?: { templateFile?: string; file?: string } }
  >;
}

interface AssetManifest {
  files?: Record<string, { source: { path?: string } }>;
}

interface TemplateResource {
  Type: string;
  Properties?: { FunctionName?: unknown; Code?: { S3Key?: unknown } };
}

const BUNDLE = 'index.mjs';

/** Every bundled Lambda function of every stack in the assembly. */
export function bundleSizes(assemblyDir: string): BundleSize[] {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8')) as Manifest;
  const artifacts = manifest.artifacts ?? {};
  const sizes: BundleSize[] = [];
  for (const [stack, artifact] of Object.entries(artifacts)) {
    const templateFile = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || !templateFile) continue;
    const template = JSON.parse(readFileSync(join(assemblyDir, templateFile), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    // The stack's asset manifest maps each code object (S3 key "<hash>.zip") to its staged directory.
    const assetDirs = new Map<string, string>();
    for (const dependency of artifact.dependencies ?? []) {
      const assets = artifacts[dependency];
      if (assets?.type !== 'cdk:asset-manifest' || !assets.properties?.file) continue;
      const files = (
        JSON.parse(readFileSync(join(assemblyDir, assets.properties.file), 'utf8')) as AssetManifest
      ).files;
      for (const [hash, file] of Object.entries(files ?? {})) {
        if (file.source.path) assetDirs.set(`${hash}.zip`, file.source.path);
      }
    }
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const key = resource.Properties?.Code?.S3Key;
      if (resource.Type !== 'AWS::Lambda::Function' || typeof key !== 'string') continue;
      const asset = assetDirs.get(key);
      if (!asset) throw new Error(`${stack}/${logicalId}: code ${key} is not in the stack's asset manifest`);
      const dir = join(assemblyDir, asset);
      const files = readdirSync(dir);
      if (!files.includes(BUNDLE)) throw new Error(`${stack}/${logicalId}: no ${BUNDLE} in ${dir}`);
      const bundle = readFileSync(join(dir, BUNDLE));
      const map = files.includes(`${BUNDLE}.map`) ? statSync(join(dir, `${BUNDLE}.map`)).size : 0;
      const name = resource.Properties?.FunctionName;
      sizes.push({
        stack,
        functionName: typeof name === 'string' ? name : logicalId,
        asset,
        bundleBytes: bundle.length,
        gzipBytes: gzipSync(bundle).length,
        sourceMapBytes: map,
      });
    }
  }
  return sizes;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function formatBundleSizes(sizes: readonly BundleSize[]): string {
  const rows = sizes.map((s) => [
    s.stack,
    s.functionName,
    kib(s.bundleBytes),
    kib(s.gzipBytes),
    kib(s.sourceMapBytes),
  ]);
  const header = ['stack', 'function', 'index.mjs', 'gzip', 'source map'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

if (import.meta.main) {
  const dir = process.argv[2] ?? 'cdk.out';
  try {
    console.log(formatBundleSizes(bundleSizes(dir)));
  } catch (error) {
    console.error(`bundle-report: ${(error as Error).message} (run \`npx cdk synth -q\` first)`);
    process.exitCode = 1;
  }
}

/**
 * How every Lambda function is bundled, defined once: ProbeFunction hands `cdkBundling()` to
 * NodejsFunction (which runs the esbuild CLI), and infra/bundle-analysis.ts runs the same build
 * through esbuild's API with a metafile to say what each bundle is made of.
 */
import { relative, resolve, sep } from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { IConstruct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { REPO_ROOT } from './entries.ts';

/**
 * Left out of the bundles because the nodejs24.x runtime ships them: AWS SDK v3 and the Smithy
 * packages it is built on. Our code imports only the SDK; @smithy is listed so a direct import can
 * never bundle a second copy beside the runtime's SDK.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*', '@smithy/*'];

const TARGET = 'node24';
const MAIN_FIELDS = ['module', 'main'];
/** CommonJS dependencies (dns-packet…) call require() on Node built-ins, which an ESM bundle lacks. */
const BANNER = "import{createRequire}from'node:module';const require=createRequire(import.meta.url);";

/**
 * The CDK context key naming the monitors config file the app reads and the functions bundle
 * (`cdk synth -c netprobe:config=path/to/config.ts`); default monitors.config.ts at the root.
 */
export const CONFIG_CONTEXT_KEY = 'netprobe:config';
/** The config file the app was given (CONFIG_CONTEXT_KEY), absolute; undefined for monitors.config.ts. */
export function configFileOf(scope: IConstruct): string | undefined {
  const file: unknown = scope.node.tryGetContext(CONFIG_CONTEXT_KEY);
  return typeof file === 'string' && file.length > 0 ? resolve(file) : undefined;
}

/** The import functions/shared/config.ts reads the bundled config from (package.json `imports`). */
const CONFIG_IMPORT = '#monitors-config';

/**
 * NodejsFunction's `bundling`: ESM, minified, a source map beside the bundle without the sources.
 * @param configFile the monitors config to bundle instead of monitors.config.ts (absolute path)
 */
export function cdkBundling(configFile?: string): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: TARGET,
    mainFields: MAIN_FIELDS,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    externalModules: [...RUNTIME_PROVIDED_MODULES],
    banner: BANNER,
    ...(configFile ? { esbuildArgs: { [`--alias:${CONFIG_IMPORT}`]: configFile } } : {}),
  };
}

/** The same build for esbuild's API, into memory, with a metafile. `outfile` only names the output. */
export function esbuildOptions(entry: string, outfile = 'index.mjs'): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile: resolve(REPO_ROOT, outfile),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    mainFields: MAIN_FIELDS,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...RUNTIME_PROVIDED_MODULES],
    banner: { js: BANNER },
    metafile: true,
    write: false,
    logLevel: 'silent',
  };
}

/** Our directories that never run in a Lambda function: the lab, tests, benchmarks, CLI, scripts, CDK. */
const NOT_DEPLOYED_DIRS = ['shared/lab/', 'test/', 'bench/', 'cli/', 'bin/', 'scripts/', 'infra/'];
/** Packages only the lab and the CLI use (the lab's certificates, the CLI's argument parser). */
const LAB_AND_CLI_PACKAGES = ['@peculiar/*', 'reflect-metadata', 'tsyringe', 'commander'];

/**
 * The inputs of a bundle that must not be in it, each with the reason: code that only the lab, the
 * tests or the CLI use, or a runtime-provided module that got bundled after all. `inputs` are paths
 * relative to the repository root, as esbuild's metafile names them.
 */
export function forbiddenInputs(inputs: Iterable<string>): string[] {
  const found: string[] = [];
  for (const input of inputs) {
    const path = toPosix(input);
    const pkg = packageOf(path);
    if (pkg === undefined) {
      const dir = NOT_DEPLOYED_DIRS.find((prefix) => path.startsWith(prefix));
      if (dir) found.push(`${path} (${dir} is not deployed)`);
    } else if (providedByRuntime(pkg)) {
      found.push(`${path} (provided by the Lambda runtime, must stay external)`);
    } else if (LAB_AND_CLI_PACKAGES.some((pattern) => matchesPackage(pkg, pattern))) {
      found.push(`${path} (used only by the lab or the CLI)`);
    }
  }
  return found;
}

/** The npm package a path belongs to (`@scope/name` or `name`), or undefined for our own code. */
export function packageOf(path: string): string | undefined {
  // The last node_modules segment names the package that holds the file.
  const found = [...toPosix(path).matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return found.at(-1)?.[1];
}

/** A package the Lambda runtime provides (RUNTIME_PROVIDED_MODULES), by name or import path. */
export function providedByRuntime(specifier: string): boolean {
  const pkg = /^(?:@[^/]+\/)?[^/]+/.exec(specifier)?.[0] ?? specifier;
  return RUNTIME_PROVIDED_MODULES.some((pattern) => matchesPackage(pkg, pattern));
}

/** `@scope/*` matches every package of the scope; anything else one package by name. */
function matchesPackage(pkg: string, pattern: string): boolean {
  return pattern.endsWith('/*') ? pkg.startsWith(pattern.slice(0, -1)) : pkg === pattern;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** A source-map source (relative to the map's directory) as a path relative to the repository root. */
export function repoRelative(fromDir: string, source: string): string {
  return toPosix(relative(REPO_ROOT, resolve(fromDir, source)));
}

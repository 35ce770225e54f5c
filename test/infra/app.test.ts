import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../infra/bundle-analysis.ts';
import { bundleSizes, formatBundleSizes } from '../../infra/bundle-report.ts';
import {
  forbiddenInputs,
  providedByRuntime,
  RUNTIME_PROVIDED_MODULES,
  repoRelative,
} from '../../infra/bundling.ts';
import { FUNCTION_ENTRIES, REPO_ROOT } from '../../infra/entries.ts';
import { FUNCTION_NAMES } from '../../infra/naming.ts';
import { addNagChecks, buildNetprobeApp, NETPROBE_APP_PROPS } from '../../infra/netprobe-app.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { STAND_IN_ENTRIES, testConfig } from './fixtures/config.ts';
import { tempOutdir } from './helpers.ts';

const ROOT_CONFIG = join(REPO_ROOT, 'monitors.config.ts');

/** The variables infra/environment.ts gives every function (the escalator's TOPIC_ARNS too). */
const LAMBDA_ENV = {
  TABLE_NAME: 'netprobe-findings',
  TABLE_REGION: 'us-east-1',
  METRICS_NAMESPACE: 'Netprobe',
  NETPROBE_REGION: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
  TOPIC_ARNS: JSON.stringify({
    'infrastructure-team': 'arn:aws:sns:us-east-1:123456789012:netprobe-infrastructure-team',
  }),
};

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
});

/** The entry each deployed function is built from. */
const ENTRY_OF_FUNCTION: Record<string, string> = {
  [FUNCTION_NAMES.probeRunner]: FUNCTION_ENTRIES.probeRunner,
  [FUNCTION_NAMES.probeDispatcher]: FUNCTION_ENTRIES.probeDispatcher,
  [FUNCTION_NAMES.probeApi]: FUNCTION_ENTRIES.probeApi,
  [FUNCTION_NAMES.httpApi]: FUNCTION_ENTRIES.probeApi,
  [FUNCTION_NAMES.escalator]: FUNCTION_ENTRIES.escalator,
  [FUNCTION_NAMES.findingRewriter]: FUNCTION_ENTRIES.findingRewriter,
  [FUNCTION_NAMES.apiFindingRewriter]: FUNCTION_ENTRIES.findingRewriter,
};

/**
 * What the Lambda runtime adds to a function's code: the AWS SDK (and its Smithy packages), found by
 * a bare import. Linked into the assembly directory, above every asset, from this repository's copy.
 */
function provideRuntimeModules(outdir: string): void {
  mkdirSync(join(outdir, 'node_modules'));
  for (const pattern of RUNTIME_PROVIDED_MODULES) {
    const scope = pattern.replace(/\/\*$/, '');
    symlinkSync(join(REPO_ROOT, 'node_modules', scope), join(outdir, 'node_modules', scope), 'dir');
  }
}

function app(bundling: boolean): { app: App; outdir: string } {
  const temp = tempOutdir();
  dispose = temp.dispose;
  const context = bundling ? {} : { 'aws:cdk:bundling-stacks': [] };
  return { app: new App({ ...NETPROBE_APP_PROPS, outdir: temp.outdir, context }), outdir: temp.outdir };
}

describe('the app', () => {
  it('builds every stack of the root monitors.config.ts with no unacknowledged cdk-nag finding', async () => {
    const config = await loadConfig(ROOT_CONFIG);
    const { app: root } = app(false);
    const stacks = buildNetprobeApp(root, config, { entries: STAND_IN_ENTRIES });
    const report = addNagChecks(root).validateScope(root);
    expect(report.violations).toEqual([]);
    expect(stacks.probes.map((stack) => stack.region)).toEqual(config.regions);
    expect(stacks.home.region).toBe(config.homeRegion);
  });

  it('bundles each function as a minified ESM file with a source map, and reports its size', () => {
    const config = testConfig();
    const { app: bundled, outdir } = app(true);
    buildNetprobeApp(bundled, config, { entries: STAND_IN_ENTRIES });
    bundled.synth();
    const sizes = bundleSizes(outdir);
    expect(sizes.map((s) => `${s.stack} ${s.functionName}`).sort()).toEqual(
      [
        'netprobe-home netprobe-api',
        'netprobe-home netprobe-escalator',
        'netprobe-home netprobe-api-finding-rewriter',
        ...config.regions.flatMap((region) => [
          `netprobe-probe-${region} netprobe-probe-api`,
          `netprobe-probe-${region} netprobe-probe-dispatcher`,
          `netprobe-probe-${region} netprobe-probe-runner`,
          `netprobe-probe-${region} netprobe-finding-rewriter`,
        ]),
      ].sort(),
    );
    for (const size of sizes) {
      const code = readFileSync(join(outdir, size.asset, 'index.mjs'), 'utf8');
      // The banner that gives CommonJS dependencies a require() inside an ES module.
      expect(code.startsWith("import{createRequire}from'node:module';")).toBe(true);
      expect(code).toMatch(/export\{\w+ as handler\}/);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(size.bundleBytes).toBe(Buffer.byteLength(code));
      expect(size.sourceMapBytes).toBeGreaterThan(0);
      expect(size.gzipBytes).toBeGreaterThan(0);
    }
    expect(formatBundleSizes(sizes).split('\n')).toHaveLength(sizes.length + 1);
  }, 120_000);

  // The one test that bundles the real handlers.
  it('synthesizes the real app with the real handlers bundled', async () => {
    const config = await loadConfig(ROOT_CONFIG);
    const { app: real, outdir } = app(true);
    buildNetprobeApp(real, config);
    addNagChecks(real);
    real.synth();
    const sizes = bundleSizes(outdir);
    console.log(
      `bundle sizes (${Object.keys(FUNCTION_ENTRIES).length} handlers):\n${formatBundleSizes(sizes)}`,
    );
    // Per region: dispatcher, runner, api, finding-rewriter; home: api, escalator, api finding-rewriter.
    expect(sizes).toHaveLength(4 * config.regions.length + 3);
    provideRuntimeModules(outdir);
    const checked = new Set<string>();
    for (const { asset, functionName } of sizes) {
      if (checked.has(asset)) continue;
      checked.add(asset);
      const dir = join(outdir, asset);
      const code = readFileSync(join(dir, 'index.mjs'));
      // Bundled, not shipped as source: no relative .ts import is left to resolve at run time.
      expect(code.toString('utf8')).not.toMatch(/from"\.\.?\/[^"]+\.ts"/);
      // Every file that went in, read from the source map: no lab, test or CLI code, no AWS SDK.
      const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      const sources = map.sources.map((source) => repoRelative(dir, source));
      expect(sources).toContain('monitors.config.ts');
      expect(forbiddenInputs(sources)).toEqual([]);
      // bundle-analysis.ts builds the very same bytes, so what it reports is what is deployed.
      const entry = ENTRY_OF_FUNCTION[functionName];
      if (!entry) throw new Error(`no entry known for ${functionName}`);
      const analysis = await analyzeBundle(entry);
      expect(Buffer.from(analysis.code).equals(code)).toBe(true);
      // At run time it imports Node built-ins and what the runtime provides, nothing else.
      expect(analysis.externals.filter((name) => !isBuiltin(name) && !providedByRuntime(name))).toEqual([]);
      // The dispatcher only invokes the runner; every other function writes or reads the table.
      expect(analysis.externals).toContain(
        functionName === FUNCTION_NAMES.probeDispatcher
          ? '@aws-sdk/client-lambda'
          : '@aws-sdk/client-dynamodb',
      );
      // The bundle loads on its own, as Lambda loads it: ESM, CommonJS dependencies, the SDK from
      // the runtime, no other missing module.
      const loaded = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const m = await import('./index.mjs'); console.log(typeof m.handler);",
        ],
        {
          cwd: dir,
          env: { ...LAMBDA_ENV, PATH: process.env.PATH ?? '' },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(loaded.trim()).toBe('function');
    }
  }, 180_000);
});

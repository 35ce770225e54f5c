import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleSizes, formatBundleSizes } from '../../infra/bundle-report.ts';
import { FUNCTION_ENTRIES, missingEntries, REPO_ROOT } from '../../infra/entries.ts';
import { addNagChecks, buildNetprobeApp } from '../../infra/netprobe-app.ts';
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

function app(bundling: boolean): { app: App; outdir: string } {
  const temp = tempOutdir();
  dispose = temp.dispose;
  const context = bundling ? {} : { 'aws:cdk:bundling-stacks': [] };
  return { app: new App({ outdir: temp.outdir, context }), outdir: temp.outdir };
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
        ...config.regions.flatMap((region) => [
          `netprobe-probe-${region} netprobe-probe-api`,
          `netprobe-probe-${region} netprobe-probe-runner`,
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

  // The one test that bundles the real handlers: skipped until every entry exists.
  it.skipIf(missingEntries().length > 0)(
    'synthesizes the real app with the real handlers bundled',
    async () => {
      const config = await loadConfig(ROOT_CONFIG);
      const { app: real, outdir } = app(true);
      buildNetprobeApp(real, config);
      addNagChecks(real);
      real.synth();
      const sizes = bundleSizes(outdir);
      console.log(
        `bundle sizes (${Object.keys(FUNCTION_ENTRIES).length} handlers):\n${formatBundleSizes(sizes)}`,
      );
      expect(sizes).toHaveLength(2 * config.regions.length + 2);
      for (const asset of new Set(sizes.map((size) => size.asset))) {
        const code = readFileSync(join(outdir, asset, 'index.mjs'), 'utf8');
        // Bundled, not shipped as source: no relative .ts import is left to resolve at run time.
        expect(code).not.toMatch(/from"\.\.?\/[^"]+\.ts"/);
        // The bundle loads on its own, as Lambda loads it: ESM, CommonJS dependencies, no missing module.
        const loaded = execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            "const m = await import('./index.mjs'); console.log(typeof m.handler);",
          ],
          {
            cwd: join(outdir, asset),
            env: { ...LAMBDA_ENV, PATH: process.env.PATH ?? '' },
            encoding: 'utf8',
            timeout: 60_000,
          },
        );
        expect(loaded.trim()).toBe('function');
      }
    },
    180_000,
  );
});

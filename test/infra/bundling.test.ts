import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeBundle, formatAnalysis } from '../../infra/bundle-analysis.ts';
import {
  cdkBundling,
  forbiddenInputs,
  packageOf,
  providedByRuntime,
  RUNTIME_PROVIDED_MODULES,
} from '../../infra/bundling.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('bundling options', () => {
  it('leaves the AWS SDK to the Lambda runtime instead of bundling it', () => {
    const bundling = cdkBundling();
    expect(bundling.externalModules).toEqual(['@aws-sdk/*', '@smithy/*']);
    expect(bundling.bundleAwsSDK).toBeUndefined();
    expect(RUNTIME_PROVIDED_MODULES).toEqual(bundling.externalModules);
    expect(
      ['@aws-sdk/client-sns', '@aws-sdk/lib-dynamodb', '@smithy/core/protocols'].every(providedByRuntime),
    ).toBe(true);
    expect(['zod', 'node:http', '@aws-crypto/sha256-js', 'aws-sdk'].some(providedByRuntime)).toBe(false);
  });
});

describe('forbiddenInputs', () => {
  it('refuses lab, test, CLI and infra code, lab-only packages and runtime-provided packages', () => {
    const inputs = [
      'shared/lab/certs.ts',
      'test/fixtures/servers.ts',
      'cli/commands/run.ts',
      'bench/cell.ts',
      'infra/bundling.ts',
      'node_modules/@peculiar/x509/build/x509.es.js',
      'node_modules/reflect-metadata/Reflect.js',
      'node_modules/commander/lib/command.js',
      'node_modules/@aws-sdk/client-sns/dist-es/SNSClient.js',
      'node_modules/@aws-sdk/lib-dynamodb/node_modules/@smithy/core/dist-es/index.js',
      // Runtime names moved to shared/naming.ts: no infra module is deployed any more.
      'infra/naming.ts',
    ];
    const found = forbiddenInputs(inputs);
    expect(found).toHaveLength(inputs.length);
    expect(found[0]).toBe('shared/lab/certs.ts (shared/lab/ is not deployed)');
    expect(found[5]).toMatch(/used only by the lab or the CLI/);
    expect(found[9]).toMatch(/provided by the Lambda runtime/);
    expect(found[10]).toBe('infra/naming.ts (infra/ is not deployed)');
  });

  it('accepts the handlers, the shared code they run, shared/naming.ts and ordinary dependencies', () => {
    expect(
      forbiddenInputs([
        'functions/probe-runner/handler.ts',
        'shared/probes/http.ts',
        'shared/config/schema.ts',
        'monitors.config.ts',
        'shared/naming.ts',
        'node_modules/zod/v4/core/schemas.js',
        'node_modules/@middy/core/index.js',
        // a package whose name merely starts like a refused one
        'node_modules/commander-extra/index.js',
      ]),
    ).toEqual([]);
  });

  it('names the package that holds a file, the innermost one when packages nest', () => {
    expect(packageOf('node_modules/zod/index.js')).toBe('zod');
    expect(packageOf('node_modules/@middy/core/index.js')).toBe('@middy/core');
    expect(packageOf('node_modules/a/node_modules/@smithy/core/x.js')).toBe('@smithy/core');
    expect(packageOf('shared/probes/http.ts')).toBeUndefined();
  });
});

describe('analyzeBundle', () => {
  it('imports the SDK from the runtime: no SDK file in the bundle, the packages left external', async () => {
    const analysis = await analyzeBundle(fixture('sdk-handler.ts'));
    expect([...analysis.inputs.keys()].filter((path) => path.includes('@aws-sdk'))).toEqual([]);
    expect(analysis.externals).toEqual(['@aws-sdk/client-sns', '@aws-sdk/lib-dynamodb']);
    // Only the fixture itself, which lives under test/.
    expect(analysis.forbidden).toEqual(['test/infra/fixtures/sdk-handler.ts (test/ is not deployed)']);
    expect(analysis.bytes).toBeLessThan(2_000);
  }, 60_000);

  it('flags an entry that pulls in the lab and its certificate library', async () => {
    const analysis = await analyzeBundle(fixture('leaky-handler.ts'));
    expect(analysis.forbidden).toContain('shared/lab/certs.ts (shared/lab/ is not deployed)');
    // (a symlinked node_modules shows as a path outside the repository; the package is still named)
    expect(
      analysis.forbidden.some((problem) =>
        /node_modules\/@peculiar\/x509\/.* \(used only by the lab/.test(problem),
      ),
    ).toBe(true);
    expect(analysis.parts.map((part) => part.name)).toContain('@peculiar/x509');
    const text = formatAnalysis('leaky', analysis, 3);
    expect(text.split('\n')[0]).toMatch(/^leaky: \d+\.\d KiB \(gzip \d+\.\d KiB\)$/);
    expect(text).toContain('must not be bundled: shared/lab/certs.ts');
  }, 60_000);

  it('sorts the parts largest first and accounts for every input byte', async () => {
    const analysis = await analyzeBundle(fixture('leaky-handler.ts'));
    const sizes = analysis.parts.map((part) => part.bytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const inputBytes = [...analysis.inputs.values()].reduce((sum, bytes) => sum + bytes, 0);
    expect(sizes.reduce((sum, bytes) => sum + bytes, 0)).toBe(inputBytes);
    expect(inputBytes).toBeLessThanOrEqual(analysis.bytes);
  }, 60_000);
});

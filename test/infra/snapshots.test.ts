/**
 * One snapshot per stack of the default config (the root monitors.config.ts), beside the
 * hasResourceProperties assertions of stacks.test.ts: any change to a template shows in review.
 * Asset hashes (a function's code, which changes with every code change) are normalised, so only a
 * change to the infrastructure itself rewrites a snapshot: `npx vitest run test/infra/snapshots -u`.
 */
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/entries.ts';
import { buildNetprobeApp, NETPROBE_APP_PROPS, type NetprobeStacks } from '../../infra/netprobe-app.ts';
import { loadConfig } from '../../shared/config/load.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { STAND_IN_ENTRIES } from './fixtures/config.ts';
import { tempOutdir } from './helpers.ts';

/** An asset's content hash: 64 hex digits, alone or as an S3 key like `<hash>.zip`. */
const ASSET_HASH = /\b[0-9a-f]{64}\b/g;

function normaliseAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(ASSET_HASH, '[asset hash]'));
}

let config: NetprobeConfig;
let stacks: NetprobeStacks;
let dispose: () => void = () => {};
beforeAll(async () => {
  config = await loadConfig(join(REPO_ROOT, 'monitors.config.ts'));
  const temp = tempOutdir();
  dispose = temp.dispose;
  // The real handlers, bundling skipped: their hashes come from the source, which the snapshot leaves out.
  const app = new App({
    ...NETPROBE_APP_PROPS,
    outdir: temp.outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  stacks = buildNetprobeApp(app, config);
});
afterAll(() => dispose());

describe('templates of the default config', () => {
  it('has the stacks the snapshots below cover', () => {
    expect([stacks.home, ...stacks.probes, ...stacks.monitors].map((stack) => stack.stackName)).toEqual([
      'netprobe-home',
      'netprobe-probe-us-east-1',
      'netprobe-probe-eu-west-1',
      'netprobe-probe-ap-southeast-1',
      'netprobe-monitors-1',
    ]);
  });

  it.each([
    'netprobe-home',
    'netprobe-probe-us-east-1',
    'netprobe-probe-eu-west-1',
    'netprobe-probe-ap-southeast-1',
    'netprobe-monitors-1',
  ])('%s matches its snapshot', (name) => {
    const stack = [stacks.home, ...stacks.probes, ...stacks.monitors].find((s) => s.stackName === name);
    if (!stack) throw new Error(`no stack ${name}`);
    expect(normaliseAssetHashes(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });

  it("does not change when only the functions' code does", () => {
    const { outdir, dispose: remove } = tempOutdir();
    try {
      const other = new App({ ...NETPROBE_APP_PROPS, outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      const changed = buildNetprobeApp(other, config, { entries: STAND_IN_ENTRIES });
      const before = Template.fromStack(stacks.home).toJSON();
      const after = Template.fromStack(changed.home).toJSON();
      expect(JSON.stringify(after)).not.toBe(JSON.stringify(before));
      expect(normaliseAssetHashes(after)).toEqual(normaliseAssetHashes(before));
    } finally {
      remove();
    }
  });
});

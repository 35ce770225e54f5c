/**
 * One synth at scale, in its own process (`node bench/synth-cell.ts <monitors> <outdir>`): the
 * generated config of test/fixtures/monitors-at-scale.ts in 5 regions, every stack built and
 * synthesized as `cdk synth` does (bundling skipped: it does not grow with monitors), each template
 * checked against CloudFormation's limits. Prints one JSON line (SynthRun).
 */
import { App } from 'aws-cdk-lib';
import { checkTemplateLimits } from '../infra/limits.ts';
import { buildNetprobeApp, NETPROBE_APP_PROPS } from '../infra/netprobe-app.ts';
import { configAtScale } from '../test/fixtures/monitors-at-scale.ts';
import { STAND_IN_ENTRIES } from '../test/infra/fixtures/config.ts';
import type { SynthRun } from './synth.ts';

const [count = '50', outdir] = process.argv.slice(2);
const monitors = Number(count);
const config = configAtScale(monitors);
const started = performance.now();
const app = new App({ ...NETPROBE_APP_PROPS, outdir, context: { 'aws:cdk:bundling-stacks': [] } });
const stacks = buildNetprobeApp(app, config, { entries: STAND_IN_ENTRIES });
const built = performance.now();
const sizes = checkTemplateLimits(app.synth());
const done = performance.now();
const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
const run: SynthRun = {
  monitors,
  stacks: sizes.length,
  monitorsStacks: stacks.monitors.length,
  dashboards: stacks.monitors.reduce((sum, stack) => sum + stack.dashboards.length, 0),
  buildS: (built - started) / 1000,
  synthS: (done - built) / 1000,
  cpuS: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  largestBytes: largest.bytes,
  largestStack: largest.stackName,
  mostResources: Math.max(...sizes.map((size) => size.resources)),
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
console.log(JSON.stringify(run));

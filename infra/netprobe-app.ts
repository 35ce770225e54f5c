import { type App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { NetprobeConfig } from '../shared/config/types.ts';
import { NetprobeMetricFactory } from './constructs/metric-factory.ts';
import { dashboardPages, monitorRow } from './constructs/monitoring-dashboard.ts';
import type { FunctionEntries } from './entries.ts';
import { shard } from './monitor-shards.ts';
import { dashboardName } from './naming.ts';
import { HomeStack } from './stacks/home-stack.ts';
import { MONITORS_STACK_BUDGET, MonitorsStack } from './stacks/monitors-stack.ts';
import { ProbeStack } from './stacks/probe-stack.ts';

export interface NetprobeStacks {
  readonly home: HomeStack;
  /** One per configured region, in config order. */
  readonly probes: ProbeStack[];
  /** The monitors' alarms and dashboards, one stack per non-empty shard, in shard order. */
  readonly monitors: MonitorsStack[];
}

/**
 * How netprobe's App is made. CDK's built-in CloudFormation validation (a WASM schema engine run on
 * every template at synth) is off: it took 20 s of CPU for the 1.5 MB template of 100 monitors, so
 * about an hour at 10,000, and cdk-nag (addNagChecks), the limits check (limits.ts) and the tests
 * already read every template. Nor does it write tree.json (the construct tree for the console's
 * explorer): 15% of the CPU of a 1,500-monitor synth, and nothing here reads it (cdk-nag's report
 * walks the tree in memory).
 */
export const NETPROBE_APP_PROPS: AppProps = { builtinCloudFormationValidation: false, treeMetadata: false };

export interface NetprobeAppOptions {
  /** @default the handlers under functions/ */
  readonly entries?: FunctionEntries;
}

/**
 * The whole deployment, driven by the resolved config: `netprobe-home` in the home region,
 * `netprobe-probe-<region>` per region, and `netprobe-monitors-<n>` in the home region for the
 * monitors' alarms and dashboards, as many as keep every template within CloudFormation's limits
 * (infra/monitor-shards.ts). The other stacks depend on the home stack only for deploy order (`cdk
 * deploy --all` creates the table and topics before anything uses them); they reference it by name.
 */
export function buildNetprobeApp(
  app: App,
  config: NetprobeConfig,
  options: NetprobeAppOptions = {},
): NetprobeStacks {
  const entries = options.entries === undefined ? {} : { entries: options.entries };
  const metrics = new NetprobeMetricFactory(config.namespace, config.metrics);
  const shards = shard(
    config.monitors.map((monitor) => monitorRow(monitor, metrics, config.homeRegion)),
    (row) => row.monitor.id,
    MonitorsStack.costOf,
    MONITORS_STACK_BUDGET,
  )
    .map((rows, index) => ({ shard: index + 1, pages: dashboardPages(rows) }))
    .filter(({ pages }) => pages.length > 0);
  const dashboards = shards.flatMap(({ shard, pages }) =>
    pages.map((page, index) => ({
      name: dashboardName(shard, index + 1),
      monitors: page.map((row) => row.monitor.id),
    })),
  );

  const home = new HomeStack(app, { config, metrics, dashboards, ...entries });
  const probes = config.regions.map((region) => {
    const stack = new ProbeStack(app, { config, region, ...entries });
    stack.addStackDependency(home, 'writes findings to the home table');
    return stack;
  });
  const monitors = shards.map(({ shard, pages }) => {
    const stack = new MonitorsStack(app, { config, shard, pages, metrics });
    stack.addStackDependency(home, 'its alarms notify the home topics');
    return stack;
  });
  return { home, probes, monitors };
}

/** AWS Solutions checks at synth; every acknowledgement sits beside the resource it is about, with its reason. */
export function addNagChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return checks;
}

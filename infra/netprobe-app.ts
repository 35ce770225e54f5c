import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { NetprobeConfig } from '../shared/config/types.ts';
import type { FunctionEntries } from './entries.ts';
import { HomeStack } from './stacks/home-stack.ts';
import { ProbeStack } from './stacks/probe-stack.ts';

export interface NetprobeStacks {
  readonly home: HomeStack;
  /** One per configured region, in config order. */
  readonly probes: ProbeStack[];
}

export interface NetprobeAppOptions {
  /** @default the handlers under functions/ */
  readonly entries?: FunctionEntries;
}

/**
 * The whole deployment, driven by the resolved config: `netprobe-home` in the home region and
 * `netprobe-probe-<region>` per region. Probe stacks depend on the home stack only for deploy order
 * (`cdk deploy --all` creates the table before anything writes to it); they reference it by name.
 */
export function buildNetprobeApp(
  app: App,
  config: NetprobeConfig,
  options: NetprobeAppOptions = {},
): NetprobeStacks {
  const entries = options.entries === undefined ? {} : { entries: options.entries };
  const home = new HomeStack(app, { config, ...entries });
  const probes = config.regions.map((region) => {
    const stack = new ProbeStack(app, { config, region, ...entries });
    stack.addStackDependency(home, 'writes findings to the home table');
    return stack;
  });
  return { home, probes };
}

/** AWS Solutions checks at synth; every acknowledgement sits beside the resource it is about, with its reason. */
export function addNagChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return checks;
}

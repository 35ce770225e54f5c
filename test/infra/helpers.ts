import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildNetprobeApp, NETPROBE_APP_PROPS, type NetprobeStacks } from '../../infra/netprobe-app.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { STAND_IN_ENTRIES } from './fixtures/config.ts';

export interface TestApp {
  readonly app: App;
  readonly stacks: NetprobeStacks;
  /** Template of `netprobe-home`. */
  readonly home: Template;
  /** Templates of the probe stacks by region. */
  readonly probes: ReadonlyMap<string, Template>;
  /** Templates of the monitors stacks (alarms and dashboards), in shard order. */
  readonly monitors: readonly Template[];
  /** Removes the cloud assembly directory. */
  readonly dispose: () => void;
}

/** A temporary cloud assembly directory, so CDK leaves no cdk.out* behind. */
export function tempOutdir(): { outdir: string; dispose: () => void } {
  const outdir = mkdtempSync(join(tmpdir(), 'netprobe-cdk-'));
  return { outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The app for a config, functions built from the stand-in entry with bundling skipped. */
export function buildTestApp(config: NetprobeConfig): {
  app: App;
  stacks: NetprobeStacks;
  dispose: () => void;
} {
  const { outdir, dispose } = tempOutdir();
  const app = new App({ ...NETPROBE_APP_PROPS, outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  try {
    return { app, stacks: buildNetprobeApp(app, config, { entries: STAND_IN_ENTRIES }), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

export function synthTestApp(config: NetprobeConfig): TestApp {
  const { app, stacks, dispose } = buildTestApp(config);
  return {
    app,
    stacks,
    home: Template.fromStack(stacks.home),
    probes: new Map(stacks.probes.map((stack) => [stack.region, Template.fromStack(stack)])),
    monitors: stacks.monitors.map((stack) => Template.fromStack(stack)),
    dispose,
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Resources of one type as [logicalId, properties]. */
export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every IAM policy statement of a template (roles' inline and attached policies). */
export function policyStatements(template: Template): Statement[] {
  return resourcesOf(template, 'AWS::IAM::Policy').flatMap(
    ([, properties]) => (properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function template(templates: ReadonlyMap<string, Template>, region: string): Template {
  const found = templates.get(region);
  if (!found) throw new Error(`no probe stack for ${region}`);
  return found;
}

/** A `Fn::Join` of strings and references as one string, each reference written `${LogicalId}`. */
export function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`not a Fn::Join: ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref) return `\${${ref}}`;
      throw new Error(`unexpected part ${JSON.stringify(part)}`);
    })
    .join(join[0]);
}

/**
 * 10,000 monitors in 5 regions: every template CDK writes stays within CloudFormation's limits, every
 * dashboard within CloudWatch's, and no alarm pages a team before the escalation table would. The
 * one test that synthesizes at that size (bundling skipped): about a minute of CPU.
 */
import { readFileSync } from 'node:fs';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorAlarms } from '../../infra/constructs/monitor-alarms.ts';
import { CLOUDFORMATION_LIMITS, checkTemplateLimits, DASHBOARD_LIMITS } from '../../infra/limits.ts';
import { hashId, jumpHash, shard } from '../../infra/monitor-shards.ts';
import { NETPROBE_APP_PROPS } from '../../infra/netprobe-app.ts';
import { configAtScale } from '../fixtures/monitors-at-scale.ts';
import { earlyPages, type TemplateJson } from './alarm-checks.ts';
import { buildTestApp, tempOutdir } from './helpers.ts';

const CONFIG = configAtScale(10_000);

describe('10,000 monitors in 5 regions', () => {
  let assembly: CloudAssembly;
  let templates: Map<string, TemplateJson>;
  let dispose: () => void = () => {};
  beforeAll(() => {
    const built = buildTestApp(CONFIG);
    dispose = built.dispose;
    assembly = built.app.synth();
    templates = new Map(
      assembly.stacks.map((stack) => [
        stack.stackName,
        JSON.parse(readFileSync(stack.templateFullPath, 'utf8')),
      ]),
    );
  }, 900_000);
  afterAll(() => dispose());

  it('writes every template within 1,000,000 bytes and 500 resources', () => {
    const sizes = checkTemplateLimits(assembly);
    const largest = Math.max(...sizes.map((size) => size.bytes));
    console.log(
      `10,000 monitors: ${sizes.length} stacks, largest template ${largest.toLocaleString('en-US')} bytes, ` +
        `most resources ${Math.max(...sizes.map((size) => size.resources))}`,
    );
    expect(largest).toBeLessThan(CLOUDFORMATION_LIMITS.templateBytes);
    expect(Math.max(...sizes.map((size) => size.resources))).toBeLessThanOrEqual(
      CLOUDFORMATION_LIMITS.resources,
    );
    expect(sizes.filter((size) => size.stackName.startsWith('netprobe-monitors-')).length).toBeGreaterThan(1);
  });

  it('gives every monitor its alarms, each once', () => {
    // The monitors stacks' alarms: the home stack's are operational (watchdog, undelivered pages).
    const monitorsStacks = [...templates].filter(([name]) => name.startsWith('netprobe-monitors-'));
    const names = monitorsStacks.flatMap(([, t]) =>
      Object.values(t.Resources ?? {})
        .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
        .map((resource) => resource.Properties?.AlarmName as string),
    );
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(CONFIG.monitors.reduce((sum, m) => sum + MonitorAlarms.countFor(m), 0));
  });

  it('lets no monitor alarm page a team before the table time', () => {
    expect(CONFIG.monitors.filter((monitor) => monitor.alarmsPage).length).toBeGreaterThan(1000);
    expect(earlyPages([...templates.values()], CONFIG)).toEqual([]);
  });

  it('keeps every dashboard within CloudWatch limits: widgets, metrics per widget and per dashboard', () => {
    type Widget = { properties: { metrics?: unknown[][] } };
    const dashboards = [...templates.values()].flatMap((t) =>
      Object.values(t.Resources ?? {}).filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard'),
    );
    expect(dashboards.length).toBeGreaterThan(1);
    for (const dashboard of dashboards) {
      const body = dashboard.Properties?.DashboardBody;
      expect(typeof body, 'a plain string, no reference joined in').toBe('string');
      const widgets = (JSON.parse(body as string) as { widgets: Widget[] }).widgets;
      const perWidget = widgets.map(
        (w) => (w.properties.metrics ?? []).filter((row) => typeof row[0] === 'string').length,
      );
      expect(widgets.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.widgets);
      expect(Math.max(...perWidget)).toBeLessThanOrEqual(DASHBOARD_LIMITS.metricsPerWidget);
      expect(perWidget.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(DASHBOARD_LIMITS.metrics);
    }
  });
});

describe('the limits check', () => {
  it('names the stack and the limit of a template CloudFormation would refuse', () => {
    const { outdir, dispose } = tempOutdir();
    try {
      const app = new App({ ...NETPROBE_APP_PROPS, outdir });
      const stack = new Stack(app, 'too-big');
      for (let i = 0; i < 3; i++) {
        new CfnResource(stack, `Big${i}`, {
          type: 'AWS::CloudWatch::Dashboard',
          properties: { DashboardBody: 'x'.repeat(400_000) },
        });
      }
      expect(() => checkTemplateLimits(app.synth())).toThrow(
        /^stack too-big: template of 1,20\d,\d{3} bytes is over CloudFormation's 1,000,000-byte template limit$/,
      );
    } finally {
      dispose();
    }
  });
});

describe('sharding', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `monitor-${i}`);
  const byCount = (group: readonly string[]) => ({ resources: group.length, bytes: 0 });
  const place = (items: string[], limit: number) =>
    new Map(
      shard(items, (id) => id, byCount, { resources: limit, bytes: 1 }).flatMap((group, n) =>
        group.map((id): [string, number] => [id, n]),
      ),
    );

  it('takes the fewest shards that fit the budget', () => {
    const shards = shard(ids, (id) => id, byCount, { resources: 300, bytes: 1 });
    expect(Math.max(...shards.map((group) => group.length))).toBeLessThanOrEqual(300);
    const fewer = Array.from({ length: shards.length - 1 }, () => 0);
    for (const id of ids) {
      const n = jumpHash(hashId(id), fewer.length);
      fewer[n] = (fewer[n] ?? 0) + 1;
    }
    expect(Math.max(...fewer)).toBeGreaterThan(300);
  });

  it('moves no monitor when others are added or removed', () => {
    const before = place(ids, 300);
    const after = place([...ids.slice(0, 500), 'inserted', ...ids.slice(600)], 300);
    for (const [id, n] of after) if (id !== 'inserted') expect(before.get(id)).toBe(n);
  });

  it('moves a monitor only into the new last shard when the count grows by one', () => {
    for (let count = 1; count < 20; count++) {
      for (const id of ids.slice(0, 500)) {
        const now = jumpHash(hashId(id), count);
        expect([now, count]).toContain(jumpHash(hashId(id), count + 1));
      }
    }
  });
});

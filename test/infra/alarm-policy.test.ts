import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pagingWindow, signalledIssueTypes } from '../../infra/alarm-policy.ts';
import { NotifyTopic } from '../../infra/constructs/alarm-actions.ts';
import { NetprobeMetricFactory } from '../../infra/constructs/metric-factory.ts';
import { MonitorAlarms } from '../../infra/constructs/monitor-alarms.ts';
import { TeamTopics } from '../../infra/constructs/team-topics.ts';
import { REPO_ROOT } from '../../infra/entries.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { pagingAlarms } from '../../shared/domain/alarm-gate.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { topicName } from '../../shared/naming.ts';
import {
  type AlarmProperties,
  alarmsWithTopics,
  earlyPages,
  type TemplateJson,
  windowMinutes,
} from './alarm-checks.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import { buildTestApp, resourcesOf, synthTestApp, type TestApp, tempOutdir } from './helpers.ts';

const templatesOf = (app: TestApp): TemplateJson[] =>
  [app.home, ...app.probes.values(), ...app.monitors].map((t) => t.toJSON() as TemplateJson);

const PAGING = testConfig({
  monitors: Object.values(MONITORS).map((monitor) => ({ ...monitor, alarmsPage: true as const })),
});

describe('paging policy', () => {
  let app: TestApp;
  beforeAll(() => {
    app = synthTestApp(PAGING);
  });
  afterAll(() => app?.dispose());

  it('sends the alarms of an alarmsPage monitor to its team (through the alarm gate), each waiting at least its table time', () => {
    const byName = new Map(alarmsWithTopics(templatesOf(app)).map((entry) => [entry.alarm.AlarmName, entry]));
    const relayedTo = pagingAlarms(PAGING);
    const expectations = [
      // https + cdn: dns 10, connectivity 2, cdn 5 → 10 one-minute intervals; slow ttfb is cdn: 5
      ['netprobe-web-availability', 'netprobe-cdn-team', 10, 2],
      ['netprobe-web-latency-ttfb', 'netprobe-cdn-team', 5, 2],
      ['netprobe-web-latency-total', 'netprobe-cdn-team', 5, 2],
      // DNS: dns 10 → 2 five-minute intervals
      ['netprobe-api-dns-availability', 'netprobe-network-team', 10, 2],
      // plain TCP in one region: tcp 15 → 15 intervals, that one region (confirmation: 1 of 1)
      ['netprobe-db-port-availability', 'netprobe-db-team', 15, 1],
      ['netprobe-db-port-latency-connect', 'netprobe-db-team', 15, 1],
      // plain HTTP every 15 min: connectivity or tcp, 15 → one interval already covers it
      ['netprobe-status-availability', 'netprobe-infrastructure-team', 15, 2],
    ] as const;
    for (const [name, topic, minutes, regions] of expectations) {
      const entry = byName.get(name);
      // The alarm notifies the gate, which relays it to the monitor's team topic (functions/alarm-gate).
      expect(entry?.topics, name).toEqual(['netprobe-alarm-gate']);
      expect(topicName(relayedTo.get(name)?.team ?? '?'), name).toBe(topic);
      expect(windowMinutes(entry?.alarm as AlarmProperties), name).toBe(minutes);
      expect(entry?.alarm.DatapointsToAlarm, name).toBe(entry?.alarm.EvaluationPeriods);
      expect(entry?.alarm.Threshold, name).toBe(regions);
    }
    expect(earlyPages(templatesOf(app), PAGING)).toEqual([]);
  });

  it('counts the regions over a latency threshold like failing regions when it pages', () => {
    const [, ttfb] =
      app.monitors
        .flatMap((t) => resourcesOf(t, 'AWS::CloudWatch::Alarm'))
        .find(([, p]) => p.AlarmName === 'netprobe-web-latency-ttfb') ?? [];
    expect(ttfb).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 2,
      Metrics: expect.arrayContaining([
        expect.objectContaining({
          Expression:
            'IF(FILL(r0, 0) > 800, 1, 0) + IF(FILL(r1, 0) > 800, 1, 0) + IF(FILL(r2, 0) > 800, 1, 0)',
        }),
      ]),
    });
  });

  it('keeps the certificate alarm on its own one-hour rule and team', () => {
    const certificate = alarmsWithTopics(templatesOf(app)).find(
      (e) => e.alarm.AlarmName === 'netprobe-web-certificate',
    );
    expect(certificate?.topics).toEqual(['netprobe-cdn-team']);
    expect(windowMinutes(certificate?.alarm as AlarmProperties)).toBe(60);
  });

  it('refuses alarmsPage when the table time is longer than an alarm can wait, naming the alarm', () => {
    const config = testConfig({
      monitors: [{ ...MONITORS.status, alarmsPage: true }],
      escalation: {
        ...DEFAULT_ESCALATION_TABLE,
        tcp: { ...DEFAULT_ESCALATION_TABLE.tcp, escalateAfterMinutes: 1500 },
      },
      subscriptions: {},
    });
    expect(() => buildTestApp(config)).toThrow(
      'alarm netprobe-status-availability: alarmsPage needs a window of at least 1500 min (the tcp table time), longer than the 1440 min an alarm can evaluate; leave alarmsPage off',
    );
  });
});

describe('without alarmsPage', () => {
  let app: TestApp;
  beforeAll(() => {
    app = synthTestApp(testConfig());
  });
  afterAll(() => app?.dispose());

  it('sends availability and latency alarms to netprobe-alarms only', () => {
    const monitorAlarms = alarmsWithTopics(templatesOf(app)).filter(({ alarm }) =>
      /-(availability|latency-\w+)$/.test(alarm.AlarmName),
    );
    expect(monitorAlarms).toHaveLength(7);
    for (const { topics } of monitorAlarms) expect(topics).toEqual(['netprobe-alarms']);
  });

  it('lets no alarm of the root monitors.config.ts page a team before the table time', async () => {
    const config = await loadConfig(join(REPO_ROOT, 'monitors.config.ts'));
    const root = synthTestApp(config);
    try {
      expect(earlyPages(templatesOf(root), config)).toEqual([]);
    } finally {
      root.dispose();
    }
  });
});

describe('the check on the templates', () => {
  it('catches the old policy: alarms to the team after one interval', () => {
    const { outdir, dispose } = tempOutdir();
    try {
      const stack = new Stack(new App({ outdir }), 'old-policy', { env: { region: 'us-east-1' } });
      const topics = new TeamTopics(stack, 'Teams', { teams: ['db-team'] });
      new MonitorAlarms(stack, 'Alarms', {
        monitor: MONITORS.dbPort,
        metrics: new NetprobeMetricFactory('Netprobe'),
        confirmation: PAGING.confirmation,
        actions: new NotifyTopic(topics.topicFor('db-team')),
      });
      expect(earlyPages([Template.fromStack(stack).toJSON() as TemplateJson], PAGING)).toEqual([
        'netprobe-db-port-availability → netprobe-db-team: 2 min < 15 min',
        'netprobe-db-port-latency-connect → netprobe-db-team: 3 min < 15 min',
      ]);
    } finally {
      dispose();
    }
  });
});

describe('issue types an alarm can signal', () => {
  it('lets a plain-HTTP availability alarm signal connectivity or tcp: 15 min by default', () => {
    const status = MONITORS.status;
    expect(signalledIssueTypes(status, { kind: 'availability' }, 'connectivity')).toEqual(
      expect.arrayContaining(['connectivity', 'tcp']),
    );
    expect(pagingWindow(status, { kind: 'availability' }, PAGING)).toEqual({ minutes: 15, issueType: 'tcp' });
  });

  it('follows the classification of failures everywhere and the dns phase', () => {
    const escalation = {
      ...DEFAULT_ESCALATION_TABLE,
      cdn: { ...DEFAULT_ESCALATION_TABLE.cdn, escalateAfterMinutes: 30 },
    };
    const web = MONITORS.web;
    const config = { escalation, classification: { allLocationsDown: 'cdn' as const } };
    expect(pagingWindow(web, { kind: 'availability' }, config)).toEqual({ minutes: 30, issueType: 'cdn' });
    expect(pagingWindow(web, { kind: 'latency', phase: 'dns' }, config)).toEqual({
      minutes: 10,
      issueType: 'dns',
    });
    expect(signalledIssueTypes(MONITORS.apiDns, { kind: 'availability' }, 'connectivity')).toEqual(['dns']);
  });
});

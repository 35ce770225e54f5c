/**
 * The DNSSEC countdown alarm: a DNS monitor with dnssec: true gets netprobe-<id>-dnssec on the lowest
 * DnssecDaysRemaining over its regions, under dnssecWarnDays, to the monitor's alarm topic.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../shared/config/types.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import { resourcesOf, synthTestApp } from './helpers.ts';

const signed: MonitorConfig = {
  ...MONITORS.apiDns,
  id: 'zone-signed',
  probe: { ...MONITORS.apiDns.probe, dnssec: true, dnssecWarnDays: 5 } as MonitorConfig['probe'],
};

describe('DNSSEC alarm', () => {
  it('one per dnssec monitor, on the fewest days left, to the alarm topic; none without dnssec', () => {
    const app = synthTestApp(testConfig({ monitors: [signed, MONITORS.apiDns], subscriptions: {} }));
    try {
      const template = app.monitors[0];
      template?.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'netprobe-zone-signed-dnssec',
        Threshold: 5,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'MIN([r0, r1, r2])' }),
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                MetricName: 'DnssecDaysRemaining',
                Dimensions: Match.arrayWith([{ Name: 'Monitor', Value: 'zone-signed' }]),
              }),
              Stat: 'Minimum',
            }),
          }),
        ]),
        // The monitor's alarm topic, as its availability alarm.
        AlarmActions: [
          Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':netprobe-alarms'])]) }),
        ],
      });
      const names = resourcesOf(template as NonNullable<typeof template>, 'AWS::CloudWatch::Alarm').map(
        ([, p]) => p.AlarmName,
      );
      expect(names).not.toContain('netprobe-api-dns-dnssec');
    } finally {
      app.dispose();
    }
  });
});

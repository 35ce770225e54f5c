import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../shared/config/types.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import { buildTestApp } from './helpers.ts';

const ELEVEN_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
];

/** Builds the app for a config with the given monitors; the error must name what is wrong. */
function build(monitors: MonitorConfig[], regions = testConfig().regions): void {
  const { dispose } = buildTestApp(testConfig({ monitors, regions, subscriptions: {} }));
  dispose();
}

describe('invalid combinations fail at synth, naming the alarm', () => {
  it('refuses a monitor in more regions than one alarm can combine', () => {
    const wide = { ...MONITORS.apiDns, regions: ELEVEN_REGIONS };
    expect(() => build([wide], ELEVEN_REGIONS)).toThrow(
      'alarm netprobe-api-dns-availability: 11 regions, but one alarm can combine at most 10 metrics',
    );
  });

  it('refuses a latency alarm whose window exceeds a day', () => {
    const slow = { ...MONITORS.web, intervalMinutes: 600 };
    expect(() => build([slow])).toThrow(
      'alarm netprobe-web-latency-total: 3 intervals of 600 min exceed the 1440 min alarm window',
    );
  });

  it('refuses a latency threshold that is not a positive number', () => {
    const bad = { ...MONITORS.dbPort, probe: { ...MONITORS.dbPort.probe, thresholds: { connect: 0 } } };
    expect(() => build([bad])).toThrow(
      'alarm netprobe-db-port-latency-connect: threshold 0 ms must be a positive number',
    );
  });

  it('refuses subscriptions for a team that has no topic', () => {
    expect(() => buildTestApp(testConfig({ subscriptions: { 'typo-team': [] } }))).toThrow(
      'subscriptions.typo-team: no SNS topic for team "typo-team" (teams: network-team, performance-team, cdn-team, infrastructure-team, db-team)',
    );
  });

  it('refuses a team name that cannot be a topic name', () => {
    const bad = { ...MONITORS.status, team: 'ops team!' };
    expect(() => build([bad])).toThrow('team "ops team!": a team name becomes an SNS topic name');
  });
});

import { describe, expect, it } from 'vitest';
import { certificateAlarmTeam, teamsOf, watchdogTeam } from '../../infra/teams.ts';
import { alarmTeam } from '../../shared/domain/alarm-gate.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { alarmIssueType, certificateIssueType, classify } from '../../shared/domain/route.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';

describe('teams', () => {
  it('pages every team of the escalation table plus the teams monitors name', () => {
    expect(teamsOf(testConfig())).toEqual([
      'network-team',
      'performance-team',
      'cdn-team',
      'infrastructure-team',
      'db-team',
    ]);
  });

  it.each([
    [MONITORS.apiDns, 'dns', 'network-team'],
    [MONITORS.web, 'cdn', 'cdn-team'],
    [{ ...MONITORS.dbPort, team: undefined }, 'tcp', 'performance-team'],
    [MONITORS.status, 'connectivity', 'infrastructure-team'],
  ] as const)('alarms of %o stand for %s and go to %s', (monitor, issueType, team) => {
    expect(alarmIssueType(monitor)).toBe(issueType);
    expect(alarmTeam(monitor, DEFAULT_ESCALATION_TABLE)).toBe(team);
  });

  it('prefers the monitor’s own team, and follows table overrides', () => {
    expect(alarmTeam(MONITORS.dbPort, DEFAULT_ESCALATION_TABLE)).toBe('db-team');
    const table = {
      ...DEFAULT_ESCALATION_TABLE,
      dns: { ...DEFAULT_ESCALATION_TABLE.dns, team: 'dns-oncall' },
    };
    expect(alarmTeam(MONITORS.apiDns, table)).toBe('dns-oncall');
  });

  it.each([
    [MONITORS.web, 'cdn', 'cdn-team'],
    [{ ...MONITORS.web, cdn: false }, 'tcp', 'performance-team'],
    [{ ...MONITORS.dbPort, team: undefined }, 'tcp', 'performance-team'],
    [MONITORS.dbPort, 'tcp', 'db-team'],
  ] as const)('the certificate alarm of %o stands for %s and goes to %s', (monitor, issueType, team) => {
    expect(certificateIssueType(monitor)).toBe(issueType);
    expect(certificateAlarmTeam(monitor, DEFAULT_ESCALATION_TABLE)).toBe(team);
  });

  it('types an expiring certificate the way classify() types the finding', () => {
    const expiring = {
      status: 'degraded',
      layer: 'tls',
      error: { code: 'TLS_CERT_EXPIRING', message: 'certificate expires in 12 days' },
      details: { kind: 'tcp' },
    } as Parameters<typeof classify>[0];
    for (const cdn of [true, false]) {
      const monitor = { ...MONITORS.web, cdn };
      expect(certificateIssueType(monitor)).toBe(classify(expiring, { cdn, allLocationsDown: false }));
    }
  });

  it("sends watchdog pages to the operators' team, not the team that owns complete outages", () => {
    expect(watchdogTeam({ operatorsTeam: 'infrastructure-team' })).toBe('infrastructure-team');
    expect(watchdogTeam({ operatorsTeam: 'sre' })).toBe('sre');
  });
});

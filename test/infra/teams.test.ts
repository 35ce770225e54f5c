import { describe, expect, it } from 'vitest';
import { alarmIssueType, alarmTeam, teamsOf, watchdogTeam } from '../../infra/teams.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
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

  it('sends watchdog pages to the team that owns complete outages', () => {
    expect(watchdogTeam(DEFAULT_ESCALATION_TABLE)).toBe('infrastructure-team');
    const table = {
      ...DEFAULT_ESCALATION_TABLE,
      connectivity: { ...DEFAULT_ESCALATION_TABLE.connectivity, team: 'sre' },
    };
    expect(watchdogTeam(table)).toBe('sre');
  });
});

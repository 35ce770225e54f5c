import type { MonitorConfig, NetprobeConfig } from '../shared/config/types.ts';
import type { EscalationTable } from '../shared/domain/escalation-table.ts';
import type { IssueType } from '../shared/domain/finding.ts';

/** Every team that can be paged: the escalation table's teams, then teams named by monitors. */
export function teamsOf(config: Pick<NetprobeConfig, 'escalation' | 'monitors'>): string[] {
  const teams = new Set(Object.values(config.escalation).map((rule) => rule.team));
  for (const monitor of config.monitors) if (monitor.team) teams.add(monitor.team);
  return [...teams];
}

/**
 * The issue type a monitor's own CloudWatch alarms stand for. The escalator pages by the type of each
 * failure; an alarm only sees a number, so it takes the type the monitor mostly guards: name
 * resolution for DNS monitors, the CDN for CDN-fronted targets, the port for TCP monitors, and
 * reachability (connectivity) for plain HTTP.
 */
export function alarmIssueType(monitor: MonitorConfig): IssueType {
  if (monitor.probe.kind === 'dns') return 'dns';
  if (monitor.cdn) return 'cdn';
  if (monitor.probe.kind === 'tcp') return 'tcp';
  return 'connectivity';
}

/** The team a monitor's alarms notify: the monitor's own `team`, else the table's team for its type. */
export function alarmTeam(monitor: MonitorConfig, table: EscalationTable): string {
  return monitor.team ?? table[alarmIssueType(monitor)].team;
}

/** Runner and escalator failures page the team that owns complete outages (infrastructure-team by default). */
export function watchdogTeam(table: EscalationTable): string {
  return table.connectivity.team;
}

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

/**
 * The issue type of an expiring certificate (TLS_CERT_EXPIRING), as classify() in
 * shared/domain/classify.ts types it: a TLS-layer warning is never an outage, so `cdn` when the
 * monitor is CDN-fronted (the edge serves the certificate), `tcp` otherwise. CDN headers that only
 * show at run time cannot be known at synth; the config's `cdn` flag decides here.
 */
export function certificateIssueType(monitor: MonitorConfig): IssueType {
  return monitor.cdn ? 'cdn' : 'tcp';
}

/**
 * The team a monitor's certificate alarm notifies: the monitor's own `team` (it replaces the table's
 * team for every issue type of the monitor), else the table's team for certificateIssueType(). That
 * is where an expiring-certificate finding would go if it paged.
 */
export function certificateAlarmTeam(monitor: MonitorConfig, table: EscalationTable): string {
  return monitor.team ?? table[certificateIssueType(monitor)].team;
}

/** Runner and escalator failures page the team that owns complete outages (infrastructure-team by default). */
export function watchdogTeam(table: EscalationTable): string {
  return table.connectivity.team;
}

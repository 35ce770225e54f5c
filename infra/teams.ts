/**
 * Who the CDK app's alarms and topics are for. Every answer comes from the route from a failure to a
 * page (shared/domain/route.ts), so an alarm notifies the team the escalator would page.
 */
import type { MonitorConfig, NetprobeConfig } from '../shared/config/types.ts';
import type { EscalationTable } from '../shared/domain/escalation-table.ts';
import { certificateIssueType, routeFor } from '../shared/domain/route.ts';

/**
 * Every team that can be notified: the escalation table's teams, then teams named by monitors, then
 * the operators' team (a sick probe region's notices).
 */
export function teamsOf(config: Pick<NetprobeConfig, 'escalation' | 'monitors' | 'operatorsTeam'>): string[] {
  const teams = new Set(Object.values(config.escalation).map((rule) => rule.team));
  for (const monitor of config.monitors) if (monitor.team) teams.add(monitor.team);
  teams.add(config.operatorsTeam);
  return [...teams];
}

/**
 * The team a monitor's certificate alarm notifies: where an expiring-certificate finding would go if
 * it paged (certificateIssueType).
 */
export function certificateAlarmTeam(monitor: MonitorConfig, table: EscalationTable): string {
  return routeFor(certificateIssueType(monitor), monitor, table).team;
}

/**
 * Runner, escalator and API failures (the watchdog alarms) notify the operators' team, like a sick
 * probe region's notices: they are netprobe's own faults, not a target's, whoever owns outages.
 */
export function watchdogTeam(config: Pick<NetprobeConfig, 'operatorsTeam'>): string {
  return config.operatorsTeam;
}

/**
 * Which alarms page a team through the alarm gate (docs/deploy.md, "The alarm gate"). Pure: the
 * engine (shared/engine/alarm-gate.ts) holds or relays, the adapters talk to AWS.
 *
 * The paging alarms are the availability and latency alarms of the monitors with `alarmsPage: true`,
 * named as infra/constructs/monitor-alarms.ts names them (shared/naming.ts alarmNameOf): the gate
 * finds the monitor by the exact name, never by parsing it (monitor ids may hold dashes).
 */
import { alarmNameOf } from '../naming.ts';
import type { Phase } from '../probes/types.ts';
import type { EscalationTable } from './escalation-table.ts';
import { type AlarmedMonitor, alarmIssueType, routeFor } from './route.ts';

export interface PagingAlarm {
  alarmName: string;
  monitorId: string;
  /** The team the alarm pages (alarmTeam). */
  team: string;
}

/** The team a monitor's alarms page: the route's team for the type they stand for (alarmIssueType). */
export function alarmTeam(monitor: AlarmedMonitor, table: EscalationTable): string {
  return routeFor(alarmIssueType(monitor), monitor, table).team;
}

/** What pagingAlarms reads of a monitor (the config's MonitorConfig has it). */
export interface PagingMonitor extends AlarmedMonitor {
  id: string;
  alarmsPage?: true;
  probe: AlarmedMonitor['probe'] & { thresholds: Partial<Record<Phase, number>> };
}

/** Every alarm that pages a team, by name. */
export function pagingAlarms(config: {
  monitors: readonly PagingMonitor[];
  escalation: EscalationTable;
}): Map<string, PagingAlarm> {
  const alarms = new Map<string, PagingAlarm>();
  for (const monitor of config.monitors) {
    if (!monitor.alarmsPage) continue;
    const team = alarmTeam(monitor, config.escalation);
    const phases = Object.entries(monitor.probe.thresholds)
      .filter(([, ms]) => ms !== undefined)
      .map(([phase]) => phase as Phase);
    const names = [
      alarmNameOf(monitor, { kind: 'availability' }),
      ...phases.map((phase) => alarmNameOf(monitor, { kind: 'latency', phase })),
    ];
    for (const alarmName of names) alarms.set(alarmName, { alarmName, monitorId: monitor.id, team });
  }
  return alarms;
}

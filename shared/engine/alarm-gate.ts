/**
 * The alarm gate (functions/alarm-gate, docs/deploy.md "The alarm gate"): the only way a monitor's
 * own alarm reaches a team. CloudWatch notifies the gate's topic; the gate relays each notification
 * to the monitor's team topic unless a maintenance window or a silence covers the monitor, by the
 * same rule the escalator holds its pages with (shared/domain/maintenance.ts):
 *
 * - ALARM while covered: held (a `held` ledger entry), not relayed. Otherwise relayed (`paged`).
 * - OK (or INSUFFICIENT_DATA) ends the episode: relayed when its ALARM was paged, dropped when it was
 *   held (an alarm nobody was paged for resolves silently), decided by the window now when the ledger
 *   has no entry (an ALARM from before the gate).
 * - Every minute, tick(): a held alarm whose monitor no window covers any more and that CloudWatch
 *   still reports in ALARM is paged then, once (the ledger entry moves held → paged before the
 *   publish, so two ticks cannot both send it); one no longer in ALARM is forgotten.
 *
 * Failing safe: an unreadable silence list holds nothing (pages rather than holds, as the escalator);
 * a hold the ledger cannot record is paged at once (nobody could release it later); an OK whose
 * ledger entry cannot be read is relayed (an extra all-clear beats a page left open). A notification
 * that is not a paging alarm's is ignored with its reason, never relayed.
 */
import type { NetprobeConfig } from '../config/types.ts';
import { type PagingAlarm, pagingAlarms } from '../domain/alarm-gate.ts';
import { inMaintenance, type MaintenanceWindow } from '../domain/maintenance.ts';
import { readTopicMessage } from '../integrations/topic-message.ts';
import type { AlarmLedger, AlarmRelay, AlarmStates, GatedAlarm } from '../ports/alarm-gate.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';

export interface AlarmGateDeps {
  config: Pick<NetprobeConfig, 'monitors' | 'escalation' | 'maintenance'>;
  store: Pick<Store, 'listSilences'>;
  ledger: AlarmLedger;
  relay: AlarmRelay;
  states: AlarmStates;
  clock: Clock;
}

/** A step that failed without stopping the gate (logged by the handler). */
export interface GateProblem {
  step: string;
  alarmName?: string;
  error: unknown;
}

export type GateOutcome = (
  | { action: 'relayed'; alarmName: string; state: string; team: string }
  | { action: 'held'; alarmName: string; monitorId: string }
  | { action: 'dropped'; alarmName: string; state: string; reason: string }
  | { action: 'ignored'; reason: string }
) & { problems: GateProblem[] };

export interface GateTickReport {
  /** Held entries seen. */
  held: number;
  /** Paged now: their window ended while they were still in ALARM. */
  released: string[];
  /** Forgotten: no longer in ALARM (their OK came while held, or was lost). */
  cleared: string[];
  problems: GateProblem[];
}

/** An SNS notification as the gate receives it. */
export interface TopicNotification {
  subject: string;
  message: string;
}

interface AlarmNotification {
  alarmName: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  stateChangeTime: string;
}

/** The CloudWatch alarm notification in an SNS Message, or why it is none. */
export function readAlarmNotification(message: string): AlarmNotification | { unreadable: string } {
  const read = readTopicMessage(message);
  if (read.type === 'other') return { unreadable: read.reason };
  if (read.type === 'page') return { unreadable: 'an escalator page, not an alarm notification' };
  const { AlarmName, NewStateValue, StateChangeTime } = read.alarm;
  // CloudWatch writes "2026-12-02T09:00:00.000+0000", which Date.parse reads.
  if (typeof StateChangeTime !== 'string' || Number.isNaN(Date.parse(StateChangeTime))) {
    return { unreadable: `alarm ${AlarmName}: no readable StateChangeTime` };
  }
  return { alarmName: AlarmName, state: NewStateValue, stateChangeTime: StateChangeTime };
}

export class AlarmGate {
  readonly #deps: AlarmGateDeps;
  readonly #alarms: Map<string, PagingAlarm>;

  constructor(deps: AlarmGateDeps) {
    this.#deps = deps;
    this.#alarms = pagingAlarms(deps.config);
  }

  async onNotification(notification: TopicNotification): Promise<GateOutcome> {
    const problems: GateProblem[] = [];
    const read = readAlarmNotification(notification.message);
    if ('unreadable' in read) return { action: 'ignored', reason: read.unreadable, problems };
    const alarm = this.#alarms.get(read.alarmName);
    if (!alarm) {
      return {
        action: 'ignored',
        reason: `${read.alarmName} is not an availability or latency alarm of a monitor with alarmsPage: true`,
        problems,
      };
    }
    const { ledger } = this.#deps;
    const now = this.#deps.clock.now();
    const entry = await attempt(problems, 'ledger-get', alarm.alarmName, () => ledger.get(alarm.alarmName));
    const relay = () =>
      this.#deps.relay.relay({
        ...alarm,
        state: read.state,
        stateChangeTime: read.stateChangeTime,
        subject: notification.subject,
        message: notification.message,
      });
    const relayed = {
      action: 'relayed',
      alarmName: alarm.alarmName,
      state: read.state,
      team: alarm.team,
    } as const;

    if (read.state === 'ALARM') {
      // SNS redelivers, and may reorder: a transition already decided, or older than the one on
      // record, is not decided again.
      if (entry?.since === read.stateChangeTime) {
        return {
          action: 'ignored',
          reason: `${alarm.alarmName}: this ALARM was already ${entry.status}`,
          problems,
        };
      }
      if (entry && Date.parse(entry.since) > Date.parse(read.stateChangeTime)) {
        return {
          action: 'ignored',
          reason: `${alarm.alarmName}: older than the ALARM of ${entry.since} on record`,
          problems,
        };
      }
      const record = (status: GatedAlarm['status']): GatedAlarm => ({
        ...alarm,
        status,
        since: read.stateChangeTime,
        subject: notification.subject,
        message: notification.message,
      });
      if (await this.#covered(alarm.monitorId, now, problems)) {
        const kept = await attempt(problems, 'ledger-put', alarm.alarmName, async () => {
          await ledger.put(record('held'));
          return true;
        });
        if (kept) return { action: 'held', alarmName: alarm.alarmName, monitorId: alarm.monitorId, problems };
      }
      await relay();
      await attempt(problems, 'ledger-put', alarm.alarmName, () => ledger.put(record('paged')));
      return { ...relayed, problems };
    }

    // OK or INSUFFICIENT_DATA: the episode is over.
    const paged =
      entry === undefined // unreadable ledger: relay
        ? true
        : entry === null
          ? !(await this.#covered(alarm.monitorId, now, problems))
          : entry.status === 'paged';
    if (entry)
      await attempt(problems, 'ledger-delete', alarm.alarmName, () => ledger.delete(alarm.alarmName));
    if (!paged) {
      return {
        action: 'dropped',
        alarmName: alarm.alarmName,
        state: read.state,
        reason: entry
          ? 'its ALARM was held and never paged'
          : 'a window covers the monitor and no ALARM was paged',
        problems,
      };
    }
    await relay();
    return { ...relayed, problems };
  }

  /** Pages the held alarms whose windows have ended and that are still in ALARM; forgets the others. */
  async tick(): Promise<GateTickReport> {
    const { ledger, states } = this.#deps;
    const report: GateTickReport = { held: 0, released: [], cleared: [], problems: [] };
    const held = await ledger.listHeld();
    report.held = held.length;
    if (held.length === 0) return report;
    // An alarm the config no longer pages with (alarmsPage turned off, monitor gone) pages nobody.
    for (const entry of held.filter((e) => !this.#alarms.has(e.alarmName))) {
      await attempt(report.problems, 'ledger-delete', entry.alarmName, () => ledger.delete(entry.alarmName));
      report.cleared.push(entry.alarmName);
    }
    const now = this.#deps.clock.now();
    const windows = await this.#windows(now, report.problems);
    const due = held.flatMap((entry) => {
      const alarm = this.#alarms.get(entry.alarmName);
      return alarm && !inMaintenance(alarm.monitorId, now, windows) ? [{ entry, alarm }] : [];
    });
    if (due.length === 0) return report;
    const inAlarm = await states.inAlarm(due.map(({ alarm }) => alarm.alarmName));
    for (const { entry, alarm } of due) {
      const name = alarm.alarmName;
      if (!inAlarm.has(name)) {
        await attempt(report.problems, 'ledger-delete', name, () => ledger.delete(name));
        report.cleared.push(name);
        continue;
      }
      const claimed = await attempt(report.problems, 'ledger-claim', name, () =>
        ledger.setStatus(name, 'held', 'paged'),
      );
      if (!claimed) continue;
      try {
        // To the team the config names now, with the notification CloudWatch sent at the time.
        await this.#deps.relay.relay({
          team: alarm.team,
          monitorId: alarm.monitorId,
          alarmName: name,
          state: 'ALARM',
          stateChangeTime: entry.since,
          subject: entry.subject,
          message: entry.message,
        });
        report.released.push(name);
      } catch (error) {
        report.problems.push({ step: 'relay', alarmName: name, error });
        // Held again, so the next tick tries once more.
        await attempt(report.problems, 'ledger-unclaim', name, () => ledger.setStatus(name, 'paged', 'held'));
      }
    }
    return report;
  }

  async #covered(monitorId: string, now: Date, problems: GateProblem[]): Promise<boolean> {
    return inMaintenance(monitorId, now, await this.#windows(now, problems));
  }

  /** The config's windows and the stored silences; without the silences when they cannot be read. */
  async #windows(now: Date, problems: GateProblem[]): Promise<MaintenanceWindow[]> {
    const configured = this.#deps.config.maintenance ?? [];
    const silences = await attempt(problems, 'list-silences', undefined, () =>
      this.#deps.store.listSilences(now),
    );
    return [...configured, ...(silences ?? [])];
  }
}

/** The step's result, or undefined with the failure recorded. */
async function attempt<T>(
  problems: GateProblem[],
  step: string,
  alarmName: string | undefined,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    problems.push({ step, ...(alarmName === undefined ? {} : { alarmName }), error });
    return undefined;
  }
}

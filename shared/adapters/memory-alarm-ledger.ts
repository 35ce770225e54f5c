/** The alarm gate's ledger in memory: tests and the lab, with the DynamoDB ledger's contract. */
import type { AlarmLedger, GatedAlarm } from '../ports/alarm-gate.ts';

export class MemoryAlarmLedger implements AlarmLedger {
  readonly #entries = new Map<string, GatedAlarm>();

  async get(alarmName: string): Promise<GatedAlarm | null> {
    const entry = this.#entries.get(alarmName);
    return entry ? { ...entry } : null;
  }

  async put(entry: GatedAlarm): Promise<void> {
    this.#entries.set(entry.alarmName, { ...entry });
  }

  async setStatus(alarmName: string, from: GatedAlarm['status'], to: GatedAlarm['status']): Promise<boolean> {
    const entry = this.#entries.get(alarmName);
    if (entry?.status !== from) return false;
    this.#entries.set(alarmName, { ...entry, status: to });
    return true;
  }

  async delete(alarmName: string): Promise<void> {
    this.#entries.delete(alarmName);
  }

  async listHeld(): Promise<GatedAlarm[]> {
    return [...this.#entries.values()]
      .filter((entry) => entry.status === 'held')
      .map((entry) => ({ ...entry }));
  }
}

/**
 * What the alarm gate (shared/engine/alarm-gate.ts) needs from the outside: a ledger of the paging
 * alarms it has seen go to ALARM, a way to hand a notification to a team's topic, and CloudWatch's
 * word on which alarms are in ALARM now.
 */

/** One ALARM episode of a paging alarm, from its ALARM notification to the notification that ends it. */
export interface GatedAlarm {
  alarmName: string;
  monitorId: string;
  team: string;
  /** `paged`: the ALARM reached the team. `held`: a maintenance window or silence held it back. */
  status: 'paged' | 'held';
  /** The ALARM notification's StateChangeTime (ISO-8601). */
  since: string;
  /** The notification as CloudWatch sent it (SNS Subject and Message): paged as is if released later. */
  subject: string;
  message: string;
}

/**
 * Where the gate remembers each paging alarm's current ALARM episode. Entries are few (alarms now in
 * ALARM) and each is written by the one notification or tick that moves it.
 */
export interface AlarmLedger {
  get(alarmName: string): Promise<GatedAlarm | null>;
  /** Replaces the alarm's entry. */
  put(entry: GatedAlarm): Promise<void>;
  /** Moves the entry from `from` to `to`, only if it still has `from`: false when another writer moved it. */
  setStatus(alarmName: string, from: GatedAlarm['status'], to: GatedAlarm['status']): Promise<boolean>;
  /** Idempotent. */
  delete(alarmName: string): Promise<void>;
  /** Every entry held back, in no set order. */
  listHeld(): Promise<GatedAlarm[]>;
}

/** A notification the gate lets through to a team's topic. */
export interface RelayedAlarm {
  team: string;
  monitorId: string;
  alarmName: string;
  /** ALARM, OK or INSUFFICIENT_DATA: the state the notification reports. */
  state: string;
  /** The notification's StateChangeTime: with the name and state, it names this notification for good. */
  stateChangeTime: string;
  subject: string;
  /** The CloudWatch notification's JSON, unchanged: the forwarders read it as CloudWatch wrote it. */
  message: string;
}

export interface AlarmRelay {
  /** Throws when the topic did not accept it. */
  relay(alarm: RelayedAlarm): Promise<void>;
}

export interface AlarmStates {
  /** The names among `alarmNames` whose alarm is in ALARM now. */
  inAlarm(alarmNames: readonly string[]): Promise<Set<string>>;
}

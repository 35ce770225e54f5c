/**
 * Maintenance windows and silences: when pages are held (docs/escalation.md, "Maintenance windows").
 * During a window findings are stored, metrics published and incidents opened as always; only the
 * escalate page waits. The engine re-checks a held incident on every tick, so it pages once the
 * window ends if it is still open then, and a resolve is sent as usual (or not at all, silently, for
 * an incident nobody was paged for). Config windows and API silences are the same input.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The monitors a window covers: a list of ids, or every monitor. */
export type WindowMonitors = readonly string[] | '*';

/** A one-off window `[from, to)`, ISO-8601 UTC. Silences created through the API have this shape. */
export interface FixedWindow {
  monitors: WindowMonitors;
  from: string;
  to: string;
  reason: string;
}

/** Every week on `day` at `at` (HH:MM, UTC) for `durationMs`. */
export interface WeeklyWindow {
  monitors: WindowMonitors;
  weekly: { day: Weekday; at: string; durationMs: number };
  reason: string;
}

export type MaintenanceWindow = FixedWindow | WeeklyWindow;

/** A window made through `POST /silences`, stored in the table; the engine reads it with the config's. */
export interface Silence extends FixedWindow {
  id: string;
  monitors: string[] | '*';
  /** The IAM caller that made it (the API's request context). */
  createdBy: string;
}

const MINUTE_MS = 60_000;
export const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;
/** 1970-01-01 was a Thursday: the epoch's offset into a week that starts on Sunday 00:00 UTC. */
const EPOCH_WEEK_OFFSET_MS = 4 * 24 * 60 * MINUTE_MS;

/** Whether a window covers `monitorId` at `at` (the window is half-open: `from` in, `to` out). */
export function inMaintenance(monitorId: string, at: Date, windows: readonly MaintenanceWindow[]): boolean {
  return windows.some((w) => covers(w, monitorId) && active(w, at.getTime()));
}

function covers(w: MaintenanceWindow, monitorId: string): boolean {
  return w.monitors === '*' || w.monitors.includes(monitorId);
}

function active(w: MaintenanceWindow, t: number): boolean {
  if ('weekly' in w) {
    const { day, at, durationMs } = w.weekly;
    const [hours, minutes] = at.split(':').map(Number) as [number, number];
    const start = (WEEKDAYS.indexOf(day) * 24 * 60 + hours * 60 + minutes) * MINUTE_MS;
    const intoWeek = (((t + EPOCH_WEEK_OFFSET_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS;
    // Time since the latest weekly start (this week's or, for a window running over Sunday, last week's).
    const since = (((intoWeek - start) % WEEK_MS) + WEEK_MS) % WEEK_MS;
    return since < durationMs;
  }
  return Date.parse(w.from) <= t && t < Date.parse(w.to);
}

/** `2026-12-06T02:00:00Z`: UTC only, seconds and milliseconds optional. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/;

/** Why `text` is not an ISO-8601 UTC time, or undefined when it is one (a real calendar date). */
export function utcTimeError(text: unknown): string | undefined {
  const hint = 'expected an ISO-8601 UTC time like 2026-12-06T02:00:00Z';
  if (typeof text !== 'string' || !UTC_TIME.test(text)) return `${hint} (got ${JSON.stringify(text)})`;
  const ms = Date.parse(text);
  // Date.parse rolls 02-30 over to 03-02: the date must read back as written.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 16) !== text.slice(0, 16))
    return `${JSON.stringify(text)} is not a real date and time`;
  return undefined;
}

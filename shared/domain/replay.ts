/**
 * Policy dry-run: a timeline of findings through the escalation engine on a simulated clock,
 * returning every notification it would send. The caller wires the Store adapter: `netprobe replay`
 * an in-memory store (and prints these lines), tests drive the policy the same way, and the offline
 * demo lab runs it on its embedded DynamoDB with a notifier that renders each page as SNS would.
 */
import * as z from 'zod';
import { NetprobeError } from '../errors.ts';
import { ManualClock } from '../ports/clock.ts';
import type { Notification, NotificationKind, Notifier } from '../ports/notifier.ts';
import type { Store } from '../ports/store.ts';
import { ERROR_CODES, LAYERS, PROBE_KINDS, STATUSES } from '../probes/types.ts';
import { EscalationEngine } from './escalation.ts';
import { type Finding, ISSUE_TYPES, type IssueType } from './finding.ts';
import type { EscalationConfig, MonitorPolicy } from './incident-assess.ts';

/** One notification the policy would send. `locations` are the failing ones. */
export interface ReplayLine {
  at: string;
  kind: NotificationKind;
  team: string;
  issueType: IssueType;
  monitorId: string;
  incidentId: string;
  locations: string[];
}

/** Where a replay keeps its state and sends its notifications. */
export interface ReplayOptions {
  /**
   * An empty store (or one whose monitors have no other findings or incidents): the engine reads
   * everything the store holds for a monitor. The CLI gives it a MemoryStore.
   */
  store: Store;
  /**
   * Also receives every notification, before it counts as sent: one that throws is re-sent by the
   * engine on a later tick, as the escalator does with SNS, and only appears in the result once accepted.
   */
  notifier?: Notifier;
}

const TICK_MS = 60_000;
/** 100 000 simulated minutes (~69 days): more than any findings TTL, and a bound on the loop. */
export const MAX_REPLAY_MINUTES = 100_000;

/**
 * Sorts the findings by startedAt and feeds them to the engine as if they arrived live: the clock
 * moves to each finding's time (the finding is stored, then processed) and the engine ticks at every
 * whole minute in between. Replay ends at the last finding: nothing is invented after it.
 * Monitors the config does not list are replayed with the interval their findings show
 * (median gap per location, whole minutes, at least 1) and the table's teams.
 */
export async function replay(
  findings: readonly Finding[],
  config: EscalationConfig,
  opts: ReplayOptions,
): Promise<ReplayLine[]> {
  const timeline = [...findings].sort(
    (a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.location.localeCompare(b.location),
  );
  const first = timeline[0];
  const last = timeline[timeline.length - 1];
  if (!first || !last) return [];
  const spanMinutes = (Date.parse(last.startedAt) - Date.parse(first.startedAt)) / TICK_MS;
  if (spanMinutes > MAX_REPLAY_MINUTES) {
    throw new RangeError(
      `replay: the findings span ${Math.round(spanMinutes)} minutes; at most ${MAX_REPLAY_MINUTES} are replayed`,
    );
  }

  const sent: Notification[] = [];
  const clock = new ManualClock(new Date(Date.parse(first.startedAt)));
  const { store } = opts;
  const engine = new EscalationEngine({
    store,
    clock,
    notifier: {
      publish: async (n) => {
        await opts.notifier?.publish(n);
        sent.push(n);
      },
    },
    config: { ...config, monitors: [...config.monitors, ...inferMonitors(timeline, config.monitors)] },
  });

  for (let i = 0; i < timeline.length; ) {
    const at = Date.parse((timeline[i] as Finding).startedAt);
    // Every finding that started at this same instant arrives together.
    let j = i;
    while (j < timeline.length && Date.parse((timeline[j] as Finding).startedAt) === at) j++;
    const batch = timeline.slice(i, j);
    for (let tick = Math.floor(clock.now().getTime() / TICK_MS + 1) * TICK_MS; tick < at; tick += TICK_MS) {
      clock.set(new Date(tick));
      await engine.tick();
    }
    clock.set(new Date(at));
    await store.putFindings(batch);
    await engine.processFindings(batch);
    i = j;
  }
  return sent.map((n) => ({
    at: n.at,
    kind: n.kind,
    team: n.team,
    issueType: n.issueType,
    monitorId: n.monitorId,
    incidentId: n.incidentId,
    locations: n.locations.failing,
  }));
}

function inferMonitors(timeline: readonly Finding[], known: readonly MonitorPolicy[]): MonitorPolicy[] {
  const configured = new Set(known.map((m) => m.id));
  const gaps = new Map<string, number[]>();
  const previous = new Map<string, number>();
  for (const f of timeline) {
    if (configured.has(f.monitorId)) continue;
    const list = gaps.get(f.monitorId) ?? [];
    gaps.set(f.monitorId, list);
    const key = `${f.monitorId}\u0000${f.location}`;
    const t = Date.parse(f.startedAt);
    const before = previous.get(key);
    if (before !== undefined && t > before) list.push(t - before);
    previous.set(key, t);
  }
  return [...gaps].map(([id, list]) => {
    const sorted = list.sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? TICK_MS;
    return { id, intervalMinutes: Math.max(1, Math.round(median / TICK_MS)) };
  });
}

// ---------------------------------------------------------------- reading a timeline

/** A findings file that is not valid NDJSON of findings; `line` is 1-based. */
export class FindingsFileError extends NetprobeError {
  override name = 'FindingsFileError';
  readonly line: number;
  constructor(line: number, message: string) {
    super('findings_file_invalid', `line ${line}: ${message}`);
    this.line = line;
  }
}

const isoInstant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
    'expected an ISO-8601 timestamp with zone',
  )
  .refine((s) => Number.isFinite(Date.parse(s)), 'not a real date');

const findingSchema = z
  .looseObject({
    monitorId: z.string().min(1),
    location: z.string().min(1),
    startedAt: isoInstant,
    probe: z.enum(PROBE_KINDS),
    target: z.string(),
    status: z.enum(STATUSES),
    timings: z.looseObject({ total: z.number().nonnegative() }),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).nullable(),
    layer: z.enum(LAYERS).nullable(),
    details: z.looseObject({ kind: z.enum(PROBE_KINDS) }),
    issueType: z.enum(ISSUE_TYPES).nullable(),
    diagnosis: z.string().nullable(),
  })
  .refine((f) => f.status !== 'down' || f.issueType !== null, {
    path: ['issueType'],
    message: 'required when status is down (the escalation table is keyed by it)',
  });

/** Parses `netprobe run --json` output: one finding per line, blank lines skipped. */
export function readNdjsonFindings(text: string): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new FindingsFileError(index + 1, `not JSON (${(error as Error).message})`);
    }
    const parsed = findingSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new FindingsFileError(index + 1, `${where}${issue?.message ?? 'not a finding'}`);
    }
    findings.push(parsed.data as unknown as Finding);
  }
  return findings;
}

/**
 * Policy dry-run: a timeline of findings through the escalation engine on a simulated clock,
 * returning every notification it would send. The caller wires the Store adapter: `netprobe replay`
 * an in-memory store (and prints these lines), tests drive the policy the same way, and the offline
 * demo lab runs it on its embedded DynamoDB with a notifier that renders each page as SNS would.
 */
import { ManualClock } from '../ports/clock.ts';
import type {
  NoticeNotifier,
  Notification,
  NotificationKind,
  Notifier,
  VantageNotice,
} from '../ports/notifier.ts';
import type { Store } from '../ports/store.ts';
import { EscalationEngine } from './escalation.ts';
import { type Finding, type IssueType, startedAtMs } from './finding.ts';
import { type EscalationConfig, lookbackMs } from './incident-assess.ts';
import type { IncidentScope } from './policy.ts';
import { compareTimeline, TimelineScan } from './timeline.ts';
import { runReports } from './vantage.ts';

/** One notification the policy would send. `locations` are the failing ones. */
export interface ReplayLine {
  at: string;
  kind: NotificationKind;
  team: string;
  issueType: IssueType;
  scope: IncidentScope;
  monitorId: string;
  incidentId: string;
  locations: string[];
}

/** A probe region's impairment began or ended (sent to the operators' team, not a page). */
export interface VantageLine {
  at: string;
  kind: VantageNotice['kind'];
  team: string;
  location: string;
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
  /** Receives the impaired/recovered lines of probe regions, in the order they were sent. */
  notices?: VantageLine[];
  /** Also receives every impaired/recovered notice whole, as the operators' topic would (the lab renders them). */
  noticeNotifier?: NoticeNotifier;
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
  const timeline = [...findings].sort(compareTimeline);
  const scan = new TimelineScan(config.monitors);
  for (const f of timeline) scan.add(f);
  checkSpan(scan);
  return replayTimeline([timeline], withInferred(config, scan), opts);
}

/** The config's monitors, then those the timeline shows that it does not list (replay's rule). */
export function withInferred(config: EscalationConfig, scan: TimelineScan): EscalationConfig {
  return { ...config, monitors: [...config.monitors, ...scan.inferredMonitors()] };
}

/** Refuses a timeline longer than replay simulates (the bound on its loop). */
export function checkSpan(scan: Pick<TimelineScan, 'first' | 'last'>): void {
  if (fitsSpan(scan)) return;
  const spanMinutes = ((scan.last as number) - (scan.first as number)) / TICK_MS;
  throw new RangeError(
    `replay: the findings span ${Math.round(spanMinutes)} minutes; at most ${MAX_REPLAY_MINUTES} are replayed`,
  );
}

/** Whether replay simulates a timeline this long (checkSpan throws otherwise). */
export function fitsSpan(scan: Pick<TimelineScan, 'first' | 'last'>): boolean {
  return (
    scan.first === null || scan.last === null || (scan.last - scan.first) / TICK_MS <= MAX_REPLAY_MINUTES
  );
}

/**
 * The longest window the engine reads for any monitor of the config: a store that keeps this much
 * history behind the newest finding (MemoryStore's findingsWindowMs) answers every read of a replay,
 * so memory stays flat however long the timeline.
 */
export function replayHistoryMs(config: EscalationConfig): number {
  return Math.max(TICK_MS, ...config.monitors.map((m) => lookbackMs(m, config.confirmation)));
}

/**
 * The replay loop, for a timeline already in replay order (compareTimeline), given in chunks of any
 * size, and a config that lists every monitor in it (withInferred): one pass, one finding at a time,
 * so a stream of any length replays in memory that does not grow with it. Throws on a finding out
 * of that order.
 */
export async function replayTimeline(
  timeline: Iterable<readonly Finding[]> | AsyncIterable<readonly Finding[]>,
  config: EscalationConfig,
  opts: ReplayOptions,
): Promise<ReplayLine[]> {
  const sent: ReplayLine[] = [];
  let clock: ManualClock | undefined;
  let engine: EscalationEngine | undefined;
  let batch: Finding[] = [];
  let batchAt = Number.NaN;
  let firstAt = Number.NaN;
  const { store } = opts;

  // Every finding that started at one instant arrives together, after the ticks before it.
  const deliver = async () => {
    if (!clock || !engine || batch.length === 0) return;
    for (
      let tick = Math.floor(clock.now().getTime() / TICK_MS + 1) * TICK_MS;
      tick < batchAt;
      tick += TICK_MS
    ) {
      clock.set(new Date(tick));
      await engine.tick();
    }
    clock.set(new Date(batchAt));
    await store.putFindings(batch);
    // As the runner does after storing its shard's findings: the run index the engine decides
    // impairment from. One report per monitor (the key), so a later finding of it in the run replaces it.
    for (const report of runReports(batch, (f) => f.monitorId)) await store.recordRunReport(report);
    await engine.processFindings(batch);
    batch = [];
  };

  for await (const chunk of timeline)
    for (const f of chunk) {
      const at = startedAtMs(f);
      if (!clock) {
        firstAt = at;
        clock = new ManualClock(new Date(at));
        engine = new EscalationEngine({
          store,
          clock,
          notifier: {
            publish: async (n) => {
              await opts.notifier?.publish(n);
              sent.push(lineOf(n));
            },
          },
          notices: {
            publishNotice: async (n) => {
              await opts.noticeNotifier?.publishNotice(n);
              opts.notices?.push({ at: n.at, kind: n.kind, team: n.team, location: n.location });
            },
          },
          config,
        });
      }
      if (at !== batchAt) {
        if (at < batchAt) {
          throw new RangeError(
            `replay: ${f.startedAt} comes after ${new Date(batchAt).toISOString()}: not in order`,
          );
        }
        checkSpan({ first: firstAt, last: at });
        await deliver();
        batchAt = at;
      }
      batch.push(f);
    }
  await deliver();
  return sent;
}

function lineOf(n: Notification): ReplayLine {
  return {
    at: n.at,
    kind: n.kind,
    team: n.team,
    issueType: n.issueType,
    scope: n.scope,
    monitorId: n.monitorId,
    incidentId: n.incidentId,
    locations: n.locations.failing,
  };
}

/**
 * The escalation engine: one incident per monitor and issue type, opened on a confirmed failure,
 * escalated once it has lasted its table time, resolved when every location passes again.
 * Level-triggered: every call re-reads the monitor's recent findings and moves the stored incidents
 * towards what they show, with conditional writes, so redelivered, late or reordered findings and
 * concurrent escalators converge on exactly one escalate and one resolve per incident.
 * Lifecycle and rules: docs/escalation.md.
 */
import type { Clock } from '../ports/clock.ts';
import type {
  CloseReason,
  NoticeNotifier,
  Notification,
  NotificationKind,
  Notifier,
  VantageNotice,
} from '../ports/notifier.ts';
import { MAX_PAGE_SIZE, type Page, type Store } from '../ports/store.ts';
import type { Finding } from './finding.ts';
import { escalationDueAt, type Incident, incidentIdFor, scopeOf } from './incident.ts';
import {
  type Assessment,
  assess,
  type EscalationConfig,
  lookbackMs,
  type MonitorPolicy,
} from './incident-assess.ts';
import { buildNotification } from './incident-notification.ts';
import { inMaintenance } from './maintenance.ts';
import type { IncidentScope } from './policy.ts';
import { isPagingFailure, routeFor } from './route.ts';
import { DEFAULT_OPERATORS_TEAM, DEFAULT_VANTAGE_RULE } from './vantage.ts';
import { VantageTracker } from './vantage-tracker.ts';

export type { EscalationConfig, MonitorPolicy } from './incident-assess.ts';

/** A claimed notification not confirmed published after this long is taken over and sent again. */
export const DELIVERY_LEASE_MS = 60_000;
/** Lost conditional writes before a monitor is left to the escalator that is winning them. */
export const MAX_RECONCILE_ATTEMPTS = 3;
/** Bound on pages read per listing (100k findings / incidents): a runaway table cannot stall a tick. */
export const MAX_PAGES = 100;

export type Action =
  | { type: 'open'; incident: Incident }
  | { type: 'close'; incident: Incident; reason: CloseReason; successor?: Incident }
  | { type: 'move-first-seen'; incident: Incident; firstSeen: string }
  | { type: 'escalate'; incident: Incident };

/**
 * The pure decision: given what the monitor looks like and its open incidents, what to change.
 * @param open the monitor's open incidents (normally zero or one).
 */
export function decide(
  a: Assessment,
  open: readonly Incident[],
  monitor: MonitorPolicy,
  config: EscalationConfig,
  now: Date,
): Action[] {
  if (a.state === 'clear') return open.map((incident) => ({ type: 'close', incident, reason: 'recovered' }));

  const actions: Action[] = [];
  let keep: Incident[] = [...open];
  if (a.state === 'confirmed' && a.issueType && a.firstSeen && a.scope) {
    const type = a.issueType;
    // A global incident narrowing down to a region stays what it is, as a complete outage does.
    let current =
      open.find((i) => i.issueType === type && scopeOf(i) === a.scope) ??
      open.find((i) => i.issueType === type && a.scope === 'regional');
    let opened: Incident | undefined;
    if (!current && (open.length === 0 || reclassifies(a, open, config) || spreads(a, open))) {
      const firstSeen = [a.firstSeen, ...open.map((i) => i.firstSeen)].sort()[0] as string;
      current = newIncident(a, type, a.scope, firstSeen, monitor, config, now, open[0]?.incidentId);
      if (open.length > 0) {
        // A re-classification pages only once the new type has held for one run of every region.
        current.notBefore = new Date(now.getTime() + monitor.intervalMinutes * 60_000).toISOString();
      }
      opened = current;
    }
    if (current) {
      const replaced = open.filter((i) => i !== current);
      const closes: Action[] = replaced.map((other) => ({
        type: 'close',
        incident: other,
        reason: 'superseded',
        successor: current,
      }));
      // One incident per monitor and type is open at a time: a regional one that spreads closes first.
      const sameType = replaced.some((i) => i.issueType === type);
      if (opened) actions.push(...(sameType ? closes : []), { type: 'open', incident: opened });
      actions.push(...(opened && sameType ? [] : closes));
      keep = [current];
    }
  }

  for (let incident of keep) {
    // A late finding showed the failure started earlier: the clock is measured from it.
    if (a.firstSeen && a.firstSeen < incident.firstSeen) {
      actions.push({ type: 'move-first-seen', incident, firstSeen: a.firstSeen });
      incident = { ...incident, firstSeen: a.firstSeen };
    }
    // A maintenance window holds the page; the tick re-checks, so it goes out once the window ends.
    const held = inMaintenance(monitor.id, now, config.maintenance ?? []);
    if (!incident.escalatedAt && !held && now.getTime() >= escalationDueAt(incident).getTime()) {
      actions.push({ type: 'escalate', incident });
    }
  }
  return actions;
}

/**
 * Whether a confirmed failure of another type replaces the open incident(s). A complete outage
 * always does (the breadth grew). A complete outage narrowing down as regions recover stays what it
 * is. Otherwise the new type must meet the confirmation rule and the old one no longer do so:
 * an open incident holds against a minority, and a vote split mid-run does not flip it.
 */
function reclassifies(a: Assessment, open: readonly Incident[], config: EscalationConfig): boolean {
  if (a.completeOutage) return true;
  // A failure in one region never replaces a global incident.
  if (a.scope === 'regional' && open.some((i) => scopeOf(i) === 'global')) return false;
  const outageType = config.classification.allLocationsDown;
  if (!a.dnsFailing && open.some((i) => i.issueType === outageType)) return false;
  return (
    a.issueType !== null &&
    a.confirmedTypes.includes(a.issueType) &&
    open.every((i) => !a.confirmedTypes.includes(i.issueType))
  );
}

/** A regional incident that spreads to minLocations locations is superseded by a global one. */
function spreads(a: Assessment, open: readonly Incident[]): boolean {
  return a.scope === 'global' && open.every((i) => scopeOf(i) === 'regional');
}

function newIncident(
  a: Assessment,
  issueType: NonNullable<Assessment['issueType']>,
  scope: IncidentScope,
  firstSeen: string,
  monitor: MonitorPolicy,
  config: EscalationConfig,
  now: Date,
  supersedes: string | undefined,
): Incident {
  const openedAt = now.toISOString();
  const incident: Incident = {
    incidentId: incidentIdFor(monitor.id, issueType, openedAt),
    monitorId: monitor.id,
    issueType,
    scope,
    rule: routeFor(issueType, monitor, config.escalation, scope),
    status: 'open',
    firstSeen,
    openedAt,
    failing: a.failing,
    healthy: a.healthy,
    errorCodes: a.errorCodes,
    diagnosis: a.diagnosis,
    outbox: {},
    delivered: {},
  };
  if (supersedes) incident.supersedes = supersedes;
  return incident;
}

export interface Transition {
  kind: 'opened' | 'first-seen-moved' | 'escalated' | 'resolved' | 'superseded';
  monitorId: string;
  incidentId: string;
  issueType: Incident['issueType'];
  at: string;
}

/** What one processFindings / tick call did; the escalator handler logs it. */
export interface EngineReport {
  transitions: Transition[];
  published: Notification[];
  /** Publishes that threw: the notification stays claimed and is retried after DELIVERY_LEASE_MS. */
  failed: { incidentId: string; kind: NotificationKind; error: string }[];
  /** Findings or incidents of monitors that are not in the config. */
  ignored: { monitorId: string; reason: string }[];
  /** Monitors still contended after MAX_RECONCILE_ATTEMPTS: another escalator is moving them. */
  contended: string[];
  /**
   * Steps of a tick that threw (the store throttled, say), each on its own: the tick goes on with the
   * other monitors, and the next tick tries again. monitorId is null for the active-incident listing.
   */
  errors: TickError[];
  /** Impaired/recovered notices sent to the operators' team (docs/escalation.md, "A sick probe region"). */
  notices: VantageNotice[];
}

export interface TickError {
  stage: 'list-active' | 'list-failing' | 'list-silences' | 'redeliver' | 'reconcile' | 'notice';
  monitorId: string | null;
  error: string;
}

export interface EscalationDeps {
  store: Store;
  notifier: Notifier;
  clock: Clock;
  config: EscalationConfig;
  /** Where impaired/recovered notices go; absent: they are only reported. */
  notices?: NoticeNotifier;
  /**
   * How long a run not decided yet keeps its impairment as read from the store (VantageTracker's
   * refreshMs). Default 0: read at every call, as replay needs; the escalator reuses it within an invocation.
   */
  vantageRefreshMs?: number;
}

export class EscalationEngine {
  readonly #store: Store;
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #config: EscalationConfig;
  readonly #monitors: Map<string, MonitorPolicy>;
  readonly #noticeNotifier: NoticeNotifier | undefined;
  readonly #vantage: VantageTracker;

  constructor(deps: EscalationDeps) {
    this.#noticeNotifier = deps.notices;
    this.#vantage = new VantageTracker({
      store: deps.store,
      rule: deps.config.vantage ?? DEFAULT_VANTAGE_RULE,
      operatorsTeam: deps.config.operatorsTeam ?? DEFAULT_OPERATORS_TEAM,
      leaseMs: DELIVERY_LEASE_MS,
      refreshMs: deps.vantageRefreshMs ?? 0,
    });
    this.#store = deps.store;
    this.#notifier = deps.notifier;
    this.#clock = deps.clock;
    this.#config = deps.config;
    this.#monitors = new Map(deps.config.monitors.map((m) => [m.id, m]));
  }

  /**
   * Re-evaluates the monitors these findings belong to. The findings must already be in the store
   * (the runner writes them; the escalator sees them on the table's stream): the engine reads the
   * monitor's whole recent history, so the order and number of deliveries do not matter.
   */
  async processFindings(findings: readonly Finding[]): Promise<EngineReport> {
    const now = this.#clock.now();
    const report = emptyReport();
    await this.#decideRuns(now, false, report);
    const config = await this.#withSilences(now, report);
    for (const monitorId of new Set(findings.map((f) => f.monitorId))) {
      const monitor = this.#monitors.get(monitorId);
      if (monitor) await this.#reconcile(monitor, now, report, config);
      else report.ignored.push({ monitorId, reason: 'not a configured monitor' });
    }
    return report;
  }

  /**
   * The scheduled pass (every minute): re-sends notifications whose delivery failed or was cut off,
   * then re-evaluates the monitors it can change anything for, so escalation happens at table time
   * even when no new finding arrives: those with an active incident (to escalate or resolve) and
   * those failing somewhere (to confirm). Any other monitor has no failing latest finding and nothing
   * open, so its evaluation would decide nothing: the tick reads two indexes and those monitors only,
   * however large the fleet (docs/escalation.md, "The tick at scale"). Config order, as before.
   */
  async tick(): Promise<EngineReport> {
    const now = this.#clock.now();
    const report = emptyReport();
    await this.#decideRuns(now, true, report);
    // Each step on its own: one monitor whose store call fails must not cost the others their tick.
    const [active, failing] = await Promise.all([
      isolated(report, 'list-active', null, () =>
        readAll((cursor) => this.#store.listActiveIncidents({ cursor, limit: MAX_PAGE_SIZE })),
      ).then((list) => list ?? []),
      // Unreadable: this tick evaluates the monitors with open incidents; the stream still
      // evaluates every arriving finding, and the next tick reads the index again.
      isolated(report, 'list-failing', null, () => this.#store.listFailingMonitors()).then((l) => l ?? []),
    ]);
    for (const incident of active) {
      await isolated(report, 'redeliver', incident.monitorId, () => this.#redeliver(incident, now, report));
    }
    const strays = new Set(active.filter((i) => !this.#monitors.has(i.monitorId)).map((i) => i.monitorId));
    for (const monitorId of strays)
      report.ignored.push({ monitorId, reason: 'incident of a monitor no longer configured' });
    const due = new Set([...failing, ...active.filter((i) => i.status === 'open').map((i) => i.monitorId)]);
    const config = due.size > 0 ? await this.#withSilences(now, report) : this.#config;
    for (const monitor of this.#monitors.values()) {
      if (!due.has(monitor.id)) continue;
      await isolated(report, 'reconcile', monitor.id, () => this.#reconcile(monitor, now, report, config));
    }
    return report;
  }

  /**
   * The config with the stored silences (POST /silences) added to its maintenance windows. Unreadable:
   * the config's windows only, and the error in the report: a page sent in a silence beats one lost.
   */
  async #withSilences(now: Date, report: EngineReport): Promise<EscalationConfig> {
    const silences = await isolated(report, 'list-silences', null, () => this.#store.listSilences(now));
    if (!silences?.length) return this.#config;
    return { ...this.#config, maintenance: [...(this.#config.maintenance ?? []), ...silences] };
  }

  async #reconcile(
    monitor: MonitorPolicy,
    now: Date,
    report: EngineReport,
    config: EscalationConfig,
  ): Promise<void> {
    for (let attempt = 0; attempt < MAX_RECONCILE_ATTEMPTS; attempt++) {
      const from = new Date(now.getTime() - lookbackMs(monitor, this.#config.confirmation));
      const [all, open] = await Promise.all([
        readAll((cursor) =>
          this.#store.queryFindings(monitor.id, {
            from,
            to: new Date(now.getTime() + 1),
            order: 'asc',
            cursor,
            limit: MAX_PAGE_SIZE,
          }),
        ),
        this.#store.getOpenIncidents(monitor.id),
      ]);
      // Nothing open and nothing failing in the window: assess would say clear or unknown, and
      // decide would do nothing. Most evaluations of a healthy fleet end here, before any read of
      // the runs' impairment (leaving findings out cannot make one fail).
      if (open.length === 0 && !all.some(isPagingFailure)) return;
      // An impaired region's findings count for no incident: the fault is the vantage point.
      const findings = await this.#vantage.counted(all, from, now);
      if (open.length === 0 && !findings.some(isPagingFailure)) return;
      open.sort((x, y) => x.openedAt.localeCompare(y.openedAt));
      const assessment = assess(findings, monitor, this.#config, open[0]?.issueType);
      const actions = decide(assessment, open, monitor, config, now);
      if (await this.#apply(actions, assessment, now, report)) return;
    }
    report.contended.push(monitor.id);
  }

  /** Applies actions in order; false when a conditional write lost (the caller re-reads and decides again). */
  async #apply(actions: readonly Action[], a: Assessment, now: Date, report: EngineReport): Promise<boolean> {
    const at = now.toISOString();
    const note = (kind: Transition['kind'], i: Incident) =>
      report.transitions.push({
        kind,
        monitorId: i.monitorId,
        incidentId: i.incidentId,
        issueType: i.issueType,
        at,
      });
    for (const action of actions) {
      const { incident } = action;
      switch (action.type) {
        case 'open': {
          if (!(await this.#store.openIncident(incident)).opened) return false;
          note('opened', incident);
          break;
        }
        case 'move-first-seen': {
          if (!(await this.#store.moveFirstSeen(incident.monitorId, incident.incidentId, action.firstSeen)))
            return false;
          note('first-seen-moved', incident);
          break;
        }
        case 'escalate': {
          const notification = buildNotification({ kind: 'escalate', incident, at: now, assessment: a });
          if (!(await this.#store.markEscalated(incident.monitorId, incident.incidentId, notification, at)))
            return false;
          note('escalated', incident);
          await this.#deliver(incident, 'escalate', notification, now, report);
          break;
        }
        case 'close': {
          const superseded = action.reason === 'superseded';
          // Nobody was paged for an incident that never escalated: it closes silently.
          const notification = incident.escalatedAt
            ? buildNotification({
                kind: 'resolve',
                incident,
                at: now,
                assessment: a,
                reason: action.reason,
                ...(action.successor
                  ? { supersededBy: action.successor.incidentId, newType: action.successor.issueType }
                  : {}),
              })
            : null;
          const closed = await this.#store.closeIncident(incident.monitorId, incident.incidentId, {
            status: superseded ? 'superseded' : 'resolved',
            reason: action.reason,
            at,
            ...(action.successor ? { supersededBy: action.successor.incidentId } : {}),
            sawEscalated: Boolean(incident.escalatedAt),
            notification,
          });
          if (!closed) return false;
          note(superseded ? 'superseded' : 'resolved', incident);
          // A resolve must not overtake its own escalate that is still waiting for redelivery.
          if (notification && !incident.outbox.escalate) {
            await this.#deliver(incident, 'resolve', notification, now, report);
          }
          break;
        }
      }
    }
    return true;
  }

  /**
   * Decides the runs that are over and publishes the notices this call put in the outbox; the tick
   * (`fresh`) also re-sends those whose publish failed or was cut off. One step of its own: a store
   * that fails here costs the notices a tick, not the incidents their evaluation.
   */
  async #decideRuns(now: Date, fresh: boolean, report: EngineReport): Promise<void> {
    await isolated(report, 'notice', null, async () => {
      const decided = await this.#vantage.decide(now, fresh);
      const stale = fresh ? await this.#vantage.claimStale(now) : [];
      for (const notice of [...stale, ...decided]) await this.#announce(notice, report);
    });
  }

  /** One notice to the operators' team; one whose publish throws is released for the next tick. */
  async #announce(notice: VantageNotice, report: EngineReport): Promise<void> {
    try {
      await this.#noticeNotifier?.publishNotice(notice);
    } catch (error) {
      report.errors.push({
        stage: 'notice',
        monitorId: null,
        error: String((error as Error)?.message ?? error),
      });
      await this.#vantage.release(notice);
      return;
    }
    report.notices.push(notice);
    await this.#vantage.delivered(notice);
  }

  async #redeliver(incident: Incident, now: Date, report: EngineReport): Promise<void> {
    for (const kind of ['escalate', 'resolve'] as const) {
      const entry = incident.outbox[kind];
      if (!entry) continue;
      if (now.getTime() - Date.parse(entry.claimedAt) < DELIVERY_LEASE_MS) return;
      const claimed = await this.#store.claimDelivery(
        incident.monitorId,
        incident.incidentId,
        kind,
        entry.claimedAt,
        now.toISOString(),
      );
      // Someone else holds it now; keep the order: no resolve before its escalate is out.
      if (!claimed) return;
      if (!(await this.#deliver(incident, kind, entry.notification, now, report))) return;
    }
  }

  async #deliver(
    incident: Incident,
    kind: NotificationKind,
    notification: Notification,
    now: Date,
    report: EngineReport,
  ): Promise<boolean> {
    try {
      await this.#notifier.publish(notification);
    } catch (error) {
      report.failed.push({
        incidentId: incident.incidentId,
        kind,
        error: String((error as Error)?.message ?? error),
      });
      return false;
    }
    report.published.push(notification);
    await this.#store.markDelivered(incident.monitorId, incident.incidentId, kind, now.toISOString());
    return true;
  }
}

function emptyReport(): EngineReport {
  return { transitions: [], published: [], failed: [], ignored: [], contended: [], errors: [], notices: [] };
}

/** The step's result, or undefined when it threw: the error is recorded in the report instead. */
async function isolated<T>(
  report: EngineReport,
  stage: TickError['stage'],
  monitorId: string | null,
  step: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    report.errors.push({ stage, monitorId, error: String((error as Error)?.message ?? error) });
    return undefined;
  }
}

async function readAll<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const result = await page(cursor);
    items.push(...result.items);
    cursor = result.cursor;
    if (!cursor) return items;
  }
  throw new Error(`more than ${MAX_PAGES} pages of ${MAX_PAGE_SIZE}: refusing to read further`);
}

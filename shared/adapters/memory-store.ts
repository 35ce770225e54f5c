/**
 * The Store in process memory: replay's simulated world and the unit tests. Same contract as the
 * DynamoDB store: same key order, same cursors (and cursor checks), same conditional outcomes.
 * Values are copied in; incidents are copied out and findings come out frozen (shared, never
 * changed), so callers cannot change stored state by mutating results. Findings are kept in key
 * order per monitor, so a time-range query costs a binary search and its own results, however long
 * the history: a week-long replay stays linear (and, with findingsWindowMs, flat in memory).
 */
import { type Finding, type IssueType, startedAtMs } from '../domain/finding.ts';
import type { Incident } from '../domain/incident.ts';
import type { Silence } from '../domain/maintenance.ts';
import { isPagingFailure } from '../domain/route.ts';
import { type LocationFailures, RUN_MS, type RunReport } from '../domain/vantage.ts';
import type { Notification, NotificationKind, VantageNotice } from '../ports/notifier.ts';
import {
  type CloseRequest,
  checkPageSize,
  type FindingQuery,
  type OpenResult,
  type Page,
  type PageRequest,
  type RunDecision,
  type Store,
  type VantageState,
  type WriteOptions,
} from '../ports/store.ts';
import { MemoryVantage } from './memory-vantage.ts';
import {
  bySilenceStart,
  cursorShapes,
  decodeCursor,
  encodeCursor,
  newestPerLocation,
} from './store-common.ts';
import { ACTIVE_INCIDENTS_PK, canonicalTime, keys } from './table-design.ts';

interface FindingRow {
  /** The table's sort key (FINDING#<startedAt>#<location>): rows are kept in its order. */
  sk: string;
  /** startedAt in ms: the order of sk's time part, for range bounds without building keys. */
  ms: number;
  /** The byLocation partition. */
  gsi1pk: string;
  /** startedAt, canonical. */
  gsi1sk: string;
  finding: Finding;
}

interface IncidentRow {
  incident: Incident;
  /** In the active-incidents index (open, or a notification still owed). */
  active: boolean;
}

export interface MemoryStoreOptions {
  /**
   * Keep only the findings that started at most this long before the newest one written: a
   * simulation's history (replay keeps what the engine can still read, replayHistoryMs), so a
   * week-long timeline runs in flat memory. Older ones are dropped as later ones are written; the
   * latest status and incidents are kept. Default: every finding is kept.
   */
  findingsWindowMs?: number;
}

const copy = <T>(value: T): T => structuredClone(value);

/** A deep copy of plain JSON data, frozen as it is built: one pass, cheaper than structuredClone. */
function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[name];
    if (v !== undefined) out[name] = frozenCopy(v);
  }
  return Object.freeze(out) as T;
}

export class MemoryStore implements Store {
  /** Per monitor, its findings in sort-key order. */
  readonly #findings = new Map<string, FindingRow[]>();
  readonly #latest = new Map<string, Map<string, Finding>>();
  /** Per monitor, the locations whose latest status is a paging failure (the failingLocations index). */
  readonly #failing = new Map<string, Set<string>>();
  readonly #incidents = new Map<string, IncidentRow>();
  readonly #active = new Set<IncidentRow>();
  /** monitorId → issueType → incidentId of the open incident. */
  readonly #open = new Map<string, Map<IssueType, string>>();
  readonly #windowMs: number | undefined;
  readonly #silences = new Map<string, Silence>();
  readonly #vantage = new MemoryVantage();
  /** startedAt (ms) of the newest finding written. */
  #newest = Number.NEGATIVE_INFINITY;
  /** The run (ms) the vantage reports were last trimmed to. */
  #forgotBefore = Number.NaN;

  constructor(options: MemoryStoreOptions = {}) {
    this.#windowMs = options.findingsWindowMs;
  }

  async putFindings(findings: readonly Finding[]): Promise<void> {
    // Every key is built before anything is written: a bad startedAt writes nothing, as in DynamoDB.
    const rows = findings.map((f): FindingRow => {
      const startedAt = canonicalTime(f.startedAt);
      return {
        sk: keys.finding(f.monitorId, f.location, startedAt).sk,
        ms: startedAtMs(f),
        gsi1pk: keys.findingLocation(f.monitorId, f.location),
        gsi1sk: startedAt,
        finding: frozenCopy({ ...f, startedAt }),
      };
    });
    const touched = new Set<FindingRow[]>();
    for (const row of rows) {
      const list = listOf(this.#findings, row.finding.monitorId, () => []);
      insertSorted(list, row);
      touched.add(list);
      this.#newest = Math.max(this.#newest, row.ms);
    }
    if (this.#windowMs !== undefined) {
      for (const list of touched) dropBefore(list, this.#newest - this.#windowMs);
    }
    for (const f of newestPerLocation(rows.map((row) => row.finding))) {
      const latest = listOf(this.#latest, f.monitorId, () => new Map<string, Finding>());
      const seen = latest.get(f.location);
      if (seen && seen.startedAt >= f.startedAt) continue;
      latest.set(f.location, f);
      const failing = listOf(this.#failing, f.monitorId, () => new Set<string>());
      if (isPagingFailure(f)) failing.add(f.location);
      else failing.delete(f.location);
    }
  }

  async queryFindings(monitorId: string, query: FindingQuery = {}): Promise<Page<Finding>> {
    const limit = checkPageSize(query.limit);
    const { from, to } = query;
    const { location } = query;
    const all = this.#findings.get(monitorId) ?? [];
    // The table's key range [FINDING#<from>, FINDING#<to>), as the DynamoDB store's Query reads it.
    const lo = from ? firstAtOrAfter(all, from.getTime()) : 0;
    const hi = to ? firstAtOrAfter(all, to.getTime()) : all.length;
    let rows = all.slice(lo, Math.max(lo, hi));
    let sortAttr: 'sk' | 'gsi1sk' = 'sk';
    if (location !== undefined) {
      const partition = keys.findingLocation(monitorId, location);
      rows = rows.filter((r) => r.gsi1pk === partition);
      sortAttr = 'gsi1sk';
    }
    // The cursor's shape only when a cursor is read or written (most queries of a replay fit one page).
    const shape = () =>
      location === undefined
        ? cursorShapes.findings(monitorId, { from, to })
        : cursorShapes.findingsIn(monitorId, location, { from, to });
    const start = query.cursor ? decodeCursor(query.cursor, shape()) : undefined;
    const lastKey = (r: FindingRow) => {
      const pk = keys.monitor(monitorId);
      return Object.fromEntries(
        shape().attributes.map((name) => [
          name,
          name === 'pk' ? pk : (r[name as keyof FindingRow] as string),
        ]),
      );
    };
    // Already in sk order, which is startedAt order within one location too.
    if (query.order !== 'asc') rows.reverse();
    const page = pageOf(rows, (r) => r[sortAttr], query.order === 'asc', limit, start?.[sortAttr], lastKey);
    return mapPage(page, (r) => r.finding);
  }

  async latestStatus(monitorId: string): Promise<Finding[]> {
    const latest = this.#latest.get(monitorId);
    if (!latest) return [];
    return [...latest.entries()]
      .sort(([a], [b]) => compare(keys.latest(monitorId, a).sk, keys.latest(monitorId, b).sk))
      .map(([, f]) => f);
  }

  async listFailingMonitors(): Promise<string[]> {
    return [...this.#failing].filter(([, locations]) => locations.size > 0).map(([monitorId]) => monitorId);
  }

  async getIncident(monitorId: string, incidentId: string): Promise<Incident | null> {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    return row ? copy(row.incident) : null;
  }

  async getOpenIncident(monitorId: string, issueType: IssueType): Promise<Incident | null> {
    const id = this.#open.get(monitorId)?.get(issueType);
    return id ? this.getIncident(monitorId, id) : null;
  }

  async getOpenIncidents(monitorId: string): Promise<Incident[]> {
    const pointers = this.#open.get(monitorId);
    if (!pointers || pointers.size === 0) return [];
    // In OPEN#<issueType> key order, as the DynamoDB store's Query returns them.
    return [...pointers]
      .sort(([a], [b]) => compare(a, b))
      .map(([, id]) => copy(this.#row(monitorId, id).incident));
  }

  listOpenIncidents(request: PageRequest = {}): Promise<Page<Incident>> {
    return this.#listActive(request, (i) => i.status === 'open');
  }

  listActiveIncidents(request: PageRequest = {}): Promise<Page<Incident>> {
    return this.#listActive(request, () => true);
  }

  async #listActive(request: PageRequest, keep: (i: Incident) => boolean): Promise<Page<Incident>> {
    const limit = checkPageSize(request.limit);
    const start = request.cursor ? decodeCursor(request.cursor, cursorShapes.activeIncidents()) : undefined;
    const sortKey = ({ incident: i }: IncidentRow) =>
      keys.activeIncidentSort(i.openedAt, i.monitorId, i.incidentId);
    const rows = [...this.#active]
      .filter((r) => keep(r.incident))
      .sort((a, b) => compare(sortKey(a), sortKey(b)));
    const lastKey = (r: IncidentRow) => ({
      ...keys.incident(r.incident.monitorId, r.incident.incidentId),
      gsi2pk: ACTIVE_INCIDENTS_PK,
      gsi2sk: sortKey(r),
    });
    return mapPage(pageOf(rows, sortKey, true, limit, start?.gsi2sk, lastKey), (r) => copy(r.incident));
  }

  async openIncident(incident: Incident): Promise<OpenResult> {
    const pointers = listOf(this.#open, incident.monitorId, () => new Map<IssueType, string>());
    if (pointers.has(incident.issueType)) {
      return { opened: false, existing: await this.getOpenIncident(incident.monitorId, incident.issueType) };
    }
    const key = incidentKey(incident.monitorId, incident.incidentId);
    // Mirrors the DynamoDB record's attribute_not_exists: an id is never reused.
    if (this.#incidents.has(key)) return { opened: false, existing: null };
    pointers.set(incident.issueType, incident.incidentId);
    const row = { incident: copy(incident), active: true };
    this.#incidents.set(key, row);
    this.#active.add(row);
    return { opened: true };
  }

  async moveFirstSeen(monitorId: string, incidentId: string, firstSeen: string): Promise<boolean> {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    if (row?.incident.status !== 'open' || !(row.incident.firstSeen > firstSeen)) return false;
    row.incident.firstSeen = firstSeen;
    return true;
  }

  async markEscalated(
    monitorId: string,
    incidentId: string,
    notification: Notification,
    claimedAt: string,
  ): Promise<boolean> {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    if (row?.incident.status !== 'open' || row.incident.escalatedAt !== undefined) return false;
    row.incident.escalatedAt = notification.at;
    row.incident.outbox.escalate = { claimedAt, notification: copy(notification) };
    return true;
  }

  async closeIncident(monitorId: string, incidentId: string, close: CloseRequest): Promise<boolean> {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    if (row?.incident.status !== 'open') return false;
    if ((row.incident.escalatedAt !== undefined) !== close.sawEscalated) return false;
    const incident = row.incident;
    incident.status = close.status;
    incident.closedAt = close.at;
    incident.closeReason = close.reason;
    if (close.supersededBy) incident.supersededBy = close.supersededBy;
    if (close.notification)
      incident.outbox.resolve = { claimedAt: close.at, notification: copy(close.notification) };
    if (!close.notification && !close.sawEscalated) this.#deactivate(row);
    const pointers = this.#open.get(monitorId);
    if (pointers?.get(incident.issueType) === incidentId) pointers.delete(incident.issueType);
    return true;
  }

  async claimDelivery(
    monitorId: string,
    incidentId: string,
    kind: NotificationKind,
    seenClaimedAt: string,
    claimedAt: string,
  ): Promise<boolean> {
    const entry = this.#incidents.get(incidentKey(monitorId, incidentId))?.incident.outbox[kind];
    if (!entry || entry.claimedAt !== seenClaimedAt) return false;
    entry.claimedAt = claimedAt;
    return true;
  }

  async markDelivered(
    monitorId: string,
    incidentId: string,
    kind: NotificationKind,
    deliveredAt: string,
  ): Promise<void> {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    if (!row?.incident.outbox[kind]) return;
    delete row.incident.outbox[kind];
    row.incident.delivered[kind] = deliveredAt;
    if (row.incident.status !== 'open' && Object.keys(row.incident.outbox).length === 0)
      this.#deactivate(row);
  }

  async recordRunReport(report: RunReport, _options?: WriteOptions): Promise<void> {
    this.#vantage.record(report);
    // With a findings window, runs older than the findings kept are of no use either.
    if (this.#windowMs !== undefined && Number.isFinite(this.#newest)) {
      const oldest = Math.floor((this.#newest - this.#windowMs) / RUN_MS) * RUN_MS - RUN_MS;
      // Moves once a minute: the reports of a run in between forget nothing more.
      if (oldest !== this.#forgotBefore) this.#vantage.forgetBefore(new Date(oldest).toISOString());
      this.#forgotBefore = oldest;
    }
  }

  async readRunFailures(run: string): Promise<Map<string, LocationFailures>> {
    return this.#vantage.failures(run);
  }

  async readRunHealthy(run: string): Promise<Map<string, Set<string>>> {
    return this.#vantage.healthy(run);
  }

  async getVantageState(): Promise<VantageState | null> {
    return this.#vantage.state();
  }

  async advanceVantage(
    seenDecidedUpTo: string | null,
    next: Pick<VantageState, 'decidedUpTo' | 'impaired'>,
    notices: readonly VantageNotice[],
    claimedAt: string,
  ): Promise<boolean> {
    return this.#vantage.advance(seenDecidedUpTo, next, notices, claimedAt);
  }

  async decideRun(decision: RunDecision): Promise<RunDecision> {
    return this.#vantage.decide(decision);
  }

  async listImpairedRuns(from: string, to: string): Promise<Map<string, string[]>> {
    return this.#vantage.impairedRuns(from, to);
  }

  async claimNotice(dedupKey: string, seenClaimedAt: string, claimedAt: string): Promise<boolean> {
    return this.#vantage.claim(dedupKey, seenClaimedAt, claimedAt);
  }

  async markNoticeDelivered(dedupKey: string): Promise<void> {
    this.#vantage.delivered(dedupKey);
  }

  async putSilence(silence: Silence): Promise<void> {
    this.#silences.set(silence.id, structuredClone(silence));
  }

  async listSilences(now: Date): Promise<Silence[]> {
    return [...this.#silences.values()]
      .filter((s) => Date.parse(s.to) > now.getTime())
      .sort(bySilenceStart)
      .map((s) => structuredClone(s));
  }

  async deleteSilence(id: string): Promise<boolean> {
    return this.#silences.delete(id);
  }

  #deactivate(row: IncidentRow): void {
    row.active = false;
    this.#active.delete(row);
  }

  #row(monitorId: string, incidentId: string): IncidentRow {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    if (!row) throw new Error(`open pointer to a missing incident ${incidentId}`);
    return row;
  }
}

function listOf<V>(outer: Map<string, V>, key: string, make: () => V): V {
  let inner = outer.get(key);
  if (!inner) {
    inner = make();
    outer.set(key, inner);
  }
  return inner;
}

/** Index of the first row that is not `below` (rows.length when none): rows are in sk order. */
function lowerBound(rows: readonly FindingRow[], below: (row: FindingRow) => boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(rows[mid] as FindingRow)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const firstAtOrAfter = (rows: readonly FindingRow[], ms: number) => lowerBound(rows, (r) => r.ms < ms);

/** Keeps rows in sk order; a row with an existing sk replaces it (the later write wins). Appends are O(1). */
function insertSorted(rows: FindingRow[], row: FindingRow): void {
  const last = rows[rows.length - 1];
  if (!last || last.sk < row.sk) {
    rows.push(row);
    return;
  }
  const at = lowerBound(rows, (r) => r.sk < row.sk);
  if (rows[at]?.sk === row.sk) rows[at] = row;
  else rows.splice(at, 0, row);
}

/** Drops the rows that started before the cutoff (ms), oldest first. */
function dropBefore(rows: FindingRow[], cutoff: number): void {
  let n = 0;
  while (n < rows.length && (rows[n] as FindingRow).ms < cutoff) n++;
  if (n > 0) rows.splice(0, n);
}

const incidentKey = (monitorId: string, incidentId: string) => `${monitorId}\u0000${incidentId}`;
/** DynamoDB orders string keys by UTF-8 bytes; keys here are ASCII (URI-encoded), where that is code-unit order. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rows in the query's order: resume after the cursor's sort key, cut at limit; a cursor only when more rows follow. */
function pageOf<R>(
  sorted: R[],
  sortKey: (r: R) => string,
  ascending: boolean,
  limit: number,
  after: string | undefined,
  lastKey: (r: R) => Record<string, string>,
): Page<R> {
  const direction = ascending ? 1 : -1;
  const rest =
    after === undefined ? sorted : sorted.filter((r) => direction * compare(sortKey(r), after) > 0);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  return rest.length > limit && last ? { items, cursor: encodeCursor(lastKey(last)) } : { items };
}

function mapPage<R, T>(page: Page<R>, f: (r: R) => T): Page<T> {
  return page.cursor ? { items: page.items.map(f), cursor: page.cursor } : { items: page.items.map(f) };
}

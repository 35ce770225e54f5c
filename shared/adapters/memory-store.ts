/**
 * The Store in process memory: replay's simulated world and the unit tests. Same contract as the
 * DynamoDB store: same key order, same cursors (and cursor checks), same conditional outcomes.
 * Every value is copied in and out, so callers cannot change stored state by mutating results.
 */
import type { Finding, IssueType } from '../domain/finding.ts';
import type { Incident } from '../domain/incident.ts';
import type { Notification, NotificationKind } from '../ports/notifier.ts';
import {
  type CloseRequest,
  checkPageSize,
  type FindingQuery,
  type OpenResult,
  type Page,
  type PageRequest,
  type Store,
} from '../ports/store.ts';
import { cursorShapes, newestPerLocation } from './store-common.ts';
import { ACTIVE_INCIDENTS_PK, canonicalTime, decodeCursor, encodeCursor, keys } from './table-design.ts';

interface FindingRow {
  key: Record<string, string>;
  finding: Finding;
}

interface IncidentRow {
  incident: Incident;
  /** In the active-incidents index (open, or a notification still owed). */
  active: boolean;
}

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryStore implements Store {
  readonly #findings = new Map<string, Map<string, FindingRow>>();
  readonly #latest = new Map<string, Map<string, Finding>>();
  readonly #incidents = new Map<string, IncidentRow>();
  /** monitorId + issueType → incidentId of the open incident. */
  readonly #open = new Map<string, string>();

  async putFindings(findings: readonly Finding[]): Promise<void> {
    // Every key is built before anything is written: a bad startedAt writes nothing, as in DynamoDB.
    const rows = findings.map((f): FindingRow => {
      const startedAt = canonicalTime(f.startedAt);
      return {
        key: {
          ...keys.finding(f.monitorId, f.location, startedAt),
          gsi1pk: keys.findingLocation(f.monitorId, f.location),
          gsi1sk: startedAt,
        },
        finding: copy({ ...f, startedAt }),
      };
    });
    for (const row of rows) mapOf(this.#findings, row.finding.monitorId).set(row.key.sk as string, row);
    for (const f of newestPerLocation(rows.map((row) => row.finding))) {
      const latest = mapOf(this.#latest, f.monitorId);
      const seen = latest.get(f.location);
      if (!seen || seen.startedAt < f.startedAt) latest.set(f.location, copy(f));
    }
  }

  async queryFindings(monitorId: string, query: FindingQuery = {}): Promise<Page<Finding>> {
    const limit = checkPageSize(query.limit);
    const { from, to } = query;
    let rows = [...(this.#findings.get(monitorId)?.values() ?? [])];
    let sortAttr: 'sk' | 'gsi1sk' = 'sk';
    let shape = cursorShapes.findings(monitorId);
    if (query.location !== undefined) {
      shape = cursorShapes.findingsIn(monitorId, query.location);
      rows = rows.filter((r) => r.key.gsi1pk === shape.partition.value);
      sortAttr = 'gsi1sk';
    }
    const start = query.cursor ? decodeCursor(query.cursor, shape) : undefined;
    rows = rows.filter((r) => {
      const t = Date.parse(r.finding.startedAt);
      return (!from || t >= from.getTime()) && (!to || t < to.getTime());
    });
    const lastKey = (r: FindingRow) =>
      Object.fromEntries(shape.attributes.map((name) => [name, r.key[name] as string]));
    const sortKey = (r: FindingRow) => r.key[sortAttr] as string;
    const page = pageOf(rows, sortKey, query.order === 'asc', limit, start?.[sortAttr], lastKey);
    return mapPage(page, (r) => copy(r.finding));
  }

  async latestStatus(monitorId: string): Promise<Finding[]> {
    const latest = this.#latest.get(monitorId);
    if (!latest) return [];
    return [...latest.entries()]
      .sort(([a], [b]) => compare(keys.latest(monitorId, a).sk, keys.latest(monitorId, b).sk))
      .map(([, f]) => copy(f));
  }

  async getIncident(monitorId: string, incidentId: string): Promise<Incident | null> {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    return row ? copy(row.incident) : null;
  }

  async getOpenIncident(monitorId: string, issueType: IssueType): Promise<Incident | null> {
    const id = this.#open.get(pointerKey(monitorId, issueType));
    return id ? this.getIncident(monitorId, id) : null;
  }

  async getOpenIncidents(monitorId: string): Promise<Incident[]> {
    const open: Incident[] = [];
    for (const [pointer, id] of [...this.#open.entries()].sort(([a], [b]) => compare(a, b))) {
      if (pointer.startsWith(`${monitorId}\u0000`)) open.push(copy(this.#row(monitorId, id).incident));
    }
    return open;
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
    const rows = [...this.#incidents.values()].filter((r) => r.active && keep(r.incident));
    const lastKey = (r: IncidentRow) => ({
      ...keys.incident(r.incident.monitorId, r.incident.incidentId),
      gsi2pk: ACTIVE_INCIDENTS_PK,
      gsi2sk: sortKey(r),
    });
    return mapPage(pageOf(rows, sortKey, true, limit, start?.gsi2sk, lastKey), (r) => copy(r.incident));
  }

  async openIncident(incident: Incident): Promise<OpenResult> {
    const pointer = pointerKey(incident.monitorId, incident.issueType);
    if (this.#open.has(pointer)) {
      return { opened: false, existing: await this.getOpenIncident(incident.monitorId, incident.issueType) };
    }
    const key = incidentKey(incident.monitorId, incident.incidentId);
    // Mirrors the DynamoDB record's attribute_not_exists: an id is never reused.
    if (this.#incidents.has(key)) return { opened: false, existing: null };
    this.#open.set(pointer, incident.incidentId);
    this.#incidents.set(key, { incident: copy(incident), active: true });
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
    if (!close.notification && !close.sawEscalated) row.active = false;
    if (this.#open.get(pointerKey(monitorId, incident.issueType)) === incidentId) {
      this.#open.delete(pointerKey(monitorId, incident.issueType));
    }
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
    if (row.incident.status !== 'open' && Object.keys(row.incident.outbox).length === 0) row.active = false;
  }

  #row(monitorId: string, incidentId: string): IncidentRow {
    const row = this.#incidents.get(incidentKey(monitorId, incidentId));
    if (!row) throw new Error(`open pointer to a missing incident ${incidentId}`);
    return row;
  }
}

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

const incidentKey = (monitorId: string, incidentId: string) => `${monitorId}\u0000${incidentId}`;
const pointerKey = (monitorId: string, issueType: IssueType) => `${monitorId}\u0000${issueType}`;
/** DynamoDB orders string keys by UTF-8 bytes; keys here are ASCII (URI-encoded), where that is code-unit order. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sort, resume after the cursor's sort key, cut at limit; a cursor only when more rows follow. */
function pageOf<R>(
  rows: R[],
  sortKey: (r: R) => string,
  ascending: boolean,
  limit: number,
  after: string | undefined,
  lastKey: (r: R) => Record<string, string>,
): Page<R> {
  const direction = ascending ? 1 : -1;
  const sorted = rows.sort((a, b) => direction * compare(sortKey(a), sortKey(b)));
  const rest =
    after === undefined ? sorted : sorted.filter((r) => direction * compare(sortKey(r), after) > 0);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  return rest.length > limit && last ? { items, cursor: encodeCursor(lastKey(last)) } : { items };
}

function mapPage<R, T>(page: Page<R>, f: (r: R) => T): Page<T> {
  return page.cursor ? { items: page.items.map(f), cursor: page.cursor } : { items: page.items.map(f) };
}

import type { Finding, IssueType } from '../domain/finding.ts';
import type { Incident, IncidentStatus } from '../domain/incident.ts';
import type { Silence } from '../domain/maintenance.ts';
import type { LocationFailures, RunReport } from '../domain/vantage.ts';
import { NetprobeError } from '../errors.ts';
import type { CloseReason, Notification, NotificationKind, VantageNotice } from './notifier.ts';

/** Page sizes the adapters accept; the API maps a bad `limit` to 400 before it gets here. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/**
 * A page of results. `cursor` is opaque (base64url); present means "there may be more", so a
 * page can be empty and still carry a cursor. A cursor is only valid for the query that made it.
 */
export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface FindingQuery extends PageRequest {
  /** Only this location (region). */
  location?: string;
  /** Inclusive lower bound on startedAt. */
  from?: Date;
  /** Exclusive upper bound on startedAt. */
  to?: Date;
  /** Default 'desc': newest first, what "recent findings" wants. */
  order?: 'asc' | 'desc';
}

export interface WriteOptions {
  /** The caller's deadline: once aborted, no write starts and the one in flight is cut. */
  signal?: AbortSignal;
}

/**
 * Findings the store did not confirm written, each whole: its item, or the latest status it moves.
 * Writing them again (putFindings is idempotent) completes both; the caller keeps them somewhere
 * durable until then (functions/shared/persist-findings.ts).
 */
export class FindingsNotStoredError extends NetprobeError {
  override name = 'FindingsNotStoredError';
  readonly unwritten: readonly Finding[];
  readonly total: number;

  constructor(unwritten: readonly Finding[], total: number, reason: string, cause?: unknown) {
    super('findings_not_stored', `${unwritten.length} of ${total} findings not stored: ${reason}`, { cause });
    this.unwritten = unwritten;
    this.total = total;
  }
}

/**
 * Which probe regions are impaired, as of the last run decided (docs/escalation.md, "A sick probe
 * region"): one record, moved run by run with conditional writes, so exactly one escalator decides
 * each run and puts its notices in the outbox.
 */
export interface VantageState {
  /** The last run decided (ISO-8601, runOf). */
  decidedUpTo: string;
  /** location -> first impaired run, for the regions impaired in that run. */
  impaired: Record<string, string>;
  /** Notices decided and not yet confirmed published, by dedupKey (claimed as incidents' notifications are). */
  outbox: Record<string, { claimedAt: string; notice: VantageNotice }>;
}

/** One run's decision, written once (the first decider's stands): the locations whose findings of it count for nothing. */
export interface RunDecision {
  run: string;
  /** false: nobody reported anything in the run; it changes no region's state. */
  reported: boolean;
  impaired: string[];
}

export type OpenResult = { opened: true } | { opened: false; existing: Incident | null };

export interface CloseRequest {
  status: Exclude<IncidentStatus, 'open'>;
  reason: CloseReason;
  at: string;
  supersededBy?: string;
  /**
   * Whether the caller saw the incident escalated. The write is conditional on it, so an escalation
   * that lands in between makes the close fail and the caller re-reads (and then owes a resolve).
   */
  sawEscalated: boolean;
  /** The resolve owed to the paged team, or null when nobody was paged. */
  notification: Notification | null;
}

/**
 * Findings, latest status and incidents. Every incident write is a conditional single-item
 * write (no transactions), and each returns whether it won, instead of throwing on a lost race.
 */
export interface Store {
  /**
   * Idempotent on (monitorId, location, startedAt): a second write of the same key replaces the first.
   * startedAt is stored in canonical form (toISOString). Also advances each location's latest status,
   * never backwards, and only to a stored finding. Throws FindingsNotStoredError with the findings it
   * could not confirm written (throttled, refused, or cut by options.signal).
   */
  putFindings(findings: readonly Finding[], options?: WriteOptions): Promise<void>;
  queryFindings(monitorId: string, query?: FindingQuery): Promise<Page<Finding>>;
  /** The newest finding of every location of a monitor. */
  latestStatus(monitorId: string): Promise<Finding[]>;
  /**
   * Monitors with a location whose latest status is a paging failure (down, or degraded with a
   * paging code), each once, in no set order. With the active incidents, these are the only monitors
   * a tick can change anything for: one without either has nothing failing to confirm and nothing
   * open to escalate or resolve. May lag the latest writes by a moment (an index).
   */
  listFailingMonitors(): Promise<string[]>;

  getIncident(monitorId: string, incidentId: string): Promise<Incident | null>;
  getOpenIncident(monitorId: string, issueType: IssueType): Promise<Incident | null>;
  /** All open incidents of a monitor (normally at most one). */
  getOpenIncidents(monitorId: string): Promise<Incident[]>;
  /** Open incidents of every monitor, oldest first. */
  listOpenIncidents(page?: PageRequest): Promise<Page<Incident>>;
  /** Open incidents plus closed ones that still owe a notification: the escalator's work list. */
  listActiveIncidents(page?: PageRequest): Promise<Page<Incident>>;

  /** Only if no incident of this monitor and type is open; otherwise returns the open one. */
  openIncident(incident: Incident): Promise<OpenResult>;
  /** Moves firstSeen earlier (a late finding showed an earlier start); false if open no longer or not earlier. */
  moveFirstSeen(monitorId: string, incidentId: string, firstSeen: string): Promise<boolean>;
  /** Once per incident, only while open: records the escalation and puts its notification in the outbox. */
  markEscalated(
    monitorId: string,
    incidentId: string,
    notification: Notification,
    claimedAt: string,
  ): Promise<boolean>;
  /** Once per incident, only while open; see CloseRequest.sawEscalated. */
  closeIncident(monitorId: string, incidentId: string, close: CloseRequest): Promise<boolean>;
  /** Take over a stale delivery claim: only if the claim is still the one the caller read. */
  claimDelivery(
    monitorId: string,
    incidentId: string,
    kind: NotificationKind,
    seenClaimedAt: string,
    claimedAt: string,
  ): Promise<boolean>;
  /** The notification was published: clear it from the outbox (idempotent). */
  markDelivered(
    monitorId: string,
    incidentId: string,
    kind: NotificationKind,
    deliveredAt: string,
  ): Promise<void>;

  /**
   * Records one location's report of a run (RunReport). Idempotent on (run, location, key); a report
   * older than the stored one of its key (`at`) changes nothing.
   */
  recordRunReport(report: RunReport, options?: WriteOptions): Promise<void>;
  /** Per location of the run: its reports added up (how many monitors, which failed). */
  readRunFailures(run: string): Promise<Map<string, LocationFailures>>;
  /** Per location of the run: the monitors it reported healthy (read only when a location may be impaired). */
  readRunHealthy(run: string): Promise<Map<string, Set<string>>>;
  /** The vantage state, or null before the first run was decided. */
  getVantageState(): Promise<VantageState | null>;
  /**
   * Moves the state on from `seenDecidedUpTo` (null: creates it), adding the notices to the outbox,
   * claimed at `claimedAt`. false when the state is no longer the one the caller read.
   */
  advanceVantage(
    seenDecidedUpTo: string | null,
    next: Pick<VantageState, 'decidedUpTo' | 'impaired'>,
    notices: readonly VantageNotice[],
    claimedAt: string,
  ): Promise<boolean>;
  /** Writes a run's decision unless one is stored; returns the one that stands. */
  decideRun(decision: RunDecision): Promise<RunDecision>;
  /** Decided runs in [from, to] (ISO runs) with impaired locations: run -> locations. */
  listImpairedRuns(from: string, to: string): Promise<Map<string, string[]>>;
  /** Takes over an outbox notice's claim: only if it is still the one the caller read. */
  claimNotice(dedupKey: string, seenClaimedAt: string, claimedAt: string): Promise<boolean>;
  /** The notice was published: clear it from the outbox (idempotent). */
  markNoticeDelivered(dedupKey: string): Promise<void>;

  /** Stores a silence (POST /silences); its id is new (the API makes it). */
  putSilence(silence: Silence): Promise<void>;
  /** Silences not yet over at `now` (active and future), by `from`; a handful, read whole. */
  listSilences(now: Date): Promise<Silence[]>;
  /** false when no silence has this id. */
  deleteSilence(id: string): Promise<boolean>;
}

/** A cursor that was tampered with, truncated, or made by another query: the API answers 400. */
export class InvalidCursorError extends NetprobeError {
  override name = 'InvalidCursorError';
  constructor(message: string) {
    super('cursor_invalid', message);
  }
}

export function checkPageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit: expected an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return limit;
}

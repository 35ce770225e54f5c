/**
 * What both Store adapters (dynamodb-store.ts, memory-store.ts) must do alike beyond the keys
 * (table-design.ts), written once so their semantics agree by construction: the key each paged query
 * hands out as its cursor (and the checks a cursor passes before it is used), and which finding of a batch a location's latest status moves to.
 */
import { type Finding, startedAtMs } from '../domain/finding.ts';
import type { Silence } from '../domain/maintenance.ts';
import { InvalidCursorError } from '../ports/store.ts';
import { ACTIVE_INCIDENTS_PK, keys } from './table-design.ts';

/**
 * What decodeCursor checks a cursor against, so a forged one is refused before DynamoDB sees it (it
 * answers ValidationException, a 500, to a start key outside the query or an empty or oversized key).
 */
export interface CursorShape {
  /** Exactly the key attributes of the query's LastEvaluatedKey. */
  attributes: readonly string[];
  partition: { attribute: string; value: string };
  /** The sort key the query reads, with its bounds (inclusive; absent: unbounded). */
  sort: { attribute: string; from?: string; to?: string };
  /** What the other key attributes start with (the table's key inside an index cursor). */
  prefixes: Readonly<Record<string, string>>;
}

/** Inclusive time range of a findings query, from the store's FindingQuery. */
export interface TimeRange {
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
}

/**
 * The LastEvaluatedKey of each paged query: the table's key, plus the index's key on an index, with
 * the partition and sort-key range the query reads. The DynamoDB store builds its key conditions from
 * the same bounds.
 */
export const cursorShapes = {
  /** A monitor's findings, every location (the table itself). */
  findings: (monitorId: string, range: TimeRange = {}): CursorShape => ({
    attributes: ['pk', 'sk'],
    partition: { attribute: 'pk', value: keys.monitor(monitorId) },
    sort: {
      attribute: 'sk',
      from: range.from ? keys.findingBound(range.from) : 'FINDING#',
      // '$' sorts right after '#': the end of every FINDING# key.
      to: range.to ? keys.findingBound(range.to) : 'FINDING$',
    },
    prefixes: {},
  }),
  /** A monitor's findings in one location (byLocation). */
  findingsIn: (monitorId: string, location: string, range: TimeRange = {}): CursorShape => ({
    attributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
    partition: { attribute: 'gsi1pk', value: keys.findingLocation(monitorId, location) },
    sort: {
      attribute: 'gsi1sk',
      ...(range.from ? { from: range.from.toISOString() } : {}),
      // gsi1sk is the bare timestamp: an exclusive `to` is the last millisecond before it.
      ...(range.to ? { to: new Date(range.to.getTime() - 1).toISOString() } : {}),
    },
    prefixes: { pk: keys.monitor(monitorId), sk: 'FINDING#' },
  }),
  /** Open and owing incidents (activeIncidents). */
  activeIncidents: (): CursorShape => ({
    attributes: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
    partition: { attribute: 'gsi2pk', value: ACTIVE_INCIDENTS_PK },
    sort: { attribute: 'gsi2sk' },
    prefixes: { pk: 'MONITOR#', sk: 'INCIDENT#' },
  }),
} as const;

/** Opaque page cursor: base64url of the last evaluated key. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * DynamoDB's limit on a sort key's size (a partition key may take 2048): no key this table writes
 * comes near it, so it bounds every attribute of a cursor, and a cursor's length.
 */
export const MAX_CURSOR_KEY_BYTES = 1024;
const MAX_CURSOR_CHARS = 4 * 4 * MAX_CURSOR_KEY_BYTES;
/** Keys are URI-encoded ASCII: anything else in a cursor was not written by a store. */
const KEY_TEXT = /^[\x21-\x7e]+$/;

/**
 * Decodes a cursor and checks it belongs to this query: exactly the key attributes the query
 * returns, in the same partition, each a non-empty key of at most MAX_CURSOR_KEY_BYTES, with the
 * sort key inside the range the query reads, so a cursor cannot be replayed against another monitor
 * and a forged one is a 400 (InvalidCursorError), never a DynamoDB ValidationException.
 */
export function decodeCursor(cursor: string, expect: CursorShape): Record<string, string> {
  let key: unknown;
  try {
    if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor))
      throw new Error('not base64url');
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor: not a cursor returned by this API');
  }
  const record = key as Record<string, unknown>;
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(record).length === expect.attributes.length &&
    expect.attributes.every((name) => isKeyText(record[name])) &&
    record[expect.partition.attribute] === expect.partition.value &&
    Object.entries(expect.prefixes).every(([name, prefix]) => (record[name] as string).startsWith(prefix));
  if (!valid) throw new InvalidCursorError('cursor: does not belong to this query');
  const sort = record[expect.sort.attribute] as string;
  const { from, to } = expect.sort;
  if ((from !== undefined && sort < from) || (to !== undefined && sort > to)) {
    throw new InvalidCursorError(
      'cursor: outside the range of this query (a cursor only works with the from and to it was returned with)',
    );
  }
  return record as Record<string, string>;
}

function isKeyText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_CURSOR_KEY_BYTES && KEY_TEXT.test(value);
}

/**
 * Per monitor and location of a batch, the finding its latest status moves to: the newest, and of two
 * with the same startedAt the later one, as a second write of the same key replaces the first. The
 * store then moves a latest status only to a strictly newer startedAt (never backwards).
 */
export function newestPerLocation(findings: readonly Finding[]): Finding[] {
  const newest = new Map<string, Finding>();
  for (const f of findings) {
    const group = `${f.monitorId}\u0000${f.location}`;
    const seen = newest.get(group);
    if (!seen || startedAtMs(seen) <= startedAtMs(f)) newest.set(group, f);
  }
  return [...newest.values()];
}

/** Silences in the order the stores list them: by start, then id. */
export function bySilenceStart(a: Silence, b: Silence): number {
  return a.from.localeCompare(b.from) || a.id.localeCompare(b.id);
}

/**
 * What both Store adapters (dynamodb-store.ts, memory-store.ts) must do alike beyond the keys
 * (table-design.ts), written once so their semantics agree by construction: the key each paged query
 * hands out as its cursor, and which finding of a batch a location's latest status moves to.
 */
import type { Finding } from '../domain/finding.ts';
import { ACTIVE_INCIDENTS_PK, keys } from './table-design.ts';

/** What decodeCursor checks a cursor against: the exact key attributes and the query's partition. */
export interface CursorShape {
  attributes: readonly string[];
  partition: { attribute: string; value: string };
}

/**
 * The LastEvaluatedKey of each paged query: the table's key, plus the index's key on an index, with
 * the partition the query reads.
 */
export const cursorShapes = {
  /** A monitor's findings, every location (the table itself). */
  findings: (monitorId: string): CursorShape => ({
    attributes: ['pk', 'sk'],
    partition: { attribute: 'pk', value: keys.monitor(monitorId) },
  }),
  /** A monitor's findings in one location (byLocation). */
  findingsIn: (monitorId: string, location: string): CursorShape => ({
    attributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
    partition: { attribute: 'gsi1pk', value: keys.findingLocation(monitorId, location) },
  }),
  /** Open and owing incidents (activeIncidents). */
  activeIncidents: (): CursorShape => ({
    attributes: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
    partition: { attribute: 'gsi2pk', value: ACTIVE_INCIDENTS_PK },
  }),
} as const;

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
    if (!seen || Date.parse(seen.startedAt) <= Date.parse(f.startedAt)) newest.set(group, f);
  }
  return [...newest.values()];
}

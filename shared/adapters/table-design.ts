/**
 * The one DynamoDB table (single-table design, docs/storage.md). The CDK stack builds the table
 * from TABLE_DESIGN, local-dynamo.ts creates the same table in dynalite, and the stores build
 * every key with the functions below, so all three agree by construction.
 */

export const TABLE_DESIGN = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  /** Epoch seconds; set on findings, latest-status, silence and run items, never on incidents. */
  timeToLiveAttribute: 'expiresAt',
  /** The escalator consumes the stream; it only needs the new images of FINDING# items. */
  stream: { viewType: 'NEW_IMAGE', findingSortKeyPrefix: 'FINDING#' },
  globalSecondaryIndexes: {
    /** A monitor's findings in one location, by time: "findings of www in eu-west-1 since …". */
    byLocation: {
      indexName: 'byLocation',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: 'ALL',
    },
    /** Sparse: incidents that are open or still owe a notification. */
    activeIncidents: {
      indexName: 'activeIncidents',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
      projection: 'ALL',
    },
    /**
     * Sparse: latest-status items whose finding is a paging failure, spread over FAILING_SHARDS
     * partitions (a fleet-wide outage writes every monitor's items). With activeIncidents, all the
     * escalator's one-minute tick reads: keys only, so one Query page holds thousands.
     */
    failingLocations: {
      indexName: 'failingLocations',
      partitionKey: { name: 'gsi3pk', type: 'S' },
      sortKey: { name: 'gsi3sk', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  },
} as const;

export type TableDesign = typeof TABLE_DESIGN;

/** Key parts are URI-encoded so a '#' in an ad-hoc monitor id (a URL) cannot fake a key boundary. */
const enc = encodeURIComponent;

/** Findings' startedAt in one canonical, lexically sortable form ("…T12:00:00Z" → "…T12:00:00.000Z"). */
export function canonicalTime(startedAt: string): string {
  // A canonical time is its own: a finding's key is built from the time just made canonical.
  if (startedAt === lastCanonical) return startedAt;
  const ms = Date.parse(startedAt);
  if (!Number.isFinite(ms)) throw new RangeError(`startedAt: not a timestamp: ${JSON.stringify(startedAt)}`);
  lastCanonical = new Date(ms).toISOString();
  return lastCanonical;
}
let lastCanonical = '';

export const ACTIVE_INCIDENTS_PK = 'INCIDENTS#ACTIVE';

/**
 * Partitions of the failingLocations index. All 10,000 monitors of a region blackholed write ~170
 * latest-status items a second into it (~830 with five regions): eight partitions keep each far below
 * DynamoDB's 1,000 writes a second per partition, and the tick reads them with eight Queries.
 */
export const FAILING_SHARDS = 8;

/** FNV-1a, 32 bit: spreads monitors over the shards, the same shard for a monitor every time. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const keys = {
  monitor: (monitorId: string) => `MONITOR#${enc(monitorId)}`,
  finding: (monitorId: string, location: string, startedAt: string) => ({
    pk: keys.monitor(monitorId),
    sk: `FINDING#${canonicalTime(startedAt)}#${enc(location)}`,
  }),
  /** Bound for a time-range Query: items at exactly this instant sort after it (they carry '#location'). */
  findingBound: (at: Date) => `FINDING#${at.toISOString()}`,
  findingLocation: (monitorId: string, location: string) =>
    `MONITOR#${enc(monitorId)}#LOCATION#${enc(location)}`,
  latest: (monitorId: string, location: string) => ({
    pk: keys.monitor(monitorId),
    sk: `LATEST#${enc(location)}`,
  }),
  openPointer: (monitorId: string, issueType: string) => ({
    pk: keys.monitor(monitorId),
    sk: `OPEN#${issueType}`,
  }),
  incident: (monitorId: string, incidentId: string) => ({
    pk: keys.monitor(monitorId),
    sk: `INCIDENT#${enc(incidentId)}`,
  }),
  activeIncidentSort: (openedAt: string, monitorId: string, incidentId: string) =>
    `${openedAt}#${enc(monitorId)}#${enc(incidentId)}`,
  /** A failingLocations partition, 0 ≤ shard < FAILING_SHARDS. */
  failingPartition: (shard: number) => `FAILING#${shard}`,
  /** The failingLocations partition of a monitor's latest-status items. */
  failingPartitionOf: (monitorId: string) => keys.failingPartition(fnv1a(monitorId) % FAILING_SHARDS),
  failingLocation: (monitorId: string, location: string) => `${enc(monitorId)}#${enc(location)}`,
  /**
   * One location's report of a run, in two items of the run's partition: its count and failing
   * monitors (F#, read at every decision: small) and its healthy ones (H#, read only when a location
   * may be impaired).
   */
  run: (run: string) => `RUN#${run}`,
  runFailures: (run: string, location: string, key: string) => ({
    pk: keys.run(run),
    sk: `F#${enc(location)}#${enc(key)}`,
  }),
  runHealthy: (run: string, location: string, key: string) => ({
    pk: keys.run(run),
    sk: `H#${enc(location)}#${enc(key)}`,
  }),
  /** The vantage state and each run's decision share one small partition. */
  vantageState: () => ({ pk: VANTAGE_PK, sk: 'STATE' }),
  runDecision: (run: string) => ({ pk: VANTAGE_PK, sk: `RUN#${run}` }),
  /** Every silence in one small partition: read whole by the API and the escalator. */
  silence: (id: string) => ({ pk: SILENCES_PK, sk: `SILENCE#${enc(id)}` }),
  /** The alarm gate's ledger: one item per paging alarm in ALARM, in one small partition. */
  gatedAlarm: (alarmName: string) => ({ pk: GATED_ALARMS_PK, sk: `ALARM#${enc(alarmName)}` }),
} as const;

export const SILENCES_PK = 'SILENCES';
export const GATED_ALARMS_PK = 'GATED_ALARMS';
export const VANTAGE_PK = 'VANTAGE';

/** The monitor id back from a MONITOR#… partition key (keys.monitor). */
export function monitorIdOf(pk: string): string {
  if (!pk.startsWith('MONITOR#')) throw new RangeError(`not a monitor partition key: ${pk}`);
  return decodeURIComponent(pk.slice('MONITOR#'.length));
}

/**
 * The offline demo lab behind `npm start` (`netprobe lab`): real servers on loopback, the monitors of
 * monitors.config.ts pointed at them (monitors.ts), run through the very runMonitors path the CLI and
 * the Lambdas use, and the findings taken down the Lambdas' path: metrics publisher, DynamoDB store,
 * escalation engine with the SNS message shape.
 *
 * What runs, all on ephemeral ports:
 *   - the example.test zone on a lab DNS server at 127.0.0.1 (signed on the fly: DNSSEC), and a second nameserver for it on
 *     [::1] (same port) that serves a stale SOA serial: a secondary that missed a zone transfer;
 *   - HTTP and HTTPS servers (lab CA, trusted through the probes' TLS `ca`) with a healthy, a slow,
 *     a 503 and a CDN-style endpoint and an HTTP→HTTPS redirect; an HTTPS server with an expired
 *     certificate; an SMTPS server whose certificate expires soon; a closed port; a name of two
 *     addresses (shop.example.test) of which one has no server, resolved through the lab DNS server;
 *   - an embedded DynamoDB (dynalite) holding the findings, and a second table for the pages dry-run.
 * Some targets are broken on purpose: every monitor says what it should find (`expected`), and
 * the lab reports any finding that differs, which would be a netprobe bug.
 */
import { createSocket } from 'node:dgram';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDbStore } from '../adapters/dynamodb-store.ts';
import {
  createTable,
  createTableInput,
  type LocalDynamo,
  startLocalDynamo,
} from '../adapters/local-dynamo.ts';
import { loadConfig } from '../config/load.ts';
import type { NetprobeConfig } from '../config/types.ts';
import type { Finding } from '../domain/finding.ts';
import { metricDatums } from '../domain/metric-data.ts';
import { replay } from '../domain/replay.ts';
import { runMonitors } from '../engine/run-monitors.ts';
import type { MetricDatum, MetricsPublisher } from '../ports/metrics.ts';
import type { ErrorCode, Status } from '../probes/types.ts';
import { type DnsServerHandle, startDnsServer } from './dns-server.ts';
import { generateZoneKey } from './dnssec-sign.ts';
import { labProbes } from './lookup.ts';
import { type LabExpectation, labMonitors } from './monitors.ts';
import { type LabNotice, type LabPage, persistedFailures, SnsShapedPages } from './pages.ts';
import { DEFAULT_SLOW_MS, type LabTargets, startLabTargets } from './targets.ts';
import { LAB_DNSSEC_DAYS, LAB_STALE_SERIAL, labZone } from './zone.ts';

export type { LabExpectation } from './monitors.ts';
export type { LabNotice, LabPage } from './pages.ts';

/** The example config the lab mirrors: the repository's root monitors.config.ts. */
export const ROOT_CONFIG_PATH = fileURLToPath(new URL('../../monitors.config.ts', import.meta.url));

export interface Lab {
  /** The root config with its monitors pointed at the lab: what `netprobe run --config` would load. */
  config: NetprobeConfig;
  /** Where the example monitors came from. */
  configPath: string;
  expected: Record<string, LabExpectation>;
  /** What the lab could not set up or map on this host (no IPv6 loopback, a monitor with no lab target). */
  notes: string[];
  dnsPort: number;
  targets: LabTargets;
  close(): Promise<void>;
}

export interface LabOptions {
  /** How long the slow endpoint waits before its headers. Default 400 ms. */
  slowMs?: number;
  /** Run the stale secondary nameserver on [::1]. Default: when this host has an IPv6 loopback. */
  secondaryNameserver?: boolean;
  /** The config whose monitors the lab runs. Default ROOT_CONFIG_PATH. */
  configPath?: string;
}

/** Whether this host can bind UDP on ::1 (containers sometimes run without IPv6). */
async function hasIpv6Loopback(): Promise<boolean> {
  const socket = createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: '::1', port: 0 }, () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

/**
 * Loads the example config, starts every lab server and points the config's monitors at them;
 * `close()` stops them all. A config that does not load is the caller's error (ConfigError).
 */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const configPath = opts.configPath ?? ROOT_CONFIG_PATH;
  const root = await loadConfig(configPath);
  const slowMs = opts.slowMs ?? DEFAULT_SLOW_MS;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  };
  try {
    const targets = await startLabTargets({ slowMs });
    closers.push(() => targets.close());
    const notes: string[] = [];
    const wanted = opts.secondaryNameserver ?? (await hasIpv6Loopback());
    if (!wanted) notes.push('no IPv6 loopback here: the stale secondary nameserver ([::1]) is left out');
    const signing = labSigning();
    let primary = await startDnsServer({ host: '127.0.0.1', records: labZone(wanted), signing });
    const secondary = wanted ? await startSecondary(primary.port) : undefined;
    if (wanted && !secondary) {
      // Its port is taken on ::1: serve a zone that does not name it rather than a dead nameserver.
      notes.push(`port ${primary.port} is taken on [::1]: the stale secondary nameserver is left out`);
      await primary.close();
      primary = await startDnsServer({ host: '127.0.0.1', records: labZone(false), signing });
    }
    const dns = [primary, secondary].filter((server): server is DnsServerHandle => server !== undefined);
    closers.push(...dns.map((server) => () => server.close()));
    const lab = labMonitors(
      root,
      { dns: { host: primary.host, port: primary.port }, targets, staleSecondary: secondary !== undefined },
      { slowMs, source: basename(configPath) },
    );
    return {
      config: { ...root, monitors: lab.monitors },
      configPath,
      expected: lab.expected,
      notes: [...notes, ...lab.notes],
      dnsPort: primary.port,
      targets,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The primary signs example.test on the fly with an ECDSA P-256 key made here (node:crypto), its
 * signatures valid for LAB_DNSSEC_DAYS: inside the 3-day DNSSEC warning, on purpose.
 */
function labSigning() {
  const hour = 3_600_000;
  return {
    key: generateZoneKey(13, 257),
    validity: {
      inception: new Date(Date.now() - hour),
      expiration: new Date(Date.now() + LAB_DNSSEC_DAYS * 24 * hour + hour),
    },
  };
}

/** The secondary shares the primary's port (nameservers are asked on the queried server's port). */
async function startSecondary(port: number): Promise<DnsServerHandle | undefined> {
  try {
    return await startDnsServer({
      host: '::1',
      port,
      records: labZone(true),
      faults: { soaSerial: LAB_STALE_SERIAL },
    });
  } catch {
    // The port is free on 127.0.0.1 but taken on ::1 by someone else: run without the secondary.
    return undefined;
  }
}

export interface LabRun {
  lab: Pick<Lab, 'config' | 'configPath' | 'expected' | 'notes'>;
  findings: Finding[];
  skipped: string[];
  /** Findings whose status or code differ from what the lab built them to produce. */
  surprises: { monitorId: string; expected: LabExpectation; got: { status: Status; code?: ErrorCode } }[];
  /**
   * Monitors built to be up that came out degraded only for latency: the host was too busy to meet
   * the example thresholds (a loaded CI machine), which says nothing about netprobe. Reported, not failed.
   */
  slow: string[];
  /** The datums published through the MetricsPublisher, as the probe-runner sends them. */
  metrics: { published: MetricDatum[] };
  /** The findings as written to, and read back from, the embedded DynamoDB. */
  stored: { endpoint: string; tableName: string; written: number; readBack: Finding[] };
  /**
   * What the escalation engine would send if these failures persisted past the longest table time
   * (persistedFailures): replayed on a simulated clock, on `replayTableName` of the same embedded DynamoDB.
   */
  pages: LabPage[];
  /** A probe region's impaired/recovered notices in that replay, as SNS would receive them (one location: normally none). */
  notices: LabNotice[];
  replayTableName: string;
  elapsedMs: number;
}

export interface RunLabOptions extends LabOptions {
  location: string;
  /**
   * Where the run's metric datums go, given the config's namespace: the local printer in the CLI
   * (CloudWatch in the Lambdas, whose namespace comes from METRICS_NAMESPACE).
   */
  metrics: (namespace: string) => MetricsPublisher;
}

/**
 * The lab's probes run one at a time: its servers share the probes' event loop, so concurrent probes
 * would time each other's TLS handshakes, not the loopback network (~25 ms connects instead of ~1 ms).
 * The wall time hardly changes: the 400 ms slow endpoint dominates either way.
 */
const LAB_CONCURRENCY = 1;

/**
 * Starts the lab and the embedded DynamoDB (probes start only once both are up, so no server start
 * is timed as a connect), runs every monitor once through runMonitors, publishes the run's metric
 * datums, stores the findings through the same Store adapter the Lambdas use, replays them as a
 * persisting outage through the escalation engine on the same DynamoDB, and stops everything.
 */
export async function runLab(opts: RunLabOptions): Promise<LabRun> {
  const started = performance.now();
  const [lab, db] = await startBoth(() => startLab(opts), startStore);
  try {
    const { findings, skipped } = await runMonitors(lab.config.monitors, {
      location: opts.location,
      concurrency: LAB_CONCURRENCY,
      classification: lab.config.classification,
      probes: labProbes({ host: '127.0.0.1', port: lab.dnsPort }),
    });
    const datums = metricDatums(findings, lab.config.metrics);
    await opts.metrics(lab.config.namespace).publish(datums);
    const storeOn = (tableName: string) =>
      new DynamoDbStore({ client: db.doc, tableName, findingsTtlDays: lab.config.findingsTtlDays });
    const store = storeOn(db.tableName);
    await store.putFindings(findings);
    const readBack = (await Promise.all(lab.config.monitors.map((m) => store.latestStatus(m.id)))).flat();
    const notifier = new SnsShapedPages(lab.config);
    const { timeline, monitors } = persistedFailures(findings, lab.config);
    await replay(
      timeline,
      { ...lab.config, monitors },
      {
        store: storeOn(db.replayTableName),
        notifier,
        noticeNotifier: notifier,
      },
    );
    return {
      lab: { config: lab.config, configPath: lab.configPath, expected: lab.expected, notes: lab.notes },
      findings,
      skipped,
      ...compareWithExpected(findings, lab.expected),
      metrics: { published: datums },
      stored: { endpoint: db.endpoint, tableName: db.tableName, written: findings.length, readBack },
      pages: notifier.pages,
      notices: notifier.notices,
      replayTableName: db.replayTableName,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await Promise.all([lab.close(), db.close()]);
  }
}

/**
 * The replay gets a table of its own beside the findings table: its timeline starts with the real
 * findings (same keys) and runs past the longest table time ahead, so in one table it would overwrite the
 * real latest status with invented future ones and leave simulated incidents beside real findings.
 * Same adapter, same key design, nothing shared.
 */
async function startStore(): Promise<LocalDynamo & { replayTableName: string }> {
  const db = await startLocalDynamo();
  const replayTableName = `${db.tableName}-replay`;
  try {
    await createTable(db.client, createTableInput(replayTableName));
  } catch (err) {
    await db.close();
    throw err;
  }
  return { ...db, replayTableName };
}

/** Starts both at once; if one fails, the other is closed before the error is thrown. */
async function startBoth<A extends { close(): Promise<void> }, B extends { close(): Promise<void> }>(
  a: () => Promise<A>,
  b: () => Promise<B>,
): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a(), b()]);
  if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
  await Promise.all([ra, rb].map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  throw ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason;
}

/** Findings against what the lab built each target to produce. */
export function compareWithExpected(
  findings: Finding[],
  expected: Record<string, LabExpectation>,
): Pick<LabRun, 'surprises' | 'slow'> {
  const surprises: LabRun['surprises'] = [];
  const slow: string[] = [];
  for (const f of findings) {
    const want = expected[f.monitorId];
    if (!want) continue;
    const code = f.error?.code;
    if (f.status === want.status && (want.code === undefined || code === want.code)) continue;
    if (want.status === 'up' && f.status === 'degraded' && code === 'LATENCY_HIGH') slow.push(f.monitorId);
    else
      surprises.push({
        monitorId: f.monitorId,
        expected: want,
        got: { status: f.status, ...(code && { code }) },
      });
  }
  return { surprises, slow };
}

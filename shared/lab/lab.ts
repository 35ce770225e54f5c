/**
 * The offline demo lab behind `npm start` (`netprobe lab`): real servers on loopback, monitors that
 * mirror the example monitors of monitors.config.ts but point at them, run through the very
 * runMonitors path the CLI and the Lambdas use.
 *
 * What runs, all on ephemeral ports:
 *   - the example.test zone on a lab DNS server at 127.0.0.1, and a second nameserver for it on
 *     [::1] (same port) that serves a stale SOA serial: a secondary that missed a zone transfer;
 *   - HTTP and HTTPS servers (lab CA, trusted through the probes' TLS `ca`) with a healthy, a slow,
 *     a 503 and a CDN-style endpoint and an HTTP→HTTPS redirect; an HTTPS server with an expired
 *     certificate; an SMTPS server whose certificate expires soon; a closed port.
 * Some targets are broken on purpose: every monitor says what it should find (`expected`), and
 * the lab reports any finding that differs, which would be a netprobe bug.
 */
import { createSocket } from 'node:dgram';
import { DynamoDbStore } from '../adapters/dynamodb-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../adapters/local-dynamo.ts';
import { parseConfig } from '../config/load.ts';
import type { NetprobeConfigInput } from '../config/schema.ts';
import type { NetprobeConfig } from '../config/types.ts';
import type { Finding } from '../domain/finding.ts';
import { metricDatums } from '../domain/metric-data.ts';
import { type ReplayLine, replay } from '../domain/replay.ts';
import { runMonitors } from '../engine/run-monitors.ts';
import type { MetricsPublisher } from '../ports/metrics.ts';
import type { ErrorCode, Status } from '../probes/types.ts';
import { type DnsServerHandle, startDnsServer, type ZoneRecord } from './dns-server.ts';
import { LAB_PATHS, type LabTargets, MAIL_CERT_DAYS, startLabTargets } from './targets.ts';

export const LAB_ZONE = 'example.test';
/** The serial the primary serves; the secondary lags one zone transfer behind. */
export const LAB_SERIAL = 2026112401;
export const LAB_STALE_SERIAL = 2026112400;

/** What a lab monitor is built to find. */
export interface LabExpectation {
  status: Status;
  code?: ErrorCode;
  /** Why, in words, for the report ("answers 503 on purpose"). */
  why: string;
}

export interface Lab {
  /** The resolved config of the lab's monitors: what `netprobe run --config` would load. */
  config: NetprobeConfig;
  expected: Record<string, LabExpectation>;
  /** Things the lab could not set up on this host (e.g. no IPv6 loopback for the second nameserver). */
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
}

/**
 * The lab's monitors: the example monitors of monitors.config.ts (same ids with example.test for
 * example.com, same assertions and thresholds), pointed at the lab's targets, plus three that only
 * the lab has, one per failure the examples cannot show on healthy targets.
 */
function labConfigInput(dnsServer: string, t: LabTargets): NetprobeConfigInput {
  const ca = t.caPem;
  return {
    homeRegion: 'us-east-1',
    regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
    subscriptions: { 'database-team': [{ protocol: 'email', endpoint: 'database-oncall@example.test' }] },
    monitors: [
      {
        id: 'dns-example-test',
        description: `${LAB_ZONE} resolves through the lab's nameserver`,
        interval: '1m',
        timeout: '2s',
        dns: {
          name: LAB_ZONE,
          type: 'A',
          server: dnsServer,
          assert: { rcode: 'NOERROR', answers: ['127.0.0.1'] },
        },
        thresholds: { dns: '250ms' },
      },
      {
        id: 'dns-example-test-authoritative',
        description: `every nameserver of ${LAB_ZONE} answers and serves the same SOA serial`,
        interval: '5m',
        timeout: '5s',
        dns: { name: LAB_ZONE, type: 'SOA', server: dnsServer, mode: 'authoritative' },
      },
      {
        id: 'api-health',
        description: 'the API health endpoint reports ok',
        interval: '1m',
        timeout: '5s',
        http: {
          url: `${t.https.origin}${LAB_PATHS.health}`,
          ca,
          headers: { accept: 'application/json' },
          assert: {
            status: 200,
            headers: { 'content-type': 'application/json' },
            json: [{ path: '$.status', match: 'ok' }],
          },
        },
        thresholds: { ttfb: '500ms', total: '1500ms' },
      },
      {
        id: 'www-cdn-asset',
        description: 'static assets are served by the CDN',
        interval: '1m',
        cdn: true,
        http: {
          url: `${t.https.origin}${LAB_PATHS.cdn}`,
          ca,
          assert: { status: '2xx', headers: { 'content-type': 'image/svg+xml' } },
          certWarnDays: 30,
        },
        thresholds: { total: '800ms' },
      },
      {
        id: 'www-http-redirect',
        description: 'plain HTTP still answers (and redirects to HTTPS)',
        interval: '5m',
        http: { url: `${t.http.origin}${LAB_PATHS.home}`, ca },
      },
      {
        id: 'db-primary-port',
        description: 'the primary database accepts TCP connections from us-east-1',
        interval: '1m',
        timeout: '3s',
        regions: ['us-east-1'],
        team: 'database-team',
        tcp: { host: '127.0.0.1', port: t.closedPort },
        thresholds: { connect: '100ms' },
      },
      {
        id: 'smtps-mail-example-test',
        description: 'the mail server completes TLS, greets, and its certificate is not about to expire',
        interval: '5m',
        timeout: '5s',
        tcp: {
          host: '127.0.0.1',
          port: t.mail.port,
          tls: { ca, certWarnDays: 30 },
          expect: { regex: '^220 ' },
        },
      },
      // Lab only: failures the example targets would not show.
      {
        id: 'search-api',
        description: 'search answers within 250 ms to first byte',
        interval: '1m',
        timeout: '3s',
        http: { url: `${t.https.origin}${LAB_PATHS.slow}`, ca },
        thresholds: { ttfb: '250ms' },
      },
      {
        id: 'checkout-api',
        description: 'the checkout health check',
        interval: '1m',
        timeout: '3s',
        http: { url: `${t.http.origin}${LAB_PATHS.unavailable}`, assert: { status: '2xx' } },
      },
      {
        id: 'legacy-portal',
        description: 'the legacy portal over HTTPS',
        interval: '1m',
        timeout: '3s',
        http: { url: `${t.expired.origin}${LAB_PATHS.health}`, ca },
      },
    ],
  };
}

function expectations(staleSecondary: boolean): Record<string, LabExpectation> {
  return {
    'dns-example-test': { status: 'up', why: 'answers 127.0.0.1' },
    'dns-example-test-authoritative': staleSecondary
      ? {
          status: 'degraded',
          code: 'DNS_SERIAL_MISMATCH',
          why: `ns2 serves SOA serial ${LAB_STALE_SERIAL}, ns1 ${LAB_SERIAL}: a missed zone transfer, on purpose`,
        }
      : { status: 'up', why: 'one nameserver only (no IPv6 loopback for the stale secondary)' },
    'api-health': { status: 'up', why: 'healthy' },
    'www-cdn-asset': { status: 'up', why: 'served from the CDN cache (x-cache: Hit)' },
    'www-http-redirect': { status: 'up', why: 'redirects to HTTPS, which answers' },
    'db-primary-port': { status: 'down', code: 'TCP_REFUSED', why: 'nothing listens there, on purpose' },
    'smtps-mail-example-test': {
      status: 'degraded',
      code: 'TLS_CERT_EXPIRING',
      why: `its certificate expires within ${MAIL_CERT_DAYS} days, inside the 30-day warning window, on purpose`,
    },
    'search-api': {
      status: 'degraded',
      code: 'LATENCY_HIGH',
      why: 'waits 400 ms before answering, on purpose',
    },
    'checkout-api': { status: 'down', code: 'HTTP_STATUS', why: 'answers 503, on purpose' },
    'legacy-portal': {
      status: 'down',
      code: 'TLS_CERT_EXPIRED',
      why: 'its certificate has expired, on purpose',
    },
  };
}

function zone(withSecondary: boolean): ZoneRecord[] {
  const soa = `ns1.${LAB_ZONE}. hostmaster.${LAB_ZONE}. ${LAB_SERIAL} 3600 600 86400 60`;
  return [
    { name: LAB_ZONE, type: 'SOA', ttl: 3600, data: soa },
    { name: LAB_ZONE, type: 'NS', ttl: 3600, data: `ns1.${LAB_ZONE}.` },
    ...(withSecondary ? [{ name: LAB_ZONE, type: 'NS' as const, ttl: 3600, data: `ns2.${LAB_ZONE}.` }] : []),
    { name: `ns1.${LAB_ZONE}`, type: 'A', ttl: 3600, data: '127.0.0.1' },
    ...(withSecondary ? [{ name: `ns2.${LAB_ZONE}`, type: 'AAAA' as const, ttl: 3600, data: '::1' }] : []),
    { name: LAB_ZONE, type: 'A', ttl: 300, data: '127.0.0.1' },
    { name: `www.${LAB_ZONE}`, type: 'A', ttl: 300, data: '127.0.0.1' },
    { name: `api.${LAB_ZONE}`, type: 'CNAME', ttl: 300, data: `www.${LAB_ZONE}.` },
    { name: LAB_ZONE, type: 'MX', ttl: 3600, data: `10 mail.${LAB_ZONE}.` },
    { name: `mail.${LAB_ZONE}`, type: 'A', ttl: 3600, data: '127.0.0.1' },
    { name: LAB_ZONE, type: 'TXT', ttl: 3600, data: '"v=spf1 -all"' },
  ];
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

/** Starts every lab server and resolves the lab config; `close()` stops them all. */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  };
  try {
    const targets = await startLabTargets({ slowMs: opts.slowMs });
    closers.push(() => targets.close());
    const notes: string[] = [];
    const wanted = opts.secondaryNameserver ?? (await hasIpv6Loopback());
    if (!wanted) notes.push('no IPv6 loopback here: the stale secondary nameserver ([::1]) is left out');
    let primary = await startDnsServer({ host: '127.0.0.1', records: zone(wanted) });
    const secondary = wanted ? await startSecondary(primary.port) : undefined;
    if (wanted && !secondary) {
      // Its port is taken on ::1: serve a zone that does not name it rather than a dead nameserver.
      notes.push(`port ${primary.port} is taken on [::1]: the stale secondary nameserver is left out`);
      await primary.close();
      primary = await startDnsServer({ host: '127.0.0.1', records: zone(false) });
    }
    const dns = [primary, secondary].filter((server): server is DnsServerHandle => server !== undefined);
    closers.push(...dns.map((server) => () => server.close()));
    const config = parseConfig(labConfigInput(`127.0.0.1:${primary.port}`, targets), 'the lab config');
    return {
      config,
      expected: expectations(secondary !== undefined),
      notes,
      dnsPort: primary.port,
      targets,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The secondary shares the primary's port (nameservers are asked on the queried server's port). */
async function startSecondary(port: number): Promise<DnsServerHandle | undefined> {
  try {
    return await startDnsServer({
      host: '::1',
      port,
      records: zone(true),
      faults: { soaSerial: LAB_STALE_SERIAL },
    });
  } catch {
    // The port is free on 127.0.0.1 but taken on ::1 by someone else: run without the secondary.
    return undefined;
  }
}

/** How long the pages dry-run pretends the lab's results persist: past the longest table time (15 min). */
export const PERSIST_MINUTES = 20;

export interface LabRun {
  lab: Pick<Lab, 'config' | 'expected' | 'notes'>;
  findings: Finding[];
  skipped: string[];
  /** Findings whose status or code differ from what the lab built them to produce: netprobe bugs. */
  surprises: { monitorId: string; expected: LabExpectation; got: { status: Status; code?: ErrorCode } }[];
  /**
   * Monitors built to be up that came out degraded only for latency: the host was too busy to meet
   * the example thresholds (a loaded CI machine), which says nothing about netprobe. Reported, not failed.
   */
  slow: string[];
  /** How many datums were published through the MetricsPublisher. */
  metrics: { datums: number };
  /** The findings as written to, and read back from, the embedded DynamoDB. */
  stored: { endpoint: string; tableName: string; written: number; readBack: Finding[] };
  /** What the escalation policy would send if these results persisted for PERSIST_MINUTES (a replay). */
  pages: ReplayLine[];
  elapsedMs: number;
}

export interface RunLabOptions extends LabOptions {
  location: string;
  /** Where the run's metric datums go: the local printer in the CLI (CloudWatch in the Lambdas). */
  metrics: MetricsPublisher;
}

/**
 * Starts the lab, runs every monitor once through runMonitors, publishes the run's metric datums,
 * stores the findings in an embedded DynamoDB through the same Store adapter the Lambdas use,
 * dry-runs the escalation policy over them, and stops everything.
 */
export async function runLab(opts: RunLabOptions): Promise<LabRun> {
  const started = performance.now();
  const lab = await startLab(opts);
  let dynamo: LocalDynamo | undefined;
  try {
    const [{ findings, skipped }, db] = await Promise.all([
      runMonitors(lab.config.monitors, {
        location: opts.location,
        concurrency: lab.config.concurrency,
        classification: lab.config.classification,
      }),
      startLocalDynamo(),
    ]);
    dynamo = db;
    const datums = metricDatums(findings);
    await opts.metrics.publish(datums);
    const store = new DynamoDbStore({
      client: db.doc,
      tableName: db.tableName,
      findingsTtlDays: lab.config.findingsTtlDays,
    });
    await store.putFindings(findings);
    const readBack = (await Promise.all(lab.config.monitors.map((m) => store.latestStatus(m.id)))).flat();
    const pages = await replay(persisting(findings, lab.config, PERSIST_MINUTES), lab.config);
    return {
      lab: { config: lab.config, expected: lab.expected, notes: lab.notes },
      findings,
      skipped,
      ...compareWithExpected(findings, lab.expected),
      metrics: { datums: datums.length },
      stored: { endpoint: db.endpoint, tableName: db.tableName, written: findings.length, readBack },
      pages,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await Promise.all([lab.close(), dynamo?.close()]);
  }
}

/**
 * The timeline "these results, again at every interval for `minutes`": each finding repeated at its
 * monitor's interval, the real finding first. Replay reads it as the outage would unfold.
 */
export function persisting(findings: readonly Finding[], config: NetprobeConfig, minutes: number): Finding[] {
  const interval = new Map(config.monitors.map((m) => [m.id, m.intervalMinutes]));
  return findings.flatMap((f) => {
    const every = interval.get(f.monitorId) ?? 1;
    const start = Date.parse(f.startedAt);
    return Array.from({ length: Math.floor(minutes / every) + 1 }, (_, k) => ({
      ...f,
      startedAt: new Date(start + k * every * 60_000).toISOString(),
    }));
  });
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

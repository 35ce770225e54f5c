/**
 * Monthly AWS cost of a netprobe deployment, computed from stated prices and a stated scenario,
 * every line with its arithmetic. docs/cost.md is this script's output for the default scenario:
 *   node scripts/cost-estimate.ts                        # markdown tables
 *   node scripts/cost-estimate.ts --json                 # the same lines as JSON
 *   node scripts/cost-estimate.ts --phase-latency ttfb   # with config metrics.phaseLatency: all, none, dns,ttfb…
 *
 * Prices: us-east-1 list prices (no free tier), as published on the AWS pricing pages for Lambda,
 * CloudWatch, DynamoDB, SNS, API Gateway and KMS. Check them before you budget: they change.
 */
import { formatPath } from '../shared/config/errors.ts';
import { safeParse } from '../shared/config/issues.ts';
import { phaseLatencySchema } from '../shared/config/schema.ts';
import { LATENCY_PHASES, type LatencyPhase, METRICS } from '../shared/domain/metrics.ts';

export const PRICES_US_EAST_1 = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** First 10,000 custom metrics; the next 240,000 cost $0.10, the next 750,000 $0.05, the rest $0.02. */
  metricPerMonth: 0.3,
  metricPerMonthAfter10k: 0.1,
  metricPerMonthAfter250k: 0.05,
  metricPerMonthAfter1M: 0.02,
  putMetricDataPer1000Requests: 0.01,
  /** Standard-resolution alarm, per metric it evaluates (a metric-math alarm pays for each metric). */
  alarmMetricPerMonth: 0.1,
  dashboardPerMonth: 3,
  logsIngestedPerGb: 0.5,
  logsStoredPerGbMonth: 0.03,
  /** On-demand capacity. */
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  dynamoPitrPerGbMonth: 0.2,
  snsPerMillionPublishes: 0.5,
  snsEmailPer100k: 2,
  httpApiPerMillionRequests: 1,
  kmsKeyPerMonth: 1,
  interRegionTransferPerGb: 0.02,
} as const;

export type Prices = typeof PRICES_US_EAST_1;

export type MonitorShape = 'https' | 'http' | 'tcp' | 'dns';

/** The phases a successful run reaches (total is the Latency metric), before metrics.phaseLatency picks. */
const PHASES_BY_SHAPE: Record<MonitorShape, readonly LatencyPhase[]> = {
  https: ['dns', 'connect', 'tls', 'ttfb', 'transfer'],
  http: ['dns', 'connect', 'ttfb', 'transfer'],
  tcp: ['dns', 'connect'],
  dns: ['dns'],
};

export interface MonitorGroup {
  readonly shape: MonitorShape;
  readonly count: number;
  /** CDN-fronted: one more metric (CdnCacheHit). */
  readonly cdn?: boolean;
  /**
   * Phase thresholds, each one latency alarm. A threshold on a phase needs that phase published, so
   * with fewer phases read these as `total` thresholds (the Latency metric): same alarm count.
   */
  readonly latencyThresholds: number;
}

export interface Scenario {
  readonly name: string;
  readonly regions: number;
  readonly intervalMinutes: number;
  readonly monitors: readonly MonitorGroup[];
  /** Config `metrics.phaseLatency`: the phases published as PhaseLatency. */
  readonly phaseLatency: readonly LatencyPhase[];
  /** Wall time of one runner invocation (one shard: its monitors run concurrently). */
  readonly runnerSeconds: number;
  readonly runnerMemoryMb: number;
  /** Monitors per shard (config `concurrency`): one runner invocation per shard per run (docs/scale.md). */
  readonly shardSize: number;
  /** One dispatcher invocation per region per run: it sends the shards' Invokes. */
  readonly dispatcherSeconds: number;
  readonly dispatcherMemoryMb: number;
  /**
   * Escalator invocations per minute: stream batches (the filter passes findings only) plus the
   * 1-minute tick. Each runner writes its findings in BatchWriteItem calls of 25, which the stream
   * delivers as about one batch each.
   */
  readonly escalatorInvocationsPerMinute: number;
  readonly escalatorSeconds: number;
  readonly escalatorMemoryMb: number;
  /** Stored size of one finding item (JSON details, timings, TLS and CDN info). */
  readonly findingKb: number;
  readonly findingsTtlDays: number;
  /** Reads per finding by the escalator (open-incident pointer, incident). */
  readonly escalatorReadsPerFinding: number;
  readonly apiRequestsPerMonth: number;
  readonly apiSeconds: number;
  readonly apiMemoryMb: number;
  readonly notificationsPerMonth: number;
  readonly logKbPerInvocation: number;
  readonly logRetentionDays: number;
  /** Bytes of one metric datum in a PutMetricData request. */
  readonly datumBytes: number;
  /**
   * Dashboards of the monitors stacks, as `cdk synth` splits them within CloudWatch's dashboard
   * limits (docs/deploy.md, "How the stacks split"); the `netprobe` index comes on top.
   */
  readonly monitorDashboards: number;
}

/** 50 monitors × 5 regions, every minute: 20 HTTPS, 10 HTTPS behind a CDN, 10 DNS, 10 TCP. */
export const EXAMPLE_SCENARIO: Scenario = {
  name: '50 monitors × 5 regions, every minute',
  regions: 5,
  intervalMinutes: 1,
  phaseLatency: LATENCY_PHASES,
  monitors: [
    { shape: 'https', count: 20, latencyThresholds: 1 },
    { shape: 'https', count: 10, cdn: true, latencyThresholds: 1 },
    { shape: 'dns', count: 10, latencyThresholds: 1 },
    { shape: 'tcp', count: 10, latencyThresholds: 1 },
  ],
  runnerSeconds: 2,
  runnerMemoryMb: 512,
  shardSize: 50,
  dispatcherSeconds: 0.2,
  dispatcherMemoryMb: 256,
  // 5 regions × 2 batches of 25 findings + 1 tick
  escalatorInvocationsPerMinute: 11,
  escalatorSeconds: 0.3,
  escalatorMemoryMb: 256,
  findingKb: 2,
  findingsTtlDays: 30,
  escalatorReadsPerFinding: 2,
  apiRequestsPerMonth: 10_000,
  apiSeconds: 1,
  apiMemoryMb: 512,
  notificationsPerMonth: 500,
  logKbPerInvocation: 2,
  logRetentionDays: 30,
  datumBytes: 200,
  monitorDashboards: 1,
};

/**
 * The example's mix 200 times over: 10,000 monitors × 5 regions. 225 monitors dashboards is what the
 * synth plans for this mix (225 monitors stacks, one page each). Each run is 200 shards of 50 per
 * region (the dispatcher sends 200 Invokes, ~1 s), each its own runner invocation of ~2 s; the
 * escalator gets 5 regions × 400 stream batches of 25 findings a minute, plus the tick.
 */
export const SCALE_SCENARIO: Scenario = {
  ...EXAMPLE_SCENARIO,
  name: '10,000 monitors × 5 regions, every minute',
  monitors: EXAMPLE_SCENARIO.monitors.map((group) => ({ ...group, count: group.count * 200 })),
  monitorDashboards: 225,
  dispatcherSeconds: 1,
  escalatorInvocationsPerMinute: 2001,
  apiRequestsPerMonth: 100_000,
  notificationsPerMonth: 20_000,
};

/**
 * The metrics netprobe's own alarms read (infra/constructs/watchdog.ts, runner-health.ts,
 * findings-spill.ts), as `cdk synth` makes them; test/infra/cost-estimate.test.ts counts them in a
 * synthesized app. Alarms only some configs have (the alarm gate's, undelivered pages) are left out.
 */
export const WATCHDOG_METRICS = {
  /** Escalator errors and throttles (one alarm), dead letters, tick failures. */
  escalator: 4,
  /** The probe API in the home region: errors, datums dropped, findings spilled and lost, spill queue waiting and dead letters. */
  homeApi: 6,
  /**
   * Each probe region: runner errors and throttles (one alarm), lost shards; for the runner and the
   * probe API each, datums dropped and findings spilled and lost; the probe API's errors; the spill
   * queue waiting and its dead letters.
   */
  perProbeRegion: 12,
} as const;

/** The runs-arriving alarm of a region reads the Up sample counts of at most 10 of its fastest monitors. */
export const RUNS_ALARM_MAX_METRICS = 10;

/** Alarm metrics of netprobe's own alarms: `runsSample` metrics per region's runs-arriving alarm. */
export function watchdogAlarmMetrics(regions: number, runsSample: number): number {
  return (
    regions * runsSample +
    WATCHDOG_METRICS.escalator +
    WATCHDOG_METRICS.homeApi +
    regions * WATCHDOG_METRICS.perProbeRegion
  );
}

/** AWS bills a month as 730 hours. */
export const MINUTES_PER_MONTH = 730 * 60;

export interface CostLine {
  readonly component: string;
  readonly item: string;
  readonly arithmetic: string;
  readonly usd: number;
}

const usd = (value: number) => `$${value.toFixed(2)}`;
const n = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Distinct CloudWatch metrics one monitor publishes in one region (see shared/domain/metrics.ts). */
export function metricsPerMonitorRegion(
  group: Pick<MonitorGroup, 'shape' | 'cdn'>,
  phaseLatency: readonly LatencyPhase[] = LATENCY_PHASES,
): string[] {
  const names: string[] = [METRICS.up.name, METRICS.latency.name];
  for (const phase of PHASES_BY_SHAPE[group.shape]) {
    if (phaseLatency.includes(phase)) names.push(`${METRICS.phaseLatency.name}{${phase}}`);
  }
  if (group.shape === 'https') names.push(METRICS.certDaysRemaining.name);
  if (group.cdn) names.push(METRICS.cdnCacheHit.name);
  return names;
}

/** `shape` or `shape+cdn`, as the arithmetic names a group. */
const groupName = (g: MonitorGroup) => `${g.shape}${g.cdn ? '+cdn' : ''}`;

/** Distinct metrics of the whole scenario: per monitor and region, times monitors, times regions. */
export function metricCount(s: Scenario): number {
  return (
    s.regions *
    s.monitors.reduce((sum, g) => sum + g.count * metricsPerMonitorRegion(g, s.phaseLatency).length, 0)
  );
}

/** The choice as written in the config: 'all', 'none' or the list. */
export function phaseLatencyLabel(phases: readonly LatencyPhase[]): string {
  if (LATENCY_PHASES.every((phase) => phases.includes(phase))) return "'all'";
  if (phases.length === 0) return "'none'";
  return `[${phases.map((phase) => `'${phase}'`).join(', ')}]`;
}

/** A monitor id in a run report's list (~24 characters) and an item's keys and attributes. */
const REPORT_BYTES_PER_MONITOR = 26;
const REPORT_ITEM_BYTES = 100;

export function estimateCost(s: Scenario, p: Prices = PRICES_US_EAST_1): CostLine[] {
  const lines: CostLine[] = [];
  const add = (component: string, item: string, arithmetic: string, value: number) =>
    lines.push({ component, item, arithmetic: `${arithmetic} = ${usd(value)}`, usd: value });

  const monitors = s.monitors.reduce((sum, g) => sum + g.count, 0);
  const runsPerRegion = MINUTES_PER_MONTH / s.intervalMinutes;
  const shards = Math.ceil(monitors / s.shardSize);
  const dispatches = s.regions * runsPerRegion;
  const invocations = dispatches * shards;
  const findings = monitors * s.regions * runsPerRegion;

  // Lambda
  const dispatcherGbS = dispatches * s.dispatcherSeconds * (s.dispatcherMemoryMb / 1024);
  add(
    'Lambda',
    'probe-dispatcher compute and requests',
    `${n(dispatches)} runs × ${s.dispatcherSeconds} s × ${s.dispatcherMemoryMb / 1024} GB × $${p.lambdaArmGbSecond}/GB-s + ${n(dispatches)} × $${p.lambdaPerMillionRequests}/M`,
    dispatcherGbS * p.lambdaArmGbSecond + (dispatches / 1e6) * p.lambdaPerMillionRequests,
  );
  const runnerGbS = invocations * s.runnerSeconds * (s.runnerMemoryMb / 1024);
  add(
    'Lambda',
    'probe-runner compute',
    `${n(invocations)} runs (${shards} shard${shards === 1 ? '' : 's'} of ≤ ${s.shardSize} per region and run) × ${s.runnerSeconds} s × ${s.runnerMemoryMb / 1024} GB × $${p.lambdaArmGbSecond}/GB-s (arm64)`,
    runnerGbS * p.lambdaArmGbSecond,
  );
  add(
    'Lambda',
    'probe-runner requests',
    `${n(invocations)} × $${p.lambdaPerMillionRequests}/M`,
    (invocations / 1e6) * p.lambdaPerMillionRequests,
  );
  const escalatorInvocations = s.escalatorInvocationsPerMinute * MINUTES_PER_MONTH;
  const escalatorGbS = escalatorInvocations * s.escalatorSeconds * (s.escalatorMemoryMb / 1024);
  add(
    'Lambda',
    'escalator compute',
    `${n(escalatorInvocations)} invocations × ${s.escalatorSeconds} s × ${s.escalatorMemoryMb / 1024} GB × $${p.lambdaArmGbSecond}/GB-s`,
    escalatorGbS * p.lambdaArmGbSecond,
  );
  add(
    'Lambda',
    'escalator requests',
    `${n(escalatorInvocations)} × $${p.lambdaPerMillionRequests}/M`,
    (escalatorInvocations / 1e6) * p.lambdaPerMillionRequests,
  );
  const apiGbS = s.apiRequestsPerMonth * s.apiSeconds * (s.apiMemoryMb / 1024);
  add(
    'Lambda',
    'probe-api (on demand)',
    `${n(s.apiRequestsPerMonth)} × ${s.apiSeconds} s × ${s.apiMemoryMb / 1024} GB × $${p.lambdaArmGbSecond}/GB-s + requests`,
    apiGbS * p.lambdaArmGbSecond + (s.apiRequestsPerMonth / 1e6) * p.lambdaPerMillionRequests,
  );

  // CloudWatch metrics
  const metrics = metricCount(s);
  const metricsUsd = metricTiersUsd(metrics, p);
  const breakdown = s.monitors
    .map((g) => `${g.count} ${groupName(g)} × ${metricsPerMonitorRegion(g, s.phaseLatency).length}`)
    .join(' + ');
  add(
    'CloudWatch',
    'custom metrics',
    `(${breakdown}) × ${s.regions} regions = ${n(metrics)} metrics (phaseLatency ${phaseLatencyLabel(s.phaseLatency)}) × $${p.metricPerMonth}${metrics > 10_000 ? ' (tiered past 10,000)' : ''}`,
    metricsUsd,
  );
  const putRequests = invocations * Math.ceil(metrics / s.regions / shards / 1000);
  add(
    'CloudWatch',
    'PutMetricData calls',
    `${n(putRequests)} (one per shard run, ≤ 1000 datums) × $${p.putMetricDataPer1000Requests}/1000`,
    (putRequests / 1000) * p.putMetricDataPer1000Requests,
  );
  // availability + one per latency threshold + the certificate alarm of monitors that see a certificate,
  // each reading one metric per region (infra/constructs/monitor-alarms.ts)
  const alarmsPerMonitor = (g: MonitorGroup) =>
    1 + g.latencyThresholds + (metricsPerMonitorRegion(g).includes(METRICS.certDaysRemaining.name) ? 1 : 0);
  const monitorAlarmMetrics = s.monitors.reduce(
    (sum, g) => sum + g.count * alarmsPerMonitor(g) * s.regions,
    0,
  );
  const alarmTerms = (g: MonitorGroup) =>
    [1, g.latencyThresholds, alarmsPerMonitor(g) - 1 - g.latencyThresholds].filter((n) => n > 0).join(' + ');
  add(
    'CloudWatch',
    'monitor alarms',
    `(${s.monitors.map((g) => `${g.count} × (${alarmTerms(g)})`).join(' + ')}) alarms (availability + latency thresholds + certificate) × ${s.regions} region metrics each = ${n(monitorAlarmMetrics)} alarm metrics × $${p.alarmMetricPerMonth}`,
    monitorAlarmMetrics * p.alarmMetricPerMonth,
  );
  const runsSample = Math.min(RUNS_ALARM_MAX_METRICS, monitors);
  const watchdogMetrics = watchdogAlarmMetrics(s.regions, runsSample);
  add(
    'CloudWatch',
    'watchdog alarms',
    `${s.regions} × ${runsSample} (runs arriving) + ${WATCHDOG_METRICS.escalator} (escalator) + ${WATCHDOG_METRICS.homeApi} (API) + ${s.regions} × ${WATCHDOG_METRICS.perProbeRegion} (each probe region) = ${watchdogMetrics} alarm metrics × $${p.alarmMetricPerMonth}`,
    watchdogMetrics * p.alarmMetricPerMonth,
  );
  const dashboards = 1 + s.monitorDashboards;
  add(
    'CloudWatch',
    'dashboards',
    `(1 index + ${n(s.monitorDashboards)} monitors dashboards) × $${p.dashboardPerMonth}`,
    dashboards * p.dashboardPerMonth,
  );
  const logGb = ((invocations + escalatorInvocations) * s.logKbPerInvocation) / 1024 / 1024;
  add(
    'CloudWatch',
    'Lambda logs',
    `${n(logGb)} GB × $${p.logsIngestedPerGb} ingested + ${n(logGb * (s.logRetentionDays / 30))} GB stored × $${p.logsStoredPerGbMonth}`,
    logGb * p.logsIngestedPerGb + logGb * (s.logRetentionDays / 30) * p.logsStoredPerGbMonth,
  );

  // DynamoDB (on demand): a finding item + its byLocation index entry + the latest-status put
  const wruPerFinding = Math.ceil(s.findingKb) * 3;
  const writeUnits = findings * wruPerFinding;
  add(
    'DynamoDB',
    'writes',
    `${n(findings)} findings × ${wruPerFinding} WRU (item, index, latest status; ${s.findingKb} KB each) × $${p.dynamoPerMillionWriteUnits}/M`,
    (writeUnits / 1e6) * p.dynamoPerMillionWriteUnits,
  );
  const readUnits = findings * s.escalatorReadsPerFinding;
  add(
    'DynamoDB',
    'reads',
    `${n(findings)} findings × ${s.escalatorReadsPerFinding} RRU (escalator) × $${p.dynamoPerMillionReadUnits}/M`,
    (readUnits / 1e6) * p.dynamoPerMillionReadUnits,
  );
  const storedGb = (findings * (s.findingsTtlDays / 30) * s.findingKb) / 1024 / 1024;
  add(
    'DynamoDB',
    'storage',
    `${n(storedGb)} GB (${s.findingsTtlDays} days of findings) × 2 (index projects ALL) × $${p.dynamoStoragePerGbMonth}`,
    storedGb * 2 * p.dynamoStoragePerGbMonth,
  );
  add(
    'DynamoDB',
    'point-in-time recovery',
    `${n(storedGb)} GB × $${p.dynamoPitrPerGbMonth}`,
    storedGb * p.dynamoPitrPerGbMonth,
  );
  // The sick-probe-region rule's run index: each shard records one report per region and run, two
  // items (docs/escalation.md, "What it costs"): failing ids and count (1 WRU), healthy ids.
  const reports = invocations;
  const healthyKb = (Math.min(s.shardSize, monitors) * REPORT_BYTES_PER_MONITOR + REPORT_ITEM_BYTES) / 1024;
  const wruPerReport = 1 + Math.ceil(healthyKb);
  add(
    'DynamoDB',
    'run reports (a sick probe region)',
    `${n(reports)} reports (one per shard run) × ${wruPerReport} WRU (failures item + ${n(healthyKb)} KB healthy item) × $${p.dynamoPerMillionWriteUnits}/M`,
    ((reports * wruPerReport) / 1e6) * p.dynamoPerMillionWriteUnits,
  );
  add('DynamoDB', 'stream', 'read by the Lambda trigger: no charge', 0);

  // SNS, API, KMS, transfer
  add(
    'SNS',
    'pages and alarm notifications',
    `${n(s.notificationsPerMonth)} publishes × $${p.snsPerMillionPublishes}/M + ${n(s.notificationsPerMonth)} emails × $${p.snsEmailPer100k}/100k`,
    (s.notificationsPerMonth / 1e6) * p.snsPerMillionPublishes +
      (s.notificationsPerMonth / 1e5) * p.snsEmailPer100k,
  );
  add(
    'API Gateway',
    'HTTP API',
    `${n(s.apiRequestsPerMonth)} requests × $${p.httpApiPerMillionRequests}/M`,
    (s.apiRequestsPerMonth / 1e6) * p.httpApiPerMillionRequests,
  );
  add('KMS', 'topic key', `1 key × $${p.kmsKeyPerMonth} (requests negligible)`, p.kmsKeyPerMonth);
  const remoteShare = (s.regions - 1) / s.regions;
  const transferGb =
    (remoteShare *
      (findings * s.findingKb * 1024 + findings * (metrics / s.regions / monitors) * s.datumBytes)) /
    1024 ** 3;
  add(
    'Data transfer',
    'other regions → home',
    `${n(transferGb)} GB (findings and metric datums from ${s.regions - 1} of ${s.regions} regions) × $${p.interRegionTransferPerGb}`,
    transferGb * p.interRegionTransferPerGb,
  );
  return lines;
}

/** Custom metrics by AWS's tiers: 10,000 at the first price, 240,000 at the next, 750,000, then the rest. */
export function metricTiersUsd(metrics: number, p: Prices = PRICES_US_EAST_1): number {
  const tiers: [number, number][] = [
    [10_000, p.metricPerMonth],
    [240_000, p.metricPerMonthAfter10k],
    [750_000, p.metricPerMonthAfter250k],
    [Number.POSITIVE_INFINITY, p.metricPerMonthAfter1M],
  ];
  let left = metrics;
  let usdTotal = 0;
  for (const [size, price] of tiers) {
    const inTier = Math.min(left, size);
    usdTotal += inTier * price;
    left -= inTier;
  }
  return usdTotal;
}

/** The CloudWatch lines that grow with the number of monitors, per scenario: the page's at-scale table. */
export const AT_SCALE_ITEMS = [
  'custom metrics',
  'PutMetricData calls',
  'monitor alarms',
  'watchdog alarms',
  'dashboards',
] as const;

export function formatCloudWatchAtScale(
  scenarios: readonly Scenario[],
  p: Prices = PRICES_US_EAST_1,
): string {
  const columns = scenarios.map((s) => {
    const lines = estimateCost(s, p);
    return new Map(lines.map((line) => [line.item, line]));
  });
  const monitorsOf = (s: Scenario) => s.monitors.reduce((sum, g) => sum + g.count, 0);
  const rows = AT_SCALE_ITEMS.map(
    (item) => `| ${item} | ${columns.map((c) => usd(c.get(item)?.usd ?? 0)).join(' | ')} |`,
  );
  const sum = columns.map((c) => AT_SCALE_ITEMS.reduce((t, item) => t + (c.get(item)?.usd ?? 0), 0));
  return [
    `| CloudWatch, per month | ${scenarios.map((s) => `${n(monitorsOf(s))} monitors`).join(' | ')} |`,
    `|---|${scenarios.map(() => '---').join('|')}|`,
    ...rows,
    `| **total** | ${sum.map((v) => `**${usd(v)}**`).join(' | ')} |`,
    '',
    ...scenarios.flatMap((s, index) => [
      `**${s.name}**:`,
      '',
      ...AT_SCALE_ITEMS.map((item) => `- ${item}: ${columns[index]?.get(item)?.arithmetic ?? ''}`),
      '',
    ]),
  ].join('\n');
}

export function total(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.usd, 0);
}

export function formatMarkdown(s: Scenario, lines: readonly CostLine[]): string {
  const rows = lines.map((line) => `| ${line.component} | ${line.item} | ${line.arithmetic} |`);
  const byComponent = new Map<string, number>();
  for (const line of lines)
    byComponent.set(line.component, (byComponent.get(line.component) ?? 0) + line.usd);
  const summary = [...byComponent].map(([component, value]) => `| ${component} | ${usd(value)} |`);
  return [
    `**${s.name}**: ${usd(total(lines))} per month (us-east-1 list prices, no free tier).`,
    '',
    '| component | monthly |',
    '|---|---|',
    ...summary,
    `| **total** | **${usd(total(lines))}** |`,
    '',
    '| component | item | arithmetic |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

/** What docs/cost.md compares: every phase (the default), the one that tells server from network, none. */
export const PHASE_LATENCY_CHOICES: readonly (readonly LatencyPhase[])[] = [LATENCY_PHASES, ['ttfb'], []];

export interface PhaseLatencyRow {
  readonly phaseLatency: string;
  /** Metrics per monitor and region, per monitor group in scenario order. */
  readonly perMonitorRegion: readonly number[];
  readonly metrics: number;
  readonly metricsUsd: number;
  readonly totalUsd: number;
}

/** The same scenario under each `metrics.phaseLatency` choice. */
export function comparePhaseLatency(
  s: Scenario,
  choices: readonly (readonly LatencyPhase[])[] = PHASE_LATENCY_CHOICES,
  p: Prices = PRICES_US_EAST_1,
): PhaseLatencyRow[] {
  return choices.map((phaseLatency) => {
    const variant = { ...s, phaseLatency };
    const lines = estimateCost(variant, p);
    return {
      phaseLatency: phaseLatencyLabel(phaseLatency),
      perMonitorRegion: s.monitors.map((g) => metricsPerMonitorRegion(g, phaseLatency).length),
      metrics: metricCount(variant),
      metricsUsd: lines
        .filter((line) => line.item === 'custom metrics')
        .reduce((sum, line) => sum + line.usd, 0),
      totalUsd: total(lines),
    };
  });
}

export function formatPhaseLatencyComparison(s: Scenario, rows: readonly PhaseLatencyRow[]): string {
  const groups = s.monitors.map(groupName).join(' / ');
  return [
    `| \`metrics.phaseLatency\` | metrics per monitor and region (${groups}) | metrics | custom metrics | total |`,
    '|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| \`${row.phaseLatency}\` | ${row.perMonitorRegion.join(' / ')} | ${n(row.metrics)} | ${usd(row.metricsUsd)} | ${usd(row.totalUsd)} |`,
    ),
  ].join('\n');
}

/** What one monitor probed from one region for a month costs, all in: the fleet's total ÷ checks × regions. */
export function perCheckRegionMonth(s: Scenario, p: Prices = PRICES_US_EAST_1): number {
  const monitors = s.monitors.reduce((sum, g) => sum + g.count, 0);
  return total(estimateCost(s, p)) / (monitors * s.regions);
}

/** The example and the 10,000-monitor fleet side by side: monthly total and per check-region-month. */
export function formatScaleComparison(scenarios: readonly Scenario[], p: Prices = PRICES_US_EAST_1): string {
  return [
    '| scenario | runner invocations per region and run | monthly | per check-region-month |',
    '|---|---|---|---|',
    ...scenarios.map((s) => {
      const monitors = s.monitors.reduce((sum, g) => sum + g.count, 0);
      return `| ${s.name} | ${Math.ceil(monitors / s.shardSize)} (+ 1 dispatcher) | ${usd(total(estimateCost(s, p)))} | $${perCheckRegionMonth(s, p).toFixed(4)} |`;
    }),
  ].join('\n');
}

/** `--phase-latency all|none|ttfb|connect,ttfb`, checked by the config's own schema. */
function phaseLatencyArgument(argv: readonly string[]): readonly LatencyPhase[] | undefined {
  const at = argv.indexOf('--phase-latency');
  if (at < 0) return undefined;
  const text = argv[at + 1] ?? '';
  const parsed = safeParse(phaseLatencySchema, text === 'all' || text === 'none' ? text : text.split(','));
  if (parsed.ok) return parsed.value;
  for (const issue of parsed.issues)
    console.error(`--phase-latency${formatPath(issue.path)}: ${issue.message}`);
  process.exit(2);
}

if (import.meta.main) {
  const chosen = phaseLatencyArgument(process.argv);
  const scenario: Scenario = chosen
    ? {
        ...EXAMPLE_SCENARIO,
        name: `${EXAMPLE_SCENARIO.name}, phaseLatency ${phaseLatencyLabel(chosen)}`,
        phaseLatency: chosen,
      }
    : EXAMPLE_SCENARIO;
  const lines = estimateCost(scenario);
  const comparison = comparePhaseLatency(scenario);
  console.log(
    process.argv.includes('--json')
      ? JSON.stringify(
          {
            scenario,
            prices: PRICES_US_EAST_1,
            lines,
            totalUsd: total(lines),
            phaseLatencyComparison: comparison,
          },
          null,
          2,
        )
      : [
          formatMarkdown(scenario, lines),
          formatPhaseLatencyComparison(scenario, comparison),
          formatCloudWatchAtScale([scenario, SCALE_SCENARIO]),
          formatScaleComparison([scenario, SCALE_SCENARIO]),
          formatMarkdown(SCALE_SCENARIO, estimateCost(SCALE_SCENARIO)),
        ].join('\n\n'),
  );
}

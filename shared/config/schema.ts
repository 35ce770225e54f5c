/**
 * The monitors config: the input form users write (monitors.config.ts / .json) and its
 * resolution into NetprobeConfig (shared/config/types.ts), in three stages, each reached only
 * when the previous one passed: defaults applied, then every value checked (strictly: unknown
 * keys are errors), then cross-field checks (regions, ids, teams, time budgets).
 */
import * as z from 'zod';
import { DEFAULT_ESCALATION_TABLE, type EscalationTable, SEVERITIES } from '../domain/escalation-table.ts';
import { ISSUE_TYPES } from '../domain/finding.ts';
import { type MaintenanceWindow, utcTimeError, WEEK_MS, WEEKDAYS } from '../domain/maintenance.ts';
import { LATENCY_PHASES, type LatencyPhase } from '../domain/metrics.ts';
import { DEFAULT_REGIONAL_RULE } from '../domain/policy.ts';
import { DEFAULT_OPERATORS_TEAM, DEFAULT_VANTAGE_RULE } from '../domain/vantage.ts';
import { DEFAULT_TIMEOUT_MS, type LatencyThresholds } from '../probes/spec.ts';
import { checkDuration, formatDuration } from './duration.ts';
import { check, manual, pushIssues, type RawIssue } from './issues.ts';
import {
  dnsInput,
  httpInput,
  intRange,
  type ProbeBody,
  tcpInput,
  thresholdIssues,
  thresholdsOf,
  withBudget,
} from './probe-schema.ts';
import { subscriptionSchema } from './subscription-schema.ts';
import type { MonitorConfig, NetprobeConfig } from './types.ts';
import { MAX_TIMEOUT_MS, resolveTargetBody } from './url.ts';
import { awsRegionError, ipOrCidrOrHostError, slugError } from './validate.ts';

export { ConfigError, type ConfigIssue } from './errors.ts';

// ---------------------------------------------------------------- values

const region = z.string().superRefine(check(awsRegionError));
const slug = z.string().superRefine(check(slugError));

/** A list without repeats: the second occurrence is the error. */
function uniqueList<S extends z.ZodType>(item: S, what: string) {
  return z
    .array(item)
    .min(1)
    .superRefine((list, ctx) => {
      list.forEach((value, index) => {
        if (list.indexOf(value) !== index) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `duplicate ${what} ${JSON.stringify(value)}`,
          });
        }
      });
    });
}

const durationMs = (min: number, max: number) =>
  manual<string, number>((text, issues) => {
    const parsed = checkDuration(text);
    if ('error' in parsed) issues.push({ path: [], message: parsed.error });
    else if (parsed.ms < min)
      issues.push({
        path: [],
        message: min === 1 ? 'must be greater than 0' : `${text} is below the ${formatDuration(min)} minimum`,
      });
    else if (parsed.ms > max)
      issues.push({ path: [], message: `${text} exceeds the ${formatDuration(max)} maximum` });
    return 'ms' in parsed ? parsed.ms : 0;
  });

const MINUTE_MS = 60_000;

/** Whole minutes: the schedule is an EventBridge rate in minutes. */
const intervalMinutes = manual<string, number>((text, issues) => {
  const parsed = checkDuration(text);
  if ('error' in parsed) issues.push({ path: [], message: parsed.error });
  else if (parsed.ms < MINUTE_MS) issues.push({ path: [], message: `${text} is below the 1m minimum` });
  else if (parsed.ms % MINUTE_MS !== 0)
    issues.push({ path: [], message: `${text} is not a whole number of minutes` });
  return 'ms' in parsed ? parsed.ms / MINUTE_MS : 0;
});

// ---------------------------------------------------------------- monitor

export const MONITOR_KINDS = ['url', 'dns', 'tcp', 'http'] as const;

const monitorObject = z.strictObject({
  id: slug,
  description: z.string().optional(),
  interval: intervalMinutes,
  timeout: durationMs(1, MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
  regions: uniqueList(region, 'region').optional(),
  cdn: z.boolean().default(false),
  team: slug.optional(),
  alarmsPage: z.boolean().default(false),
  thresholds: thresholdsOf(durationMs(1, Number.MAX_SAFE_INTEGER)).default({}),
  url: z.string().optional(),
  dns: dnsInput.optional(),
  tcp: tcpInput.optional(),
  http: httpInput.optional(),
});

/** A monitor before the config-level stage fills its regions. */
type MonitorDraft = Omit<MonitorConfig, 'regions'> & { regions?: string[]; timeoutMs: number };

function resolveMonitor(v: z.output<typeof monitorObject>, ctx: z.RefinementCtx<unknown>): MonitorDraft {
  const given = MONITOR_KINDS.filter((kind) => v[kind] !== undefined);
  const issues: RawIssue[] = [];
  let body: ProbeBody | undefined = v.dns ?? v.tcp ?? v.http;
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none' : given.join(', ');
    issues.push({ path: [], message: `expected exactly one of ${MONITOR_KINDS.join(', ')} (got ${got})` });
  } else if (v.url !== undefined) {
    const resolved = resolveTargetBody(v.url);
    if (resolved.ok) body = resolved.value;
    else issues.push(...resolved.issues);
  }
  const thresholds: LatencyThresholds = v.thresholds;
  issues.push(...thresholdIssues(thresholds, v.timeout, formatDuration));
  if (v.timeout > v.interval * MINUTE_MS) {
    issues.push({
      path: ['timeout'],
      message: `${formatDuration(v.timeout)} is longer than the interval (${v.interval}m)`,
    });
  }
  pushIssues(ctx, issues, v);
  if (issues.length > 0 || !body) return z.NEVER;
  return {
    id: v.id,
    ...(v.description !== undefined && { description: v.description }),
    probe: withBudget(body, v.timeout, thresholds),
    intervalMinutes: v.interval,
    ...(v.regions !== undefined && { regions: v.regions }),
    cdn: v.cdn,
    ...(v.team !== undefined && { team: v.team }),
    ...(v.alarmsPage && { alarmsPage: true }),
    timeoutMs: v.timeout,
  };
}

export const monitorSchema = monitorObject.transform(resolveMonitor);

// ---------------------------------------------------------------- metrics

/** Which phases runs publish as PhaseLatency: `'all'`, `'none'` or a list like `['connect', 'ttfb']`. */
export type PhaseLatencyInput = 'all' | 'none' | LatencyPhase[];

const PHASE_NAMES = LATENCY_PHASES.join(', ');

/**
 * Resolves to the chosen phases in timing order (dns → transfer), so equal choices compare equal.
 * Exported for tools that take the same choice on their command line (scripts/cost-estimate.ts).
 */
export const phaseLatencySchema = manual<PhaseLatencyInput, LatencyPhase[]>((value, issues) => {
  if (value === 'all') return [...LATENCY_PHASES];
  if (value === 'none') return [];
  if (!Array.isArray(value)) {
    issues.push({
      path: [],
      message: `expected "all", "none" or a list of ${PHASE_NAMES} (got ${JSON.stringify(value)})`,
    });
    return [];
  }
  // An empty list is more likely a half-edited list than a deliberate "none".
  if (value.length === 0)
    issues.push({ path: [], message: 'must not be empty (write "none" for no PhaseLatency)' });
  value.forEach((phase: unknown, index) => {
    if (!LATENCY_PHASES.includes(phase as LatencyPhase)) {
      const why = phase === 'total' ? ': the total is the Latency metric, always published' : '';
      issues.push({
        path: [index],
        message: `expected one of ${PHASE_NAMES} (got ${JSON.stringify(phase)}${why})`,
      });
    } else if (value.indexOf(phase as LatencyPhase) !== index) {
      issues.push({ path: [index], message: `duplicate phase ${JSON.stringify(phase)}` });
    }
  });
  return LATENCY_PHASES.filter((phase) => value.includes(phase));
});

// ---------------------------------------------------------------- maintenance

const utcTime = z.string().superRefine(check(utcTimeError));
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `{ monitors, from, to, reason }` or `{ monitors, weekly: { day, at, duration }, reason }`. */
const maintenanceWindow = z
  .strictObject({
    monitors: z.union([z.literal('*'), uniqueList(slug, 'monitor id')]),
    from: utcTime.optional(),
    to: utcTime.optional(),
    weekly: z
      .strictObject({
        day: z.enum(WEEKDAYS),
        at: z.string().regex(HH_MM, { error: 'expected HH:MM in UTC, 00:00 to 23:59' }),
        duration: durationMs(MINUTE_MS, WEEK_MS),
      })
      .optional(),
    reason: z.string().min(1),
  })
  .transform((v, ctx): MaintenanceWindow => {
    const issues: RawIssue[] = [];
    const fixed = v.from !== undefined || v.to !== undefined;
    if (fixed === (v.weekly !== undefined))
      issues.push({ path: [], message: 'expected either from and to, or weekly (not both, not neither)' });
    else if (fixed && v.from === undefined) issues.push({ path: ['from'], message: 'required with to' });
    else if (fixed && v.to === undefined) issues.push({ path: ['to'], message: 'required with from' });
    else if (fixed && Date.parse(v.to as string) <= Date.parse(v.from as string))
      issues.push({ path: ['to'], message: `${v.to} is not after from (${v.from})` });
    pushIssues(ctx, issues, v);
    if (issues.length > 0) return z.NEVER;
    const { monitors, reason } = v;
    if (v.weekly) {
      const { day, at, duration } = v.weekly;
      return { monitors, weekly: { day, at, durationMs: duration }, reason };
    }
    return { monitors, from: v.from as string, to: v.to as string, reason };
  });

// ---------------------------------------------------------------- top level

const escalationRuleOverride = z.strictObject({
  impact: z.string().min(1).optional(),
  escalateAfterMinutes: intRange(0, 10_080).optional(),
  team: slug.optional(),
  severity: z.enum(SEVERITIES).optional(),
});

const escalationOverrides = z.strictObject({
  dns: escalationRuleOverride.optional(),
  tcp: escalationRuleOverride.optional(),
  cdn: escalationRuleOverride.optional(),
  connectivity: escalationRuleOverride.optional(),
});

const subscriptions = z.record(z.string(), z.array(subscriptionSchema)).superRefine((teams, ctx) => {
  for (const team of Object.keys(teams)) {
    const error = slugError(team);
    if (error) ctx.addIssue({ code: 'custom', path: [team], message: `team name ${error}` });
  }
});

/**
 * @param reservedConcurrency the function's default reservation, if any; `reservedConcurrency: null`
 * in the config then opts out of it (unreserved), for accounts whose concurrency quota cannot spare it.
 */
const lambdaSettings = (memoryMb: number, timeoutSeconds: number, reservedConcurrency?: number) =>
  z.strictObject({
    memoryMb: intRange(128, 10_240).default(memoryMb),
    timeoutSeconds: intRange(1, 900).default(timeoutSeconds),
    reservedConcurrency:
      reservedConcurrency === undefined
        ? intRange(1, 10_000).optional()
        : intRange(1, 10_000)
            .nullable()
            .default(reservedConcurrency)
            .transform((value) => value ?? undefined),
  });

export const PLACEHOLDER_ACCOUNT = '000000000000';

/**
 * `subscriptions.alarms` subscribes to the `netprobe-alarms` topic, where monitor alarms go unless
 * their monitor says `alarmsPage: true` (docs/deploy.md). It names a topic, not a team: no escalation
 * rule or monitor may use it as a team.
 */
export const ALARMS_SUBSCRIPTION = 'alarms';

/**
 * The `netprobe-alarm-gate` topic: where the alarms of monitors with `alarmsPage: true` go, for the
 * alarm gate to relay to their team (docs/deploy.md). Like `alarms`, a topic and not a team.
 */
export const ALARM_GATE_TOPIC = 'alarm-gate';

const configObject = z.strictObject({
  homeRegion: region,
  regions: uniqueList(region, 'region'),
  account: z
    .string()
    .regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' })
    .default(PLACEHOLDER_ACCOUNT),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9._/#:-]{1,255}$/, { error: 'expected 1-255 of A-Z a-z 0-9 . _ - / # :' })
    .refine((ns) => !ns.startsWith('AWS/'), { error: 'the AWS/ prefix is reserved for AWS services' })
    .default('Netprobe'),
  metrics: z.strictObject({ phaseLatency: phaseLatencySchema.prefault('all') }).prefault({}),
  escalation: escalationOverrides.default({}),
  confirmation: z
    .strictObject({
      minLocations: intRange(1, 100).default(2),
      consecutiveRuns: intRange(1, 100).default(2),
      regional: z
        .union([z.literal(false), z.strictObject({ consecutiveRuns: intRange(1, 100) })])
        .default(DEFAULT_REGIONAL_RULE),
    })
    .prefault({}),
  vantage: z
    .strictObject({
      minMonitors: intRange(1, 10_000).default(DEFAULT_VANTAGE_RULE.minMonitors),
      failingShare: z
        .number()
        .gt(0, { error: 'expected a share in (0, 1]' })
        .lte(1, { error: 'expected a share in (0, 1]' })
        .default(DEFAULT_VANTAGE_RULE.failingShare),
    })
    .prefault({}),
  operatorsTeam: slug.default(DEFAULT_OPERATORS_TEAM),
  classification: z
    .strictObject({ allLocationsDown: z.enum(ISSUE_TYPES).default('connectivity') })
    .prefault({}),
  subscriptions: subscriptions.default({}),
  lambda: z
    .strictObject({
      probeRunner: lambdaSettings(512, 60).prefault({}),
      // Capped by default: slow /check calls must not take the concurrency the runner and escalator need.
      probeApi: lambdaSettings(512, 30, 10).prefault({}),
      escalator: lambdaSettings(256, 30).prefault({}),
    })
    .prefault({}),
  allowPrivateTargets: z.array(z.string().superRefine(check(ipOrCidrOrHostError))).default([]),
  findingsTtlDays: intRange(1, 3650).default(30),
  concurrency: intRange(1, 1000).default(50),
  vpc: z
    .record(
      z.string(),
      z.strictObject({
        subnetIds: z
          .array(
            z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'expected a subnet id (subnet-0123…)' }),
          )
          .min(1),
        securityGroupIds: z
          .array(
            z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: 'expected a security group id (sg-0123…)' }),
          )
          .min(1),
      }),
    )
    .default({}),
  maintenance: z.array(maintenanceWindow).default([]),
  monitors: z.array(monitorSchema),
});

function mergeEscalation(overrides: z.output<typeof escalationOverrides>): EscalationTable {
  const table = { ...DEFAULT_ESCALATION_TABLE };
  for (const type of ISSUE_TYPES) table[type] = { ...table[type], ...overrides[type] };
  return table;
}

/** Names whose `netprobe-<name>` topic is netprobe's own: no team may take them. */
const RESERVED_TEAMS: Readonly<Record<string, string>> = {
  [ALARMS_SUBSCRIPTION]: `"${ALARMS_SUBSCRIPTION}" is reserved for the netprobe-${ALARMS_SUBSCRIPTION} topic (subscriptions.${ALARMS_SUBSCRIPTION}), not a team`,
  [ALARM_GATE_TOPIC]: `"${ALARM_GATE_TOPIC}" is reserved for the netprobe-${ALARM_GATE_TOPIC} topic of the alarm gate, not a team`,
};
const reservedTeam = (team: string): string | undefined =>
  Object.hasOwn(RESERVED_TEAMS, team) ? RESERVED_TEAMS[team] : undefined;

/** Every check that needs more than one field; runs only on a config whose values all passed. */
function crossFieldIssues(v: z.output<typeof configObject>, escalation: EscalationTable): RawIssue[] {
  const issues: RawIssue[] = [];
  const pagedTeams = new Set(Object.values(escalation).map((rule) => rule.team));
  const knownTeams = [...new Set([...pagedTeams, ...Object.keys(v.subscriptions)])]
    .filter((team) => team !== ALARMS_SUBSCRIPTION)
    .sort();
  for (const type of ISSUE_TYPES) {
    const reserved = reservedTeam(escalation[type].team);
    if (reserved) issues.push({ path: ['escalation', type, 'team'], message: reserved });
  }
  const operatorsReserved = reservedTeam(v.operatorsTeam);
  if (operatorsReserved) issues.push({ path: ['operatorsTeam'], message: operatorsReserved });
  for (const name of Object.keys(v.vpc)) {
    if (!v.regions.includes(name))
      issues.push({
        path: ['vpc', name],
        message: `${JSON.stringify(name)} is not in regions (${v.regions.join(', ')})`,
      });
  }
  const ids = new Set(v.monitors.map((m) => m.id));
  v.maintenance.forEach((window, i) => {
    if (window.monitors === '*') return;
    window.monitors.forEach((id, j) => {
      if (!ids.has(id))
        issues.push({
          path: ['maintenance', i, 'monitors', j],
          message: `unknown monitor ${JSON.stringify(id)}`,
        });
    });
  });
  const firstIndex = new Map<string, number>();
  const runnerBudgetMs = v.lambda.probeRunner.timeoutSeconds * 1000;

  v.monitors.forEach((monitor, i) => {
    const at = (...path: (string | number)[]) => ['monitors', i, ...path];
    const first = firstIndex.get(monitor.id);
    if (first === undefined) firstIndex.set(monitor.id, i);
    else
      issues.push({
        path: at('id'),
        message: `duplicate id ${JSON.stringify(monitor.id)} (also monitors[${first}])`,
      });

    monitor.regions?.forEach((name, j) => {
      if (!v.regions.includes(name)) {
        issues.push({
          path: at('regions', j),
          message: `${JSON.stringify(name)} is not in regions (${v.regions.join(', ')})`,
        });
      }
    });

    if (monitor.team !== undefined) {
      pagedTeams.add(monitor.team);
      const reserved = reservedTeam(monitor.team);
      if (reserved) {
        issues.push({ path: at('team'), message: reserved });
      } else if (!knownTeams.includes(monitor.team)) {
        issues.push({
          path: at('team'),
          message: `unknown team ${JSON.stringify(monitor.team)} (known: ${knownTeams.join(', ')})`,
        });
      }
    }

    // A latency alarm reads its phase's PhaseLatency (infra/constructs/monitor-alarms.ts): if runs do
    // not publish it, the alarm could never fire. `total` reads Latency, which is always published.
    for (const phase of LATENCY_PHASES) {
      if (monitor.probe.thresholds[phase] !== undefined && !v.metrics.phaseLatency.includes(phase)) {
        issues.push({
          path: at('thresholds', phase),
          message: `its latency alarm needs PhaseLatency for ${phase}, which metrics.phaseLatency does not publish (add "${phase}" to it, or remove this threshold)`,
        });
      }
    }

    // The runner also needs time to publish results after the probe's deadline.
    if (monitor.timeoutMs >= runnerBudgetMs) {
      issues.push({
        path: at('timeout'),
        message: `${formatDuration(monitor.timeoutMs)} does not fit in lambda.probeRunner.timeoutSeconds (${v.lambda.probeRunner.timeoutSeconds})`,
      });
    }
  });

  // A subscription nobody pages is almost always a misspelt team name.
  for (const team of Object.keys(v.subscriptions)) {
    if (team !== ALARMS_SUBSCRIPTION && !pagedTeams.has(team)) {
      issues.push({
        path: ['subscriptions', team],
        message: `no escalation rule or monitor pages team ${JSON.stringify(team)}`,
      });
    }
  }
  return issues;
}

function resolveConfig(v: z.output<typeof configObject>, ctx: z.RefinementCtx<unknown>): NetprobeConfig {
  const escalation = mergeEscalation(v.escalation);
  const issues = crossFieldIssues(v, escalation);
  pushIssues(ctx, issues, v);
  if (issues.length > 0) return z.NEVER;
  return {
    homeRegion: v.homeRegion,
    regions: v.regions,
    account: v.account,
    namespace: v.namespace,
    metrics: v.metrics,
    escalation,
    confirmation: v.confirmation,
    vantage: v.vantage,
    operatorsTeam: v.operatorsTeam,
    classification: v.classification,
    subscriptions: v.subscriptions,
    lambda: v.lambda,
    allowPrivateTargets: v.allowPrivateTargets,
    findingsTtlDays: v.findingsTtlDays,
    concurrency: v.concurrency,
    ...(Object.keys(v.vpc).length > 0 && { vpc: v.vpc }),
    ...(v.maintenance.length > 0 && { maintenance: v.maintenance }),
    monitors: v.monitors.map(({ timeoutMs: _, regions, ...monitor }) => ({
      ...monitor,
      regions: regions ?? v.regions,
    })),
  };
}

export const netprobeConfigSchema = configObject.transform(resolveConfig);

// ---------------------------------------------------------------- input types

type RawConfigInput = z.input<typeof configObject>;
type RawMonitorInput = z.input<typeof monitorObject>;
type KindKey = (typeof MONITOR_KINDS)[number];

/** Exactly one of the kind keys: `{ url }`, `{ dns }`, `{ tcp }` or `{ http }`. */
type OneKind = {
  [K in KindKey]: { [P in K]-?: NonNullable<RawMonitorInput[P]> } & { [P in Exclude<KindKey, K>]?: never };
}[KindKey];

/** A monitor as written; the type allows exactly one probe kind, as the schema does. */
export type MonitorInput = Omit<RawMonitorInput, KindKey> & OneKind;

/** The config as written in monitors.config.ts (see docs/config.md). */
export type NetprobeConfigInput = Omit<RawConfigInput, 'monitors'> & { monitors: MonitorInput[] };

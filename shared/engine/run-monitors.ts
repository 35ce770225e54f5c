/**
 * The one code path from monitors to findings, shared by `netprobe run` / `netprobe check` and the
 * probe-runner Lambda: run each probe under its deadline (bounded concurrency, starts spread by
 * pace.ts), triage what is not up,
 * classify and diagnose, and account for every monitor: a finding, or a name in `skipped`.
 *
 * Deadlines use the performance.now() clock, as ProbeContext does. A Lambda passes
 * `performance.now() + context.getRemainingTimeInMillis() - <flush margin>`.
 */
import pLimit from 'p-limit';
import type { MonitorConfig, NetprobeConfig } from '../config/types.ts';
import { diagnose, seenFromOnePlace } from '../domain/diagnosis.ts';
import type { Finding } from '../domain/finding.ts';
import { classify } from '../domain/route.ts';
import { assertRunnable, type ProbeRegistry, runProbe } from '../probes/index.ts';
import type { ProbeSpec } from '../probes/spec.ts';
import type { ProbeResult, TriageStep } from '../probes/types.ts';
import { prepareSecureContext } from '../probes/warm-up.ts';
import { betweenClocks } from './between-clocks.ts';
import { createPacer, PACE_UTILIZATION } from './pace.ts';
import { MIN_TRIAGE_MS, type TriageOptions, triage } from './triage.ts';

/** What triage may be tuned with; its signal and deadline always come from the run. */
export type TriageSettings = Pick<TriageOptions, 'budgetMs' | 'resolvers'>;

export interface RunOptions {
  /** Where this runs: an AWS region, or "local:<hostname>" for the CLI. */
  location: string;
  /** The caller's budget: aborting it cuts running probes (they still yield findings) and starts no more. */
  signal?: AbortSignal;
  /**
   * performance.now() time by which the run must be over. A probe starts only while at least its
   * timeoutMs remains, and no probe or triage runs past it.
   */
  deadline?: number;
  /** Triage non-up results (default true); an object tunes it. */
  triage?: boolean | TriageSettings;
  /** Clock for `startedAt` (tests). */
  now?: () => Date;
  /** config.classification; default: failures in every location are `connectivity`. */
  classification?: NetprobeConfig['classification'];
  /** Probers to use instead of the registry's (tests). */
  probes?: ProbeRegistry;
}

export interface RunMonitorsOptions extends RunOptions {
  /** Probes in flight at once (config.concurrency), a whole number ≥ 1. */
  concurrency: number;
  /**
   * The share of one core this process runs on, in (0, 1] (default 1): starts are spread in
   * proportion (pace.ts). A Lambda function passes its memory ÷ 1,769 MB.
   */
  cpuShare?: number;
  /**
   * Called with each finding (progress), at a moment no probe is being timed: at once when no other
   * probe runs, else when the last one in flight stops (between-clocks.ts). What it writes never
   * lands inside a timed probe.
   */
  onFinding?: (finding: Finding) => void;
}

export interface RunMonitorsResult {
  /** One per monitor that started, in the monitors' order. */
  findings: Finding[];
  /** Ids of monitors not started because the deadline (or the caller's signal) left too little time. */
  skipped: string[];
}

export async function runMonitors(
  monitors: MonitorConfig[],
  opts: RunMonitorsOptions,
): Promise<RunMonitorsResult> {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new RangeError(`runMonitors: concurrency must be a whole number ≥ 1, got ${opts.concurrency}`);
  }
  // A spec no prober can take is a config bug: refuse the run before starting anything, naming the monitor.
  for (const [index, monitor] of monitors.entries()) {
    try {
      assertRunnable(monitor.probe);
    } catch (err) {
      throw new TypeError(`monitors[${index}] (${monitor.id}): ${(err as Error).message}`, { cause: err });
    }
  }

  const limit = pLimit(opts.concurrency);
  // Within the limit, starts are spread so the probes in flight do not reach each phase at once.
  const pace = createPacer(PACE_UTILIZATION, opts.cpuShare ?? 1);
  const clocks = betweenClocks<Finding>((finding) => opts.onFinding?.(finding));
  const skipped: string[] = [];
  const outcomes = await Promise.all(
    monitors.map((monitor) =>
      limit(async (): Promise<Finding | undefined> => {
        await pace(monitor.probe);
        if (!timeToStart(monitor.probe, opts)) {
          skipped.push(monitor.id);
          return undefined;
        }
        // From before the probe's clock starts to after its triage's last probe stops.
        clocks.started();
        const finding = await findingOf(monitor.probe, {
          ...opts,
          monitorId: monitor.id,
          cdn: monitor.cdn,
          // One location is every location: its hard failure is the whole picture.
          allLocationsDown: monitor.regions.length === 1,
        });
        clocks.stopped(finding);
        return finding;
      }),
    ),
  );
  return { findings: outcomes.filter((f): f is Finding => f !== undefined), skipped };
}

export interface CheckOnceOptions extends RunOptions {
  /** Default: the canonical target (the URL as given, secrets redacted). */
  monitorId?: string;
  /** The target is fronted by a CDN (default false; CDN headers seen in the response count anyway). */
  cdn?: boolean;
}

/**
 * One ad-hoc probe (`netprobe check <url>`, the probe API): always runs, in this one location. One
 * place cannot tell a complete outage: the finding carries the type one location can know, and the
 * diagnosis says where it was seen from.
 */
export async function checkOnce(spec: ProbeSpec, opts: CheckOnceOptions): Promise<Finding> {
  return findingOf(spec, {
    ...opts,
    monitorId: opts.monitorId,
    cdn: opts.cdn ?? false,
    allLocationsDown: false,
    onePlace: true,
  });
}

function timeToStart(spec: ProbeSpec, opts: RunOptions): boolean {
  if (opts.signal?.aborted) return false;
  return opts.deadline === undefined || opts.deadline - performance.now() >= spec.timeoutMs;
}

interface FindingContext extends RunOptions {
  monitorId: string | undefined;
  cdn: boolean;
  allLocationsDown: boolean;
  /** An ad-hoc check: its diagnosis says it was seen from this one location. */
  onePlace?: boolean;
}

async function findingOf(spec: ProbeSpec, ctx: FindingContext): Promise<Finding> {
  prepareSecureContext(spec);
  const startedAt = (ctx.now?.() ?? new Date()).toISOString();
  // One deadline for the probe and its triage: a monitor's timeout bounds all the time it takes.
  const deadline = Math.min(performance.now() + spec.timeoutMs, ctx.deadline ?? Number.POSITIVE_INFINITY);
  const result = await runProbe(spec, { signal: ctx.signal, deadline, probes: ctx.probes });
  let steps: TriageStep[] | undefined;
  let triageSkipped: string | undefined;
  if (result.status !== 'up' && ctx.triage !== false) {
    const left = deadline - performance.now();
    if (ctx.signal?.aborted) triageSkipped = 'the run was cut short before triage could start';
    else if (left < MIN_TRIAGE_MS) triageSkipped = noTimeLeft(spec, left);
    else {
      const settings = typeof ctx.triage === 'object' ? ctx.triage : {};
      steps = await triage(spec, result, { ...settings, signal: ctx.signal, deadline, probes: ctx.probes });
    }
  }
  const examined: ProbeResult = {
    ...result,
    ...(steps === undefined ? {} : { triage: steps }),
    ...(triageSkipped === undefined ? {} : { triageSkipped }),
  };
  return {
    monitorId: ctx.monitorId ?? result.target,
    probe: result.probe,
    target: result.target,
    location: ctx.location,
    startedAt,
    status: result.status,
    timings: toMicroseconds(result.timings),
    error: result.error,
    layer: result.layer,
    issueType: classify(result, {
      cdn: ctx.cdn,
      allLocationsDown: ctx.allLocationsDown,
      allLocationsDownType: ctx.classification?.allLocationsDown,
    }),
    diagnosis: ctx.onePlace
      ? seenFromOnePlace(diagnose(spec, examined), ctx.location)
      : diagnose(spec, examined),
    details: toMicroseconds(result.details),
    ...(steps === undefined ? {} : { triage: toMicroseconds(steps) }),
    ...(triageSkipped === undefined ? {} : { triageSkipped }),
  };
}

function noTimeLeft(spec: ProbeSpec, leftMs: number): string {
  const left = Math.max(0, Math.round(leftMs));
  return `no time left: ${left} ms of the ${spec.timeoutMs} ms timeout remained after the probe (triage needs ${MIN_TRIAGE_MS} ms)`;
}

/**
 * Every millisecond figure of a finding to the microsecond, curl's own resolution: performance.now()'s
 * float noise (5.767614999999978) is not precision, and findings are stored and printed by the million.
 * Phases, connect attempts, query times, redirect hops and triage steps alike, so the CLI's JSON, the
 * API's answers and the store all carry at most 3 decimals. Whole numbers (ports, TTLs) are unchanged.
 */
function toMicroseconds<T>(value: T): T {
  if (typeof value === 'number')
    return (Number.isInteger(value) ? value : Math.round(value * 1000) / 1000) as T;
  if (Array.isArray(value)) return value.map(toMicroseconds) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, toMicroseconds(v)])) as T;
  }
  return value;
}

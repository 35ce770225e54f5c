/**
 * Section 5, the first probe of a fresh process: what a user sees from a one-off `netprobe check`, the
 * first `netprobe run` after a change, or a Lambda cold start (probe-api and probe-runner), against `curl` and `dig` run one-shot
 * too. Every netprobe sample is a new process whose first probe of that kind is the one measured:
 *   check        `node bin/netprobe.ts check <url> --json` (what node_modules/.bin/netprobe runs)
 *   run          `node bin/netprobe.ts run --config <http, https, dns> --concurrency 1 --json`
 *   probe-api    the function bundled as infra bundles it, imported by a fresh `node` with the Lambda
 *                environment (init, warm-up included), then its first invocation: POST /check <url>
 *   probe-runner the same for the runner, invoked once with a shard event naming the target's monitor;
 *                its finding is read back from the table it wrote (dynalite on loopback)
 * Samples are interleaved with the reference tools so both see the same machine load. The bundles'
 * monitors config is a generated one allowing 127.0.0.1 (the SSRF guard refuses loopback otherwise).
 * Every AWS endpoint the functions could call points at loopback: DynamoDB at dynalite, CloudWatch at a
 * stub that accepts PutMetricData, any other service at a closed port; nothing leaves the machine.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { esbuildOptions } from '../infra/bundling.ts';
import { FUNCTION_ENTRIES } from '../infra/entries.ts';
import { DynamoDbStore } from '../shared/adapters/dynamodb-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../shared/adapters/local-dynamo.ts';
import type { Finding } from '../shared/domain/finding.ts';
import { linkRuntimeModules } from './coldstart.ts';
import { curlTwice, digQueryTime, HTTP_PHASES, type HttpPhase } from './fidelity.ts';
import { fmt, median, pairedAbsDiffs } from './stats.ts';
import { DNS_NAME, type Targets } from './targets.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/netprobe.ts', import.meta.url));
const CHECK_EVENT = fileURLToPath(new URL('../events/apigw/check.json', import.meta.url));
const SHARD_EVENT = fileURLToPath(new URL('../events/eventbridge/shard-1m.json', import.meta.url));
const REGION = 'us-east-1';

/**
 * The issue's goal, to the letter: every phase's median over the fresh processes within 1 ms of curl's
 * median, and the DNS query time's of dig's + 0.5 ms (dig prints whole milliseconds; on this kind of
 * machine its clock also steps by the kernel tick, so one reading of a 20.0 ms answer is 19, 20 or 24).
 * Medians on each side, as the issue's own table compares them; the paired median |Δ| is shown beside.
 */
export const FIRST_PROBE_GOAL_MS = 1;
const VERSION_SAMPLES = 5;

export type Runner = 'check' | 'run' | 'probe-api' | 'probe-runner';
export type Kind = 'http' | 'https' | 'dns';

export interface FirstProbeCell {
  runner: Runner;
  kind: Kind;
  delayMs: number;
  /** Per phase, one value per fresh process (ms). DNS: `dns` holds the query time. */
  netprobe: Partial<Record<HttpPhase, number[]>>;
  /** curl's second transfer (its first also loads the CA file inside time_appconnect), or dig's reading + 0.5. */
  reference: Partial<Record<HttpPhase, number[]>>;
  /** curl's first transfer, for the record. */
  referenceFirst: Partial<Record<HttpPhase, number[]>>;
  failures: string[];
}

export interface FirstProbeResults {
  runs: number;
  cells: FirstProbeCell[];
  /** Wall time of each fresh `check` process, spawn to exit (ms): start-up, warm-up, probe, output. */
  checkProcessMs: number[];
  /** Same for `--version`: start-up alone. */
  versionProcessMs: number[];
}

const TARGETS: { kind: Kind; delayMs: number }[] = [
  { kind: 'http', delayMs: 50 },
  { kind: 'https', delayMs: 50 },
  { kind: 'dns', delayMs: 20 },
];

function urlOf(targets: Targets, kind: Kind, delayMs: number): string {
  if (kind === 'dns') return `dns://127.0.0.1:${targets.dns[delayMs]?.[0]}/${DNS_NAME}?type=A`;
  return `${kind}://127.0.0.1:${targets[kind][delayMs]?.[0]}/first-probe`;
}

/** Probe phases from a finding: the HTTP timings, or the DNS query time as `dns`. */
function phasesOf(finding: Finding): Partial<Record<HttpPhase, number>> {
  if (finding.details.kind === 'dns') return { dns: finding.details.query.queryTimeMs ?? Number.NaN };
  const out: Partial<Record<HttpPhase, number>> = {};
  for (const phase of HTTP_PHASES) {
    const ms = finding.timings[phase];
    if (ms !== undefined) out[phase] = ms;
  }
  return out;
}

function push(into: Partial<Record<HttpPhase, number[]>>, phases: Partial<Record<HttpPhase, number>>) {
  for (const [phase, ms] of Object.entries(phases) as [HttpPhase, number][]) {
    if (Number.isNaN(ms)) continue;
    const list = into[phase] ?? [];
    list.push(ms);
    into[phase] = list;
  }
}

/** The bundled monitors config: loopback allowed, these monitors. */
function configPlugin(configFile: string): Plugin {
  return {
    name: 'bench-monitors-config',
    setup(b) {
      // `#monitors-config` (package.json `imports`), or a direct import of monitors.config.ts.
      b.onResolve({ filter: /^#monitors-config$|monitors\.config\.ts$/ }, () => ({ path: configFile }));
    },
  };
}

/** A probing function bundled as infra bundles it, with `configFile` as its monitors config. */
async function bundleFunction(dir: string, entry: string, name: string, configFile: string): Promise<string> {
  const outfile = join(dir, name, 'index.mjs');
  await build({ ...esbuildOptions(entry, outfile), write: true, plugins: [configPlugin(configFile)] });
  return outfile;
}

/** Where the response starts in the process's stdout: the function's own log lines come before it. */
const BODY_MARK = '--- response ---';

/** Imports the bundle as Lambda's init does, then invokes it once with BENCH_EVENT; prints the response. */
const INVOKE_SCRIPT = `
const { handler } = await import(process.env.BENCH_BUNDLE_URL);
const end = Date.now() + 30000;
const context = { functionName: 'bench', awsRequestId: 'bench-1', getRemainingTimeInMillis: () => end - Date.now() };
const response = await handler(JSON.parse(process.env.BENCH_EVENT), context);
process.stdout.write('\\n' + MARK + JSON.stringify(response));
`.replace('MARK', JSON.stringify(BODY_MARK));

/** Loopback stand-ins for the AWS endpoints a function may call, and the environment pointing at them. */
interface LoopbackAws {
  dynamo: LocalDynamo;
  env: Record<string, string>;
  close(): Promise<void>;
}

async function startLoopbackAws(): Promise<LoopbackAws> {
  const dynamo = await startLocalDynamo();
  // CloudWatch's JSON 1.0 protocol: PutMetricData answers an empty object.
  const cloudWatch: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  cloudWatch.listen(0, '127.0.0.1');
  await once(cloudWatch, 'listening');
  const env = {
    // Any service without its own entry: a closed loopback port (refused at once).
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: `http://127.0.0.1:${(cloudWatch.address() as AddressInfo).port}`,
    // Static credentials: the SDK never looks further (no instance metadata request).
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    TABLE_NAME: dynamo.tableName,
  };
  return {
    dynamo,
    env,
    async close() {
      cloudWatch.closeAllConnections();
      await new Promise<void>((resolve) => cloudWatch.close(() => resolve()));
      await dynamo.close();
    },
  };
}

/** Runs INVOKE_SCRIPT in a fresh `node` with the Lambda environment; resolves with the handler's response. */
async function firstInvocation(
  bundle: string,
  event: unknown,
  functionName: string,
  env: Record<string, string>,
): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', INVOKE_SCRIPT], {
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      // Lambda sets it; the functions warm their probers during init only where it is set.
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      NODE_OPTIONS: '--enable-source-maps',
      BENCH_BUNDLE_URL: pathToFileURL(bundle).href,
      BENCH_EVENT: JSON.stringify(event),
    },
  });
  return JSON.parse(stdout.slice(stdout.lastIndexOf(BODY_MARK) + BODY_MARK.length));
}

/** probe-api's first invocation: POST /check <url>; the finding is in the answer. */
async function apiFinding(bundle: string, url: string, ca: string | undefined, env: Record<string, string>) {
  const event = JSON.parse(readFileSync(CHECK_EVENT, 'utf8')) as Record<string, unknown>;
  event.body = JSON.stringify({ url, ...(ca === undefined ? {} : { ca }) });
  const response = (await firstInvocation(bundle, event, 'netprobe-bench-probe-api', env)) as {
    body: string;
  };
  const body = JSON.parse(response.body) as { finding?: Finding };
  if (!body.finding) throw new Error(`probe-api answered ${response.body.slice(0, 300)}`);
  return body.finding;
}

/** probe-runner's first invocation: a shard of one monitor; the finding is the one it stored. */
async function runnerFinding(
  bundle: string,
  monitorId: string,
  aws: LoopbackAws,
  env: Record<string, string>,
) {
  const event = JSON.parse(readFileSync(SHARD_EVENT, 'utf8')) as {
    region: string;
    time: string;
    detail: object;
  };
  event.region = REGION;
  event.time = new Date().toISOString();
  event.detail = { intervalMinutes: 1, shard: { index: 0, count: 1 }, monitorIds: [monitorId] };
  const summary = (await firstInvocation(bundle, event, 'netprobe-bench-probe-runner', env)) as {
    stored?: number;
  };
  if (summary.stored !== 1) throw new Error(`probe-runner stored ${summary.stored} finding(s)`);
  const store = new DynamoDbStore({
    client: aws.dynamo.doc,
    tableName: aws.dynamo.tableName,
    findingsTtlDays: 1,
  });
  const latest = (await store.latestStatus(monitorId)).find((f) => f.location === REGION);
  if (!latest) throw new Error(`probe-runner: no finding of ${monitorId} in the table`);
  return latest;
}

async function cli(args: string[]): Promise<{ stdout: string; ms: number }> {
  const t0 = performance.now();
  // exit 1 (down) still prints the finding: the probe is judged below.
  const { stdout } = await run(process.execPath, [BIN, ...args], { timeout: 60_000 }).catch(
    (err: { stdout?: string; message: string }) => {
      if (err.stdout) return { stdout: err.stdout };
      throw err;
    },
  );
  return { stdout, ms: performance.now() - t0 };
}

export async function measureFirstProbes(opts: {
  targets: Targets;
  curl?: string;
  dig?: string;
  dir: string;
  runs: number;
  env: Record<string, string>;
  log: (line: string) => void;
}): Promise<FirstProbeResults> {
  const { targets, dir } = opts;
  const cells: FirstProbeCell[] = [];
  const cell = (runner: Runner, kind: Kind, delayMs: number): FirstProbeCell => {
    let found = cells.find((c) => c.runner === runner && c.kind === kind);
    if (!found) {
      found = { runner, kind, delayMs, netprobe: {}, reference: {}, referenceFirst: {}, failures: [] };
      cells.push(found);
    }
    return found;
  };
  // One config for `netprobe run` and both bundles: the three targets as monitors, loopback allowed.
  const configFile = join(dir, 'first-probe-monitors.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      homeRegion: REGION,
      regions: [REGION],
      allowPrivateTargets: ['127.0.0.1'],
      monitors: TARGETS.map(({ kind, delayMs }) => ({
        id: monitorIdOf(kind, delayMs),
        interval: '1m',
        timeout: '5s',
        ...(kind === 'https'
          ? { http: { url: urlOf(targets, kind, delayMs), ca: targets.caPem } }
          : { url: urlOf(targets, kind, delayMs) }),
      })),
    }),
  );
  // The runtime's SDK stand-in, as for section 4: the bundles' SDK imports resolve from here.
  linkRuntimeModules(dir);
  const apiBundle = await bundleFunction(dir, FUNCTION_ENTRIES.probeApi, 'first-probe-api', configFile);
  const runnerBundle = await bundleFunction(
    dir,
    FUNCTION_ENTRIES.probeRunner,
    'first-probe-runner',
    configFile,
  );
  const aws = await startLoopbackAws();
  const env = { ...opts.env, ...aws.env };
  const results: FirstProbeResults = { runs: opts.runs, cells, checkProcessMs: [], versionProcessMs: [] };
  try {
    await sampleRounds();
  } finally {
    await aws.close();
  }
  return results;

  async function sampleRounds(): Promise<void> {
    for (let i = 0; i < opts.runs; i++) {
      // Start-up alone, for the record: a few samples are enough.
      if (i < VERSION_SAMPLES) results.versionProcessMs.push((await cli(['--version'])).ms);
      const fromRun = new Map<string, Finding>();
      try {
        const { stdout } = await cli(['run', '--config', configFile, '--concurrency', '1', '--json']);
        for (const line of stdout.trim().split('\n')) {
          const f = JSON.parse(line) as Finding;
          fromRun.set(f.monitorId, f);
        }
      } catch (err) {
        cell('run', 'http', 50).failures.push(`run: ${(err as Error).message.split('\n')[0]}`);
      }
      for (const { kind, delayMs } of TARGETS) {
        const url = urlOf(targets, kind, delayMs);
        const reference = await referenceSample(opts, kind, url, delayMs, targets.caFile);
        if (reference === undefined) continue;
        const samples: [Runner, () => Promise<Finding | undefined>][] = [
          [
            'check',
            async () => {
              const ca = kind === 'https' ? ['--ca', targets.caFile] : [];
              const out = await cli(['check', url, '--json', ...ca]);
              results.checkProcessMs.push(out.ms);
              return JSON.parse(out.stdout) as Finding;
            },
          ],
          ['run', async () => fromRun.get(monitorIdOf(kind, delayMs))],
          ['probe-api', () => apiFinding(apiBundle, url, kind === 'https' ? targets.caPem : undefined, env)],
          ['probe-runner', () => runnerFinding(runnerBundle, monitorIdOf(kind, delayMs), aws, env)],
        ];
        for (const [runner, sample] of samples) {
          const c = cell(runner, kind, delayMs);
          try {
            const finding = await sample();
            if (finding?.status !== 'up') {
              c.failures.push(
                `${runner}: ${finding ? `${finding.error?.code} ${finding.error?.message}` : 'no finding'}`,
              );
              continue;
            }
            push(c.netprobe, phasesOf(finding));
            push(c.reference, reference.second);
            if (reference.first) push(c.referenceFirst, reference.first);
          } catch (err) {
            c.failures.push(`${runner}: ${(err as Error).message.split('\n')[0]}`);
          }
        }
      }
      opts.log(`  fresh processes: round ${i + 1}/${opts.runs}`);
    }
  }
}

const monitorIdOf = (kind: Kind, delayMs: number) => `${kind}-${delayMs}`;

type Reference = { second: Partial<Record<HttpPhase, number>>; first?: Partial<Record<HttpPhase, number>> };

/** One one-shot curl (two transfers) or dig process; undefined when the tool is missing. */
async function referenceSample(
  opts: { curl?: string; dig?: string },
  kind: Kind,
  url: string,
  _delayMs: number,
  caFile: string,
): Promise<Reference | undefined> {
  if (kind === 'dns') {
    if (!opts.dig) return undefined;
    const port = new URL(url.replace(/^dns:/, 'http:')).port;
    const args = ['@127.0.0.1', '-p', port, DNS_NAME, 'A', '+tries=1', '+time=5'];
    const { stdout } = await run(opts.dig, args, { timeout: 10_000 });
    const ms = digQueryTime(stdout);
    // dig truncates to whole ms: the middle of the interval the true value lies in.
    return ms === undefined ? undefined : { second: { dns: ms + 0.5 } };
  }
  if (!opts.curl) return undefined;
  const { cold, warm } = await curlTwice(opts.curl, url, caFile);
  const pick = (p: Record<HttpPhase, number>) =>
    Object.fromEntries(HTTP_PHASES.filter((x) => !Number.isNaN(p[x])).map((x) => [x, p[x]])) as Partial<
      Record<HttpPhase, number>
    >;
  return { second: pick(warm), first: pick(cold) };
}

// ---------------------------------------------------------------- report

interface PhaseRow {
  cell: FirstProbeCell;
  phase: HttpPhase;
  netprobe: number;
  reference: number;
  referenceFirst: number;
  /** |median(netprobe) − median(reference)|: what the goal judges. */
  delta: number;
  medianAbs: number;
}

function phaseRows(results: FirstProbeResults): PhaseRow[] {
  return results.cells.flatMap((cell) =>
    HTTP_PHASES.flatMap((phase) => {
      const np = cell.netprobe[phase] ?? [];
      const ref = cell.reference[phase] ?? [];
      if (np.length === 0 || np.length !== ref.length) return [];
      if (cell.kind === 'dns' && phase !== 'dns') return [];
      return [
        {
          cell,
          phase,
          netprobe: median(np),
          reference: median(ref),
          referenceFirst: median(cell.referenceFirst[phase] ?? []),
          delta: Math.abs(median(np) - median(ref)),
          medianAbs: median(pairedAbsDiffs(np, ref)),
        },
      ];
    }),
  );
}

const label = (c: FirstProbeCell) =>
  `${c.runner}, ${c.kind}${c.kind === 'dns' ? ' query time' : ''}, ${c.delayMs} ms server`;

export function firstProbeGoalRows(results: FirstProbeResults) {
  const rows = phaseRows(results);
  if (rows.length === 0)
    return [
      {
        goal: 'first probe of a fresh process within 1 ms of curl / dig',
        actual: 'not measured',
        pass: undefined,
      },
    ];
  const over = rows.filter((r) => r.delta > FIRST_PROBE_GOAL_MS);
  const worst = rows.reduce((a, b) => (b.delta > a.delta ? b : a));
  return [
    {
      goal: `first probe of a fresh process (check, run, the first invocation of probe-api and probe-runner): every phase within ${FIRST_PROBE_GOAL_MS} ms of curl, the DNS query time of dig + 0.5 (medians of ${results.runs} fresh processes each)`,
      actual:
        `worst |Δ| of medians ${fmt(worst.delta)} ms (${worst.phase}, ${label(worst.cell)}); ${rows.length - over.length}/${rows.length} cells within` +
        (over.length
          ? `; over: ${over.map((r) => `${r.phase} ${label(r.cell)} ${fmt(r.delta)}`).join(', ')}`
          : ''),
      pass: over.length === 0,
    },
  ];
}

export function firstProbeSection(results: FirstProbeResults): string {
  const rows = phaseRows(results);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const header = [
    'runner, target',
    'phase',
    'netprobe median ms',
    'curl 2nd transfer / dig + 0.5 median ms',
    'curl 1st transfer median ms',
    '|Δ| of medians',
    'median abs Δ (paired)',
    'goal',
  ];
  const failures = results.cells.filter((c) => c.failures.length > 0);
  return [
    `${results.runs} rounds; each round starts a fresh process per runner and target, interleaved with a one-shot curl (two transfers, as in section 1) or dig on the same target. ` +
      'netprobe’s phases are those of the first probe of its process (after the warm-up it runs before any clock starts, docs/timings.md); ' +
      'curl’s second transfer is compared because its first also loads the CA file inside `time_appconnect` (shown beside it); dig’s whole-millisecond reading + 0.5 ms. ' +
      'The goal compares medians, each over the fresh processes, as the issue states it; the paired median |Δ| beside it also carries each pair’s own noise (dig’s clock steps by the kernel tick here: one reading of a server that answers 20.0 ms after the query is 19, 20 or 24). ' +
      `Start-up, for the record: \`netprobe --version\` median ${fmt(median(results.versionProcessMs), 0)} ms, a whole \`netprobe check\` process (start-up, warm-up, probe, output) ${fmt(median(results.checkProcessMs), 0)} ms.`,
    [
      line(header),
      line(header.map(() => '---')),
      ...rows.map((r) =>
        line([
          label(r.cell),
          r.phase,
          fmt(r.netprobe),
          fmt(r.reference),
          r.cell.kind === 'dns' ? '' : fmt(r.referenceFirst),
          fmt(r.delta),
          fmt(r.medianAbs),
          r.delta <= FIRST_PROBE_GOAL_MS
            ? `pass (≤ ${FIRST_PROBE_GOAL_MS})`
            : `**FAIL** (> ${FIRST_PROBE_GOAL_MS})`,
        ]),
      ),
    ].join('\n'),
    ...(failures.length
      ? [failures.map((c) => `- ${label(c)}: ${c.failures.length} failed, e.g. ${c.failures[0]}`).join('\n')]
      : []),
  ].join('\n\n');
}

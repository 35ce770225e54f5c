/**
 * `npm run bench`: starts its own targets on 127.0.0.1, then measures in one run (a few minutes on two
 * cores) timing fidelity against curl and dig, CPU and memory per probe against blackbox_exporter,
 * timing error under load, the Lambda functions' bundle size and init time, and the fleet at scale
 * (fan-out of 1,000 blackholed monitors, a 2.52 M-finding replay, the escalator's tick at 10,000
 * monitors); writes BENCHMARKS.md.
 * Every server and child process is closed or killed by PID at the end, on error and on Ctrl-C too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BLACKBOX_BIN, BLACKBOX_PACKAGE } from './blackbox.ts';
import { bundleCell, runCell } from './cell-runner.ts';
import { measureColdStart, measureInitParts } from './coldstart.ts';
import { CLASSICAL_GROUPS, measureCost } from './cost.ts';
import { dnsFidelity, httpFidelity } from './fidelity.ts';
import { writeFindings } from './findings.ts';
import { measureFirstProbes } from './first-probe.ts';
import { measureLoad } from './load.ts';
import { describeMachine } from './machine.ts';
import { ensureTool, installSignalHandlers, isShuttingDown, onShutdown, shutdown } from './proc.ts';
import { type BenchResults, renderReport } from './report.ts';
import { measureFanOut, measureReplay, measureTick } from './scale.ts';
import { measureSynth } from './synth.ts';
import { startTargets } from './targets.ts';

const REPORT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const LOAD_DELAY_MS = 100;
/** Monitors in the synth-at-scale section: about the example's size, and the issue-13 target. */
const SYNTH_SIZES = [50, 10_000];
const FIDELITY = { samples: 30, warmup: 3 };
/** Fresh processes per runner and target in section 5 (median of 15, as the goal asks). */
const FIRST_PROBE_RUNS = 15;
/** Placeholders for what the functions read from their environment at load; no credentials. */
const FUNCTION_ENV = {
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 'netprobe-findings',
  TABLE_REGION: 'us-east-1',
  METRICS_NAMESPACE: 'Netprobe',
  NETPROBE_REGION: 'us-east-1',
  TOPIC_ARNS: '{}',
  // Read when a function builds its dependencies (the findings spill, docs/reliability.md); nothing is sent to it.
  SPILL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/netprobe-findings-spill',
};

/** OpenSSL config (Node reads its `nodejs_conf` section) limiting TLS key exchange to classical groups. */
const CLASSIC_GROUPS_CNF = `nodejs_conf = nodejs_init
[nodejs_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Groups = X25519:P-256:P-384
`;

const log = (line: string) => console.log(line);
/** Load average when each section starts: on a shared machine it says how much else was running. */
const sectionLoad: Record<string, string> = {};
const section = (name: string) => {
  sectionLoad[name] = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  log(name);
};

async function main(): Promise<void> {
  installSignalHandlers();
  const startedAt = new Date();
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-bench-'));
  onShutdown(() => rmSync(dir, { recursive: true, force: true }));

  const tools = {
    curl: await ensureTool('curl', 'curl'),
    dig: await ensureTool('dig', 'dnsutils'),
    blackbox: await ensureTool(BLACKBOX_BIN, BLACKBOX_PACKAGE),
  };
  const notes = Object.values(tools).flatMap((t) => (t.note ? [`${t.note}: its column is skipped.`] : []));
  for (const note of notes) log(`bench: ${note}`);
  const machine = await describeMachine(tools);

  const targets = await startTargets({
    httpServers: [
      { delayMs: 0, shards: 4 },
      // The fidelity targets (sections 1 and 5), answered one query at a time: their delay kept exact.
      { delayMs: 50, shards: 1, precise: true },
      { delayMs: LOAD_DELAY_MS, shards: 4 },
    ],
    tcpShards: 4,
    dnsServers: [
      { delayMs: 0, shards: 10 },
      { delayMs: 20, shards: 1, precise: true },
    ],
    caFile: join(dir, 'bench-ca.pem'),
  });
  onShutdown(() => targets.close());
  const bundle = await bundleCell(dir);

  section('1. fidelity against curl and dig');
  const http = tools.curl.path
    ? await httpFidelity(
        tools.curl.path,
        targets,
        [
          { scheme: 'http', delayMs: 0 },
          { scheme: 'http', delayMs: 50 },
          { scheme: 'https', delayMs: 0 },
          { scheme: 'https', delayMs: 50 },
        ],
        FIDELITY,
      )
    : [];
  const dns = tools.dig.path ? await dnsFidelity(tools.dig.path, targets, [0, 20], FIDELITY) : [];

  section('2. cost per probe');
  // Diagnostic: the same HTTPS probes offering only classical key exchange (X25519, P-256), as curl 7.88
  // and Go's crypto/tls in blackbox_exporter do; Node 24's OpenSSL 3.5 offers the X25519MLKEM768 hybrid first.
  const classicTls = join(dir, 'openssl-classic-groups.cnf');
  writeFileSync(classicTls, CLASSIC_GROUPS_CNF);
  const cost = await measureCost({
    bundle,
    targets,
    ns: [1, 100, 1000],
    ...(tools.blackbox.path ? { blackboxBin: tools.blackbox.path } : {}),
    dir,
    ticksPerSecond: machine.ticksPerSecond,
    variants: [{ name: CLASSICAL_GROUPS, kind: 'https', nodeArgs: [`--openssl-config=${classicTls}`] }],
    log,
  });

  section('3. measurement under load');
  const load = await measureLoad({
    bundle,
    targets,
    delayMs: LOAD_DELAY_MS,
    cells: [
      { scheme: 'http', n: 1, warmup: 3, rounds: 100 },
      { scheme: 'https', n: 1, warmup: 3, rounds: 50 },
      { scheme: 'http', n: 1000, warmup: 1, rounds: 2 },
      { scheme: 'http', n: 1000, concurrency: 100, warmup: 0, rounds: 1 },
      { scheme: 'http', n: 1000, concurrency: 50, warmup: 0, rounds: 1 },
      { scheme: 'http', n: 1000, concurrency: 20, warmup: 0, rounds: 1 },
      // Diagnostic: the limit and the pacer as runMonitors applies them, all 1000 through one process.
      { scheme: 'http', n: 1000, concurrency: 50, pace: true, warmup: 0, rounds: 1 },
      { scheme: 'https', n: 1000, concurrency: 50, pace: true, warmup: 0, rounds: 1 },
      // The runner's shape: the dispatcher cuts the run into shards of the default concurrency, each a
      // probe-runner invocation (its own process, the warm-up at init, the shard through the pacer) in a
      // container warm from the previous interval (one unmeasured round): every minute keeps it warm.
      { scheme: 'http', n: 1000, concurrency: 50, pace: true, shardSize: 50, warmup: 1, rounds: 1 },
      { scheme: 'https', n: 1000, concurrency: 50, pace: true, shardSize: 50, warmup: 1, rounds: 1 },
    ],
    log,
  });
  log('  1000 mixed probes');
  const mixedGroups = [
    { label: `http (${LOAD_DELAY_MS} ms server)`, scheme: 'http' as const },
    { label: `https (${LOAD_DELAY_MS} ms server)`, scheme: 'https' as const },
  ];
  const mixed = await runCell(bundle, {
    groups: [
      ...mixedGroups.map(({ scheme }) => ({
        url: `${scheme}://127.0.0.1:{port}/mixed/{i}`,
        ports: targets[scheme][LOAD_DELAY_MS] ?? [],
        count: 250,
        tls: scheme === 'https',
        delayMs: LOAD_DELAY_MS,
      })),
      { url: 'tcp://127.0.0.1:{port}', ports: targets.tcp, count: 250 },
      { url: 'dns://127.0.0.1:{port}/www.bench.test?type=A', ports: targets.dns[0] ?? [], count: 250 },
    ],
    warmupRounds: 0,
    rounds: 1,
    caFile: targets.caFile,
  });

  section('4. cold start');
  const coldStart = await measureColdStart({ dir: join(dir, 'functions'), runs: 10, env: FUNCTION_ENV, log });
  const initParts = await measureInitParts({ dir: join(dir, 'parts'), runs: 5 });

  section('5. first probe of a fresh process');
  const firstProbe = await measureFirstProbes({
    targets,
    ...(tools.curl.path ? { curl: tools.curl.path } : {}),
    ...(tools.dig.path ? { dig: tools.dig.path } : {}),
    dir,
    runs: FIRST_PROBE_RUNS,
    env: FUNCTION_ENV,
    log,
  });

  section('6. cdk synth at scale');
  const synth = await measureSynth(SYNTH_SIZES, dir, log);
  section('7. scale: fan-out, replay, escalator tick');
  const scale = {
    fanOut: await measureFanOut({ dir, monitors: 1000, timeoutMs: 2000 }),
    replay: await measureReplay({ dir, log }),
    tick: await measureTick({ monitors: 10_000, inTrouble: 100 }),
  };

  const results: BenchResults = {
    startedAt,
    durationS: (performance.now() - t0) / 1000,
    command: 'npm run bench',
    machine,
    notes,
    fidelity: { http, dns, ...FIDELITY },
    cost,
    load: { delayMs: LOAD_DELAY_MS, cells: load },
    mixed: { result: mixed, labels: [...mixedGroups.map((g) => g.label), 'tcp', 'dns'] },
    coldStart,
    initParts,
    firstProbe,
    synth,
    sectionLoad,
    scale,
  };
  const report = renderReport(results, writeFindings(results));
  writeFileSync(REPORT, report);
  log(`\n${report}`);
  log(`bench: wrote ${REPORT} in ${results.durationS.toFixed(0)} s`);
}

try {
  await main();
} catch (err) {
  if (!isShuttingDown()) console.error(`bench failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await shutdown();
}

/**
 * "What limits the missed goals": for each goal this run missed, what the numbers and the profiles say
 * limits it and the fix, with the owner's file named. The mechanisms were found by profiling (the
 * commands are in docs/bench.md); the numbers quoted are this run's.
 */
import { cpuPerProbe } from './cost.ts';
import { type BenchResults, GOALS, goalRows, httpPhaseDiffs, ttfbInflation } from './report.ts';
import { fmt, median, quantile } from './stats.ts';

/** A result within this fraction of its limit is reported as a close call even when it passes. */
const CLOSE_CALL = 0.85;

export function writeFindings(r: BenchResults): string {
  const goals = goalRows(r);
  const missed = (prefix: string) => goals.some((g) => g.goal.startsWith(prefix) && g.pass === false);
  const out: string[] = [];

  if (missed('HTTP phases')) out.push(httpFindings(r));
  if (missed('DNS query time')) out.push(dnsFindings(r));
  if (missed('CPU per probe')) out.push(cpuFindings(r));
  if (missed('… with p99 ttfb') || missed('1000 mixed')) out.push(loadFindings(r));
  // Also when a function passes by less than this machine's run-to-run spread: the next run may not.
  const coldMissed = missed('probe-runner') || missed('probe-api') || missed('escalator');
  const close = r.coldStart.some(
    (f) =>
      (f.initMedianMs ?? 0) > CLOSE_CALL * GOALS.initMs ||
      (f.bundleBytes ?? 0) / 1024 > CLOSE_CALL * GOALS.bundleKb,
  );
  if (r.coldStart.some((f) => f.built) && (coldMissed || close)) out.push(coldStartFindings(r, !coldMissed));
  if (out.length === 0) return 'Every measured goal was met in this run.';
  out.push(
    'Numbers near a threshold move from run to run on this machine: two cores shared with other work ' +
      `(load average ${r.machine.loadAverage} at the start); the p99 columns above all carry that scheduler noise.`,
  );
  return out.join('\n\n');
}

function httpFindings(r: BenchResults): string {
  const over = r.fidelity.http.flatMap((c) =>
    httpPhaseDiffs(c)
      .filter((d) => d.p50 > GOALS.httpPhaseMedianMs)
      .map(
        (d) =>
          `${d.phase} (${c.scheme}, ${c.delayMs} ms): Δ of medians ${fmt(d.netprobe - d.curl)} ms, paired ${fmt(d.p50)} ms`,
      ),
  );
  const quick = r.fidelity.http.find((c) => c.scheme === 'https' && c.delayMs === 0);
  const hops = quick
    ? httpPhaseDiffs(quick)
        .filter((d) => ['connect', 'tls', 'ttfb'].includes(d.phase))
        .map((d) => `${d.phase} ${d.netprobe - d.curl >= 0 ? '+' : ''}${fmt(d.netprobe - d.curl)}`)
        .join(', ')
    : 'n/a';
  // Per probe: total minus the phases it is made of; for curl this is 0 by construction (differences of its marks).
  const outside = quick
    ? median(
        quick.netprobe.total.map(
          (total, i) =>
            total -
            (['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const).reduce(
              (sum, p) => sum + (quick.netprobe[p][i] ?? 0),
              0,
            ),
        ),
      )
    : Number.NaN;
  return (
    `**HTTP phases vs curl** (${over.join('; ')}). netprobe takes each mark in a JavaScript callback, one libuv → JS hop after the ` +
    `kernel event that curl reads straight from poll(): against curl’s medians at https with no delay, ${hops} ms. ` +
    `\`total\` spans the first hop's start mark to the last hop's end mark, as curl's time_total does, and the appconnect mark is taken at ` +
    `secureConnect, before any certificate work; netprobe's total exceeds the sum of its own phases by ${fmt(outside)} ms (median). ` +
    'What remains: `connect` carries ~0.2–0.3 ms of socket setup in `shared/probes/tcp.ts`, and https `ttfb` ~0.3–0.6 ms of node:http building the ' +
    'request and Node’s TLS read/write path; building and queueing the request during the handshake would save ~0.1 ms. ' +
    'A phase that fails while its Δ of medians is small is the two tools’ jitter on a busy machine, not a bias (see the p99 column).'
  );
}

function dnsFindings(r: BenchResults): string {
  const cells = r.fidelity.dns.map((c) => {
    const bias = median(c.netprobe) - (median(c.dig) + 0.5);
    return `${c.delayMs} ms server: netprobe ${fmt(median(c.netprobe))} ms, dig ${fmt(median(c.dig), 0)} (+0.5), Δ of medians ${fmt(bias)} ms`;
  });
  return (
    `**DNS vs dig** (${cells.join('; ')}). dig truncates its query time to whole milliseconds, so its reading is on average 0.5 ms under ` +
    'the true value. The bias between the tools is the Δ of medians; the paired median also carries the delayed server’s own timer jitter, which each of ' +
    'the two queries of a pair meets independently (the lab DNS server answers from a setTimeout, late by 0–2 ms on a busy machine), so it is wider at ' +
    '20 ms than at 0 ms. netprobe stamps the answer in its UDP socket’s message callback, one libuv → JS hop after the datagram, as for HTTP. ' +
    'No fix is needed in the prober; a quieter machine, or a server that answers from a tighter timer, narrows the paired number.'
  );
}

function cpuFindings(r: BenchResults): string {
  const over = r.cost.filter(
    (c) => c.blackbox && cpuPerProbe(c.netprobe) > c.blackbox.cpuMs / c.blackbox.probes,
  );
  const variant = r.cost.filter((c) => c.variant);
  const list = (cells: typeof r.cost) =>
    cells
      .map((c) => {
        const ref = r.cost.find((x) => x.kind === c.kind && x.n === c.n && x.blackbox)?.blackbox;
        return `N=${c.n} ${fmt(cpuPerProbe(c.netprobe) / ((ref?.cpuMs ?? 0) / (ref?.probes ?? 1)))}×`;
      })
      .join(', ');
  return (
    `**CPU per HTTPS probe** (${over.map((c) => `${c.kind} N=${c.n}`).join(', ')} over blackbox_exporter: ${list(over)}). ` +
    'Plain HTTP, TCP and DNS cost netprobe a quarter to two thirds of the exporter’s CPU; HTTPS is dominated by the TLS handshake. Two causes, both in ' +
    '`shared/probes/tls.ts` (owner: probes): (1) Node 24’s OpenSSL 3.5 offers the post-quantum hybrid X25519MLKEM768 and the target accepts it, while ' +
    'curl 7.88 (OpenSSL 3.0) and the exporter (Go crypto/tls) negotiate plain X25519. The diagnostic rows run the same probes with an OpenSSL config limiting the ' +
    `groups to X25519:P-256:P-384, each right after the cell it is compared with: ${list(variant)} (in a controlled A/B in one process, ` +
    'alternating batches of 300 handshakes, classical groups saved 0.15–0.3 ms of client CPU per handshake; the cells here carry the machine’s ' +
    `noise). Fix, if classical key exchange is acceptable for a monitor: \`ecdhCurve: 'X25519:P-256:P-384'\` in ` +
    '`tls.createSecureContext` inside `secureContextWithExtraCa`, and a cached context with the same option when no `ca` is set (a `secureContext` handed to ' +
    '`tls.connect` makes its own `ecdhCurve` option ignored); netprobe keeps Node’s default, post-quantum groups included. (2) Fixed: Node’s ' +
    'whole-chain decode for `checkServerIdentity` (~0.1 ms a probe) is skipped; X509Certificate decodes only the fields a finding keeps. What remains is Node’s ' +
    'TLSSocket machinery and OpenSSL 3 ' +
    'itself, slower per handshake than Go’s crypto/tls.'
  );
}

function loadFindings(r: BenchResults): string {
  const infl = ttfbInflation(r.load.cells, 'http');
  const heavy = infl?.heavy.result;
  const perProbe = heavy ? median(heavy.rounds.map((x) => x.cpuMs / x.probes)) : Number.NaN;
  const limited = r.load.cells
    .filter((c) => c.scheme === 'http' && c.n === 1000 && c.concurrency !== undefined && !c.pace)
    .map(
      (c) =>
        `concurrency ${c.concurrency}: p99 error ${fmt(quantile(c.result.ttfbErrors[0] ?? [], 0.99))} ms ` +
        `(prober side ${fmt(quantile(c.proberErrors, 0.99))}), wall ${fmt((c.result.rounds[0]?.wallMs ?? Number.NaN) / 1000)} s`,
    );
  const mixed = r.mixed?.result;
  const withinGoal = r.load.cells
    .filter((c) => c.scheme === 'http' && c.n === 1000 && c.concurrency !== undefined && !c.pace)
    .filter((c) => {
      const base = infl?.base.result.ttfbErrors[0] ?? [];
      return quantile(c.result.ttfbErrors[0] ?? [], 0.99) - quantile(base, 0.99) <= GOALS.ttfbP99InflationMs;
    })
    .map((c) => c.concurrency)
    .sort((a, b) => (b ?? 0) - (a ?? 0))[0];
  return (
    '**ttfb under load.** The error is on netprobe’s side of the socket (the "prober side" column pairs each probe with the server’s own record of the ' +
    `request): one process has one JavaScript thread, an HTTP probe costs it ${fmt(perProbe, 2)} ms of CPU (connect, write and close syscalls, which are ` +
    `slow on this VM, the HTTP parser, GC), so 1000 probes started together queue ~${fmt(perProbe * 1000, 0)} ms of callbacks. A first byte is stamped ` +
    `only when its callback runs: at N=1000 the event loop was late by ${fmt(heavy?.loopDelay.p99)} ms at p99, and ttfb inflated by as much. ` +
    'No clock read in JavaScript can be earlier than that callback (Node exposes no kernel receive timestamps), so the 5 ms goal cannot hold with 1000 probes ' +
    `in flight at once in one process. What bounds it is the number in flight: ${limited.join('; ')}. ` +
    (mixed
      ? `In the cold mixed batch TLS handshakes (~2 ms of CPU each) and JIT warm-up held the loop ${fmt(mixed.loopDelay.p99)} ms at p99, and the HTTP probes ` +
        `beside them read ttfb ${fmt(quantile(mixed.ttfbErrors[0] ?? [], 0.5))} ms late at the median. `
      : '') +
    `So the p99 inflation to expect is about (probes in flight) × (loop time per probe): ${fmt(perProbe, 2)} ms for HTTP here, ~2 ms for HTTPS. ` +
    runnerShapeFindings(r) +
    `The largest limit that kept the p99 inflation within ${GOALS.ttfbP99InflationMs} ms in this run: ${withinGoal ?? 'none of those tried'}. ` +
    'Fixes: the engine’s default `config.concurrency` of 50 (shared/config/schema.ts) is past that point on two vCPUs; size it from the budget ' +
    '(≈ 5 ms ÷ loop time per probe, so ~15 for HTTP and 2–3 for HTTPS on one of these vCPUs, more with the vCPUs a larger Lambda gets) or run TLS probes in ' +
    'a lane of their own. The engine (shared/engine/run-monitors.ts) could also record `monitorEventLoopDelay` per run and flag timings taken while the ' +
    'loop was late, so a reader knows a number is inflated. Even at concurrency 20, 1000 probes against 100 ms targets end inside 15 s.'
  );
}

/** What the shards change: a runner process holds one shard, never the whole run. */
function runnerShapeFindings(r: BenchResults): string {
  const shaped = (['http', 'https'] as const).flatMap((scheme) => {
    const x = ttfbInflation(r.load.cells, scheme, true);
    return x
      ? [`${scheme} +${fmt(x.p99)} ms (event loop p99 ${fmt(x.heavy.result.loopDelay.p99)} ms at most)`]
      : [];
  });
  if (shaped.length === 0) return '';
  return (
    'The runner never holds the whole run: the dispatcher gives each invocation one shard of `concurrency` monitors, warmed up at init and ' +
    `started through the pacer, so at most one shard’s probes share a thread; in that shape the p99 inflation was ${shaped.join(', ')}. `
  );
}

function coldStartFindings(r: BenchResults, closeCallOnly: boolean): string {
  const built = r.coldStart.filter((f) => f.built && f.bundleBytes !== undefined);
  const part = (prefix: string) => r.initParts.find((p) => p.name.startsWith(prefix));
  const sdk = part('AWS SDK');
  const zod = part('zod');
  const esm = part('Node built-ins');
  const cjs = part('the same built-ins');
  const probers = part('the probers');
  const sizes = built
    .map(
      (f) =>
        `${f.name} ${fmt((f.bundleBytes ?? 0) / 1024, 0)} KB (largest: ${f.topInputs?.[0]?.name} ${fmt(f.topInputs?.[0]?.kb, 0)} KB)`,
    )
    .join(', ');
  const tooBig = built.filter((f) => (f.bundleBytes ?? 0) / 1024 > GOALS.bundleKb);
  const inits = built
    .map((f) => `${f.name} ${fmt(f.initMedianMs, 0)} ms (${fmt(f.cjsInitMedianMs, 0)} ms bundled as CJS)`)
    .join(', ');
  return (
    `**Bundle size and init${closeCallOnly ? ' (met in this run, by less than the run-to-run spread here: medians of 10 imports move by ±30 ms between runs)' : ''}.** Sizes: ${sizes}` +
    (tooBig.length
      ? `; over ${GOALS.bundleKb} KB: ${tooBig.map((f) => f.name).join(', ')}. `
      : `, all within ${GOALS.bundleKb} KB since infra leaves the SDK to the runtime and shared/config imports zod as a namespace (tree-shaken); ` +
        'the closest to the limit has only the margin shown, so a new dependency in shared/ should be checked with `npm run bench` or infra/bundle-analysis.ts. ') +
    `Init: ${inits}. What the parts cost alone: the four SDK clients loaded from node_modules as the runtime loads them ${fmt(sdk?.initMedianMs, 0)} ms, ` +
    `the probers ${fmt(probers?.initMedianMs, 0)} ms, zod ${fmt(zod?.initMedianMs, 0)} ms, and the Node built-ins ${fmt(esm?.initMedianMs, 0)} ms as ESM ` +
    `imports against ${fmt(cjs?.initMedianMs, 0)} ms through require() (the parts share the built-ins, so they do not add up). Two levers: ` +
    '(1) done: each function imports only the SDK clients it calls (functions/shared/aws/*; runner and API: DynamoDB and CloudWatch, escalator: ' +
    'DynamoDB and SNS), created on first use. Deferring a client the first invocation needs anyway would only move its cost out of the init phase, not out of ' +
    'the cold start. (2) An ESM `import` of a built-in builds a facade that reads every export, and one lazy export of node:http loads Node’s bundled ' +
    'undici (the runtime’s SDK is CommonJS and require()s them). `format: cjs` in infra/bundling.ts (and no createRequire banner) has esbuild emit require() ' +
    'for every built-in: the "init as CJS bundle" column is that fix measured (medians of 10 imports move by ±30 ms between runs on this machine, so ' +
    'the built-ins pair is the cleaner measure of what it saves).'
  );
}

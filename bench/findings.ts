/**
 * "What limits the missed goals": for each goal this run missed, what the numbers and the profiles say
 * limits it and the fix, with the owner's file named. The mechanisms were found by profiling (the
 * commands are in docs/bench.md); the numbers quoted are this run's.
 */
import { cpuPerProbe } from './cost.ts';
import { type BenchResults, GOALS, goalRows, httpPhaseDiffs, ttfbInflation } from './report.ts';
import { fmt, median, quantile } from './stats.ts';

export function writeFindings(r: BenchResults): string {
  const goals = goalRows(r);
  const missed = (prefix: string) => goals.some((g) => g.goal.startsWith(prefix) && g.pass === false);
  const out: string[] = [];

  if (missed('HTTP phases')) out.push(httpFindings(r));
  if (missed('DNS query time')) out.push(dnsFindings(r));
  if (missed('CPU per probe')) out.push(cpuFindings(r));
  if (missed('… with p99 ttfb') || missed('1000 mixed')) out.push(loadFindings(r));
  if (
    r.coldStart.some((f) => f.built) &&
    (missed('probe-runner') || missed('probe-api') || missed('escalator'))
  ) {
    out.push(coldStartFindings(r));
  }
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
  return (
    `**HTTP phases vs curl** (${over.join('; ')}). netprobe takes each mark in a JavaScript callback, one libuv → JS hop after the ` +
    'kernel event that curl reads straight from poll(); on this VM a hop costs 0.2–0.35 ms (connect, tls and ttfb each read that much above curl at 0 ms delay). ' +
    '`total` adds them up, plus JS work outside the phases: `shared/probes/http.ts` computes total as `performance.now() − started` after the result ' +
    'is assembled, with `started` taken before URL parsing and header building. Fix (owner of shared/probes/http.ts): end `total` at the last hop’s `end` ' +
    'mark and start it at the first hop’s `start` mark (http-exchange.ts `marks`), as curl’s time_total spans the transfer only; redirects stay summed. ' +
    'Where a phase fails while its Δ of medians is small, the paired median is the two tools’ jitter, not a bias.'
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
    'alternating batches of 300 handshakes, classical groups saved 0.15–0.3 ms of client CPU per handshake; the cells here are single runs and carry the ' +
    `machine’s noise). Fix, if classical key exchange is acceptable for a monitor: \`ecdhCurve: 'X25519:P-256:P-384'\` in ` +
    '`tls.createSecureContext` inside `secureContextWithExtraCa`, and a cached context with the same option when no `ca` is set (a `secureContext` handed to ' +
    '`tls.connect` makes its own `ecdhCurve` option ignored). (2) The peer certificate is decoded three times per probe: Node’s `onConnectSecure` calls ' +
    '`getPeerCertificate(true)` (the whole chain as JS objects) to feed `checkServerIdentity`, which netprobe sets to a no-op; `describeSession` calls ' +
    '`getPeerCertificate()` again and `inspectCertificate` re-parses `raw` with `X509Certificate`. In a CPU profile of 1200 HTTPS probes Node’s own ' +
    'call took 0.20 ms per probe (unavoidable through `tls.connect`), the second call 0.07 ms and the re-parse with its field reads 0.12 ms. Fix for the ' +
    'last two: let the `checkServerIdentity` option capture the object Node already built (`(host, cert) => { peer = cert; return undefined; }`), use ' +
    'it in `describeSession` (with `tls.checkServerIdentity(serverName, peer)` as now), and fill CertificateInfo from its `subject`, `issuer`, ' +
    '`subjectaltname`, `valid_from`, `valid_to` and `fingerprint256` instead of parsing the DER again. What remains is Node’s TLSSocket machinery and OpenSSL 3 ' +
    'itself, slower per handshake than Go’s crypto/tls.'
  );
}

function loadFindings(r: BenchResults): string {
  const infl = ttfbInflation(r.load.cells, 'http');
  const heavy = infl?.heavy.result;
  const perProbe = heavy ? median(heavy.rounds.map((x) => x.cpuMs / x.probes)) : Number.NaN;
  const limited = r.load.cells
    .filter((c) => c.scheme === 'http' && c.n === 1000 && c.concurrency !== undefined)
    .map(
      (c) =>
        `concurrency ${c.concurrency}: p99 error ${fmt(quantile(c.result.ttfbErrors[0] ?? [], 0.99))} ms ` +
        `(prober side ${fmt(quantile(c.proberErrors, 0.99))}), wall ${fmt((c.result.rounds[0]?.wallMs ?? Number.NaN) / 1000)} s`,
    );
  const mixed = r.mixed?.result;
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
    'Fixes: keep `config.concurrency` (shared/config/schema.ts, default 50) where the error is a few ms on two vCPUs, and size it to the Lambda’s memory ' +
    '(vCPUs); the engine (shared/engine/run-monitors.ts) could also record `monitorEventLoopDelay` per run and flag timings taken while the loop was late, so ' +
    'a reader knows a number is inflated. 1000 probes at concurrency 50 against 100 ms targets still end well inside 15 s.'
  );
}

function coldStartFindings(r: BenchResults): string {
  const built = r.coldStart.filter((f) => f.built && f.bundleBytes !== undefined);
  const zod = (f: (typeof built)[number]) => f.topInputs?.find((t) => t.name === 'zod')?.kb ?? 0;
  const part = (prefix: string) => r.initParts.find((p) => p.name.startsWith(prefix));
  const sdk = part('AWS SDK');
  const zodPart = part('zod');
  const builtins = part('Node built-ins');
  const builtinsCjs = part('the same built-ins');
  return (
    '**Bundle size and init.** ' +
    built
      .map(
        (f) =>
          `${f.name}: ${fmt((f.bundleBytes ?? 0) / 1024, 0)} KB, of which zod ${fmt(zod(f), 0)} KB; ${fmt((f.withoutSdkBytes ?? 0) / 1024, 0)} KB without the SDK; ` +
          `init ${fmt(f.initMedianMs, 0)} ms (${fmt(f.cjsInitMedianMs, 0)} ms as a CJS bundle)`,
      )
      .join('; ') +
    '. Three things, none in the handlers’ own code: ' +
    `(1) zod: \`import { z } from 'zod'\` (shared/config) pulls all of zod 4 classic into every function, every locale and the JSON-schema converters included ` +
    `(${fmt(zodPart?.bundleKb, 0)} KB, ${fmt(zodPart?.initMedianMs, 0)} ms to import alone). The functions only read a config that \`cdk synth\` already validated: ` +
    'infra can hand them the resolved config as JSON (types only at run time) and keep zod at synth and in the CLI; the probe API, which validates request ' +
    'bodies, can use `zod/mini`, which tree-shakes. (2) The AWS SDK, bundled on purpose (`bundleAwsSDK: true` in infra/constructs/probe-function.ts): ' +
    `${fmt(sdk?.bundleKb, 0)} KB and ${fmt(sdk?.initMedianMs, 0)} ms to import the four clients alone. Creating the clients on first use through a dynamic ` +
    '`import()` (esbuild keeps them in the bundle but evaluates them only when called) takes that out of init; only dropping them from the bundle takes it out ' +
    'of the size, at the price of the runtime’s SDK version. (3) ESM: an ESM `import` of `node:http` builds a facade that reads every export, and one lazy ' +
    `export loads Node’s bundled undici (the five built-ins import in ${fmt(builtins?.initMedianMs, 0)} ms as ESM namespaces, ${fmt(builtinsCjs?.initMedianMs, 0)} ms through require()). ` +
    'The SDK’s ESM build imports http/https the same way, so the fix is in infra: `format: OutputFormat.CJS` (and no createRequire banner) in ' +
    'probe-function.ts — the "init as CJS bundle" column is this fix measured. With (1) and (2) the bundles come to the "without @aws-sdk" size minus zod, ' +
    `about ${built.map((f) => `${fmt((f.withoutSdkBytes ?? 0) / 1024 - zod(f), 0)} KB`).join(' / ')}.`
  );
}

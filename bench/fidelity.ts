/**
 * Section 1, fidelity: netprobe against `curl -w` (HTTP phases) and `dig` (DNS query time) on the same
 * target and injected delay, runs interleaved one pair at a time (which tool goes first alternates), so
 * both see the same machine load. netprobe runs in this process through runProbe, as the CLI does; the
 * servers are in the targets process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseTargetUrl } from '../shared/config/url.ts';
import { runProbe } from '../shared/probes/index.ts';
import type { Phase, ProbeResult } from '../shared/probes/types.ts';
import { DNS_NAME, type Targets } from './targets.ts';

const run = promisify(execFile);

export const HTTP_PHASES = [
  'dns',
  'connect',
  'tls',
  'ttfb',
  'transfer',
  'total',
] as const satisfies readonly Phase[];
export type HttpPhase = (typeof HTTP_PHASES)[number];

export interface HttpFidelityCell {
  scheme: 'http' | 'https';
  delayMs: number;
  url: string;
  /** Per phase, one value per sample (ms); `tls` empty for http. */
  netprobe: Record<HttpPhase, number[]>;
  /** curl's second transfer of the run (CA store cached, TLS session cache off: a full handshake). */
  curl: Record<HttpPhase, number[]>;
  /** curl's first transfer, which also loads its CA file inside time_appconnect. */
  curlCold: Record<HttpPhase, number[]>;
  failures: string[];
}

export interface DnsFidelityCell {
  delayMs: number;
  server: string;
  netprobe: number[];
  /** dig's "Query time", whole milliseconds. */
  dig: number[];
  failures: string[];
}

export interface FidelityOptions {
  samples: number;
  warmup: number;
}

const emptyPhases = (): Record<HttpPhase, number[]> => ({
  dns: [],
  connect: [],
  tls: [],
  ttfb: [],
  transfer: [],
  total: [],
});

/** curl's cumulative marks (s) → netprobe's phases (ms), by the mapping of docs/timings.md. */
export function curlPhases(line: string, tls: boolean): Record<HttpPhase, number> {
  const [namelookup, connect, appconnect, starttransfer, total] = line.trim().split(/\s+/).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (![namelookup, connect, appconnect, starttransfer, total].every(Number.isFinite)) {
    throw new Error(`unexpected curl -w output: ${JSON.stringify(line)}`);
  }
  const ready = tls ? appconnect : connect;
  return {
    dns: namelookup * 1000,
    connect: (connect - namelookup) * 1000,
    tls: tls ? (appconnect - connect) * 1000 : Number.NaN,
    ttfb: (starttransfer - ready) * 1000,
    transfer: (total - starttransfer) * 1000,
    total: total * 1000,
  };
}

/** dig's "Query time: N msec" in ms; undefined when the output has none (no answer). */
export function digQueryTime(output: string): number | undefined {
  const ms = /^;; Query time: (\d+) msec$/m.exec(output)?.[1];
  return ms === undefined ? undefined : Number(ms);
}

const CURL_FORMAT =
  '%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}\\n';

/**
 * One curl process, two transfers of `url`: the first pays for loading the CA file inside
 * time_appconnect (curl ≥ 7.87 then caches the store), the second is what a long-running prober with a
 * cached secure context does, as netprobe does. --no-sessionid keeps the second handshake a full one.
 */
export async function curlTwice(
  curl: string,
  url: string,
  caFile: string,
): Promise<{ cold: Record<HttpPhase, number>; warm: Record<HttpPhase, number> }> {
  const tls = url.startsWith('https:');
  const args = [
    '-s',
    '-o',
    '/dev/null',
    '-o',
    '/dev/null',
    '--http1.1',
    '--no-sessionid',
    '--max-time',
    '10',
  ];
  if (tls) args.push('--cacert', caFile);
  const { stdout } = await run(curl, [...args, '-w', CURL_FORMAT, url, url], { timeout: 25_000 });
  const [first, second] = stdout.trim().split('\n');
  if (first === undefined || second === undefined) throw new Error(`curl printed ${JSON.stringify(stdout)}`);
  return { cold: curlPhases(first, tls), warm: curlPhases(second, tls) };
}

export async function httpFidelity(
  curl: string,
  targets: Targets,
  cells: { scheme: 'http' | 'https'; delayMs: number }[],
  opts: FidelityOptions,
): Promise<HttpFidelityCell[]> {
  const out: HttpFidelityCell[] = [];
  for (const { scheme, delayMs } of cells) {
    const port = targets[scheme][delayMs]?.[0];
    const url = `${scheme}://127.0.0.1:${port}/fidelity`;
    const spec = parseTargetUrl(url, scheme === 'https' ? { ca: targets.caPem } : {});
    const cell: HttpFidelityCell = {
      scheme,
      delayMs,
      url,
      netprobe: emptyPhases(),
      curl: emptyPhases(),
      curlCold: emptyPhases(),
      failures: [],
    };
    for (let i = 0; i < opts.warmup + opts.samples; i++) {
      let ours: ProbeResult;
      let theirs: { cold: Record<HttpPhase, number>; warm: Record<HttpPhase, number> };
      try {
        if (i % 2 === 0) {
          ours = await runProbe(spec);
          theirs = await curlTwice(curl, url, targets.caFile);
        } else {
          theirs = await curlTwice(curl, url, targets.caFile);
          ours = await runProbe(spec);
        }
      } catch (err) {
        cell.failures.push(`curl: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      if (ours.status !== 'up') {
        cell.failures.push(`netprobe: ${ours.error?.code} ${ours.error?.message}`);
        continue;
      }
      if (i < opts.warmup) continue;
      for (const phase of HTTP_PHASES) {
        if (phase === 'tls' && scheme === 'http') continue;
        cell.netprobe[phase].push(ours.timings[phase] ?? Number.NaN);
        cell.curl[phase].push(theirs.warm[phase]);
        cell.curlCold[phase].push(theirs.cold[phase]);
      }
    }
    out.push(cell);
  }
  return out;
}

export async function dnsFidelity(
  dig: string,
  targets: Targets,
  delays: number[],
  opts: FidelityOptions,
): Promise<DnsFidelityCell[]> {
  const out: DnsFidelityCell[] = [];
  for (const delayMs of delays) {
    const port = targets.dns[delayMs]?.[0];
    const spec = parseTargetUrl(`dns://127.0.0.1:${port}/${DNS_NAME}?type=A`);
    const cell: DnsFidelityCell = {
      delayMs,
      server: `127.0.0.1:${port}`,
      netprobe: [],
      dig: [],
      failures: [],
    };
    const digOnce = async () => {
      const args = [`@127.0.0.1`, '-p', String(port), DNS_NAME, 'A', '+tries=1', '+time=5'];
      const { stdout } = await run(dig, args, { timeout: 10_000 });
      const ms = digQueryTime(stdout);
      if (ms === undefined) throw new Error(`no "Query time" in dig output: ${stdout.slice(0, 200)}`);
      return ms;
    };
    for (let i = 0; i < opts.warmup + opts.samples; i++) {
      let ours: ProbeResult;
      let theirs: number;
      try {
        if (i % 2 === 0) {
          ours = await runProbe(spec);
          theirs = await digOnce();
        } else {
          theirs = await digOnce();
          ours = await runProbe(spec);
        }
      } catch (err) {
        cell.failures.push(`dig: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      const queryTime = ours.details.kind === 'dns' ? ours.details.query.queryTimeMs : undefined;
      if (ours.status !== 'up' || queryTime === undefined) {
        cell.failures.push(`netprobe: ${ours.error?.code} ${ours.error?.message}`);
        continue;
      }
      if (i < opts.warmup) continue;
      cell.netprobe.push(queryTime);
      cell.dig.push(theirs);
    }
    out.push(cell);
  }
  return out;
}

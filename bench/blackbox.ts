/**
 * Prometheus blackbox_exporter as the reference prober: started on 127.0.0.1 with a generated module
 * config, driven through its /probe endpoint exactly as Prometheus scrapes it, its CPU read from
 * /proc/<pid>/stat around the measured rounds. One fresh exporter per cell, so its peak RSS is that
 * cell's alone, killed by PID afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { capture, killChild, procCpuMs, procPeakRssMb, spawnTracked } from './proc.ts';
import { DNS_NAME } from './targets.ts';

export const BLACKBOX_BIN = '/usr/bin/prometheus-blackbox-exporter';
export const BLACKBOX_PACKAGE = 'prometheus-blackbox-exporter';
export type BlackboxModule = 'http' | 'tcp' | 'dns';

const START_TIMEOUT_MS = 10_000;

/** Same work as the netprobe specs: IPv4 only, 10 s timeout, the bench CA trusted, DNS A over UDP. */
function moduleConfig(caFile: string): string {
  return `modules:
  http:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      tls_config:
        ca_file: ${JSON.stringify(caFile)}
  tcp:
    prober: tcp
    timeout: 10s
    tcp:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
  dns:
    prober: dns
    timeout: 10s
    dns:
      query_name: ${DNS_NAME}
      query_type: A
      transport_protocol: udp
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
`;
}

export interface BlackboxRound {
  wallMs: number;
  failures: number;
}

export interface BlackboxCellResult {
  rounds: BlackboxRound[];
  /** utime + stime over the measured rounds (10 ms clock ticks). */
  cpuMs: number;
  probes: number;
  peakRssMb: number;
  failureSamples: string[];
}

export async function blackboxVersion(bin: string): Promise<string | undefined> {
  const out = await capture(bin, ['--version']);
  return /version (\S+)/.exec(out ?? '')?.[1];
}

/**
 * Runs `warmupRounds` then `rounds` rounds of the targets, all at once per round, through one fresh
 * exporter, and returns its CPU time over the measured rounds.
 */
export async function runBlackboxCell(opts: {
  bin: string;
  dir: string;
  caFile: string;
  module: BlackboxModule;
  targets: string[];
  warmupRounds: number;
  rounds: number;
  ticksPerSecond: number;
}): Promise<BlackboxCellResult> {
  const configFile = join(opts.dir, 'blackbox.yml');
  writeFileSync(configFile, moduleConfig(opts.caFile));
  const port = await freePort();
  const child = spawnTracked(
    opts.bin,
    [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${opts.bin} did not start`);
    await waitHealthy(port, child);
    const failureSamples: string[] = [];
    const round = async (): Promise<BlackboxRound> => {
      const t0 = performance.now();
      const bodies = await Promise.all(opts.targets.map((t) => scrape(agent, port, opts.module, t)));
      const wallMs = performance.now() - t0;
      let failures = 0;
      bodies.forEach((body, i) => {
        if (/^probe_success 1$/m.test(body)) return;
        failures++;
        if (failureSamples.length < 5) failureSamples.push(`${opts.targets[i]}: ${body.slice(0, 200)}`);
      });
      return { wallMs, failures };
    };
    for (let i = 0; i < opts.warmupRounds; i++) await round();
    const cpu0 = procCpuMs(pid, opts.ticksPerSecond);
    const rounds: BlackboxRound[] = [];
    for (let i = 0; i < opts.rounds; i++) rounds.push(await round());
    const cpuMs = procCpuMs(pid, opts.ticksPerSecond) - cpu0;
    return {
      rounds,
      cpuMs,
      probes: opts.targets.length * opts.rounds,
      peakRssMb: procPeakRssMb(pid),
      failureSamples,
    };
  } finally {
    agent.destroy();
    await killChild(child);
  }
}

function scrape(agent: http.Agent, port: number, module: BlackboxModule, target: string): Promise<string> {
  const path = `/probe?module=${module}&target=${encodeURIComponent(target)}`;
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
      res.on('error', (err) => resolve(`scrape failed: ${err.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out')));
    req.on('error', (err) => resolve(`scrape failed: ${err.message}`));
  });
}

async function waitHealthy(port: number, child: ChildProcess): Promise<void> {
  const until = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < until) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/-/healthy', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`blackbox_exporter not healthy on 127.0.0.1:${port} after ${START_TIMEOUT_MS} ms`);
}

/** A port free right now on 127.0.0.1 (bound, then released for the exporter to take). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

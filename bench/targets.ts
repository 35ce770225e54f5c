/** Parent side of bench/targets-process.ts: start it, ask it how late its delayed responses were, stop it. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { killChild, spawnTracked } from './proc.ts';

/** The name every DNS probe asks for (A 127.0.0.1), netprobe, dig and blackbox_exporter alike. */
export const DNS_NAME = 'www.bench.test';

export interface TargetsInfo {
  /** Ports of the HTTP servers on 127.0.0.1 by injected delay in ms (delay before the headers). */
  http: Record<number, number[]>;
  https: Record<number, number[]>;
  /** Ports of the plain TCP servers. */
  tcp: number[];
  /** Ports of the DNS servers (127.0.0.1, UDP and TCP) answering after an injected delay, by delay in ms. */
  dns: Record<number, number[]>;
  /** The bench CA: a file for curl and blackbox_exporter, PEM for netprobe's `tls.ca`. */
  caFile: string;
  caPem: string;
}

/** How much later than injected one response went out (ms), and the path it answered. */
export interface Lateness {
  path: string;
  ms: number;
}

export type TargetsRequest = { type: 'lateness'; key: string; reset: boolean } | { type: 'close' };
export type TargetsResponse =
  | { type: 'ready'; targets: TargetsInfo }
  | { type: 'lateness'; key: string; values: Lateness[] };

export interface TargetsConfig {
  /** `shards` HTTP and as many HTTPS servers per delay, so no server's accept queue overflows. */
  httpServers: { delayMs: number; shards: number; precise?: boolean }[];
  tcpShards: number;
  /** `shards` servers per delay: spread N concurrent queries so no server's UDP receive buffer overflows. */
  dnsServers: { delayMs: number; shards: number; precise?: boolean }[];
  caFile: string;
}

export interface Targets extends TargetsInfo {
  pid: number;
  /** How much later than injected each response of server `key` ("http:100") went out, in ms. */
  lateness(key: string, reset?: boolean): Promise<Lateness[]>;
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./targets-process.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export async function startTargets(config: TargetsConfig): Promise<Targets> {
  const child = spawnTracked(process.execPath, [ENTRY, JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await firstMessage(child, 'ready');
  if (info.type !== 'ready' || child.pid === undefined) throw new Error('bench targets did not start');
  const pid = child.pid;
  return {
    ...info.targets,
    pid,
    async lateness(key, reset = true) {
      const answer = firstMessage(child, 'lateness');
      child.send({ type: 'lateness', key, reset } satisfies TargetsRequest);
      const message = await answer;
      return message.type === 'lateness' ? message.values : [];
    },
    async close() {
      if (child.connected) child.send({ type: 'close' } satisfies TargetsRequest);
      const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit');
      const timer = setTimeout(() => void killChild(child), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function firstMessage(child: ChildProcess, type: TargetsResponse['type']): Promise<TargetsResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`bench targets: no '${type}' message in time`)),
      START_TIMEOUT_MS,
    );
    const onMessage = (message: TargetsResponse) => {
      if (message.type === type) done(undefined, message);
    };
    const onExit = (code: number | null) =>
      done(new Error(`bench targets exited (${code}) before '${type}'`));
    function done(err?: Error, message?: TargetsResponse) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(message as TargetsResponse);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

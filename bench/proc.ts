/**
 * Child processes of the bench: every one is spawned through here (argv array, no shell), remembered by
 * PID, and killed by that PID when the bench ends, normally, on error or on SIGINT/SIGTERM. Also the
 * small /proc readers used to measure a process we do not control (blackbox_exporter).
 */
import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { constants, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const live = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

/** Spawns and tracks a child; it is killed (SIGKILL after a 2 s SIGTERM grace) by `shutdown()`. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, opts);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Kills one tracked child by its PID and waits for it to exit (bounded: 2 s, then SIGKILL). */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
    }
  }, 2_000);
  await exited;
  clearTimeout(timer);
}

/** Registers something to undo at the end (close servers, delete temp dirs), run in reverse order. */
export function onShutdown(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

let shuttingDown: Promise<void> | undefined;

/** Runs every cleanup, then kills every child still alive. Idempotent. */
export function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`bench: cleanup failed: ${(err as Error).message}`);
      }
    }
    await Promise.all([...live].map((child) => killChild(child)));
  })();
  return shuttingDown;
}

/** True once shutdown has begun: failures after that are the children being killed, not findings. */
export function isShuttingDown(): boolean {
  return shuttingDown !== undefined;
}

/** SIGINT/SIGTERM end the bench cleanly: children killed by PID, servers closed, temp files removed. */
export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, cleaning up`);
      void shutdown().finally(() => process.exit(130));
    });
  }
}

/** Runs a command to completion; stdout, or undefined when it is missing or fails. */
export async function capture(cmd: string, args: string[], timeoutMs = 10_000): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 });
    return stdout || stderr;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in ms, from /proc/<pid>/stat (all its threads, live and exited). */
export function procCpuMs(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, i.e. 12 and 13 after "pid (comm) ".
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / ticksPerSecond;
}

/** Peak resident set size (VmHWM) of a process in MB. */
export function procPeakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}

/** The soft limit on open files of a process, from /proc/<pid>/limits. */
export function openFilesLimit(pid: number | 'self' = 'self'): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

export interface Tool {
  name: string;
  /** Absolute path, or undefined when missing and not installable here. */
  path?: string;
  /** Why it is missing and how to install it, when it is. */
  note?: string;
}

/**
 * Finds `binary`; when missing and running as root, installs the Debian package (apt-get update once if
 * the first try fails). Otherwise returns the one-line install command so the column can say it.
 */
export async function ensureTool(binary: string, debPackage: string): Promise<Tool> {
  const found = await which(binary);
  if (found) return { name: binary, path: found };
  const command = `apt-get install -y --no-install-recommends ${debPackage}`;
  if (process.getuid?.() !== 0) {
    return { name: binary, note: `${binary} not installed: run \`sudo ${command}\`` };
  }
  console.log(`bench: ${binary} missing, installing ${debPackage} with apt-get`);
  const args = ['install', '-y', '--no-install-recommends', debPackage];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptTry = () =>
    new Promise<boolean>((resolve) => {
      const child = spawnTracked('apt-get', args, { stdio: 'ignore', env });
      child.once('exit', (code) => resolve(code === 0));
      child.once('error', () => resolve(false));
    });
  let ok = await aptTry();
  if (!ok) {
    await capture('apt-get', ['update'], 120_000);
    ok = await aptTry();
  }
  const installed = ok ? await which(binary) : undefined;
  return installed
    ? { name: binary, path: installed }
    : { name: binary, note: `${binary} not installed and \`${command}\` failed` };
}

/** The executable `binary` resolves to: itself when absolute, else the first match on PATH. */
async function which(binary: string): Promise<string | undefined> {
  const candidates = binary.includes('/')
    ? [binary]
    : (process.env.PATH ?? '')
        .split(':')
        .filter(Boolean)
        .map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next PATH entry
    }
  }
  return undefined;
}

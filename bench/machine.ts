/** What the numbers were measured on: CPU, cores, load, kernel, memory, tool versions. */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { blackboxVersion } from './blackbox.ts';
import { capture, type Tool } from './proc.ts';

export interface Machine {
  cpu: string;
  cores: number;
  loadAverage: string;
  kernel: string;
  memoryGb: number;
  node: string;
  curl?: string;
  dig?: string;
  blackbox?: string;
  ticksPerSecond: number;
}

export async function describeMachine(tools: { curl: Tool; dig: Tool; blackbox: Tool }): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const ticks = Number((await capture('getconf', ['CLK_TCK']))?.trim()) || 100;
  const machine: Machine = {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    ticksPerSecond: ticks,
  };
  if (tools.curl.path) {
    machine.curl = (await capture(tools.curl.path, ['--version']))
      ?.split('\n')[0]
      ?.split(' ')
      .slice(0, 2)
      .join(' ');
  }
  if (tools.dig.path) machine.dig = (await capture(tools.dig.path, ['-v']))?.trim();
  if (tools.blackbox.path) machine.blackbox = await blackboxVersion(tools.blackbox.path);
  return machine;
}

/**
 * The CLI's exit codes, a contract scripts and CI jobs rely on:
 *   0  every finding up or degraded (up only, with --fail-on degraded)
 *   1  at least one finding down (or degraded, with --fail-on degraded)
 *   2  usage or configuration error (the message says what and where)
 */
import type { Finding } from '../shared/domain/finding.ts';
import { NetprobeError } from '../shared/errors.ts';

export const EXIT = { ok: 0, down: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** `--fail-on`: the least bad status that fails the command (exit 1). */
export type FailOn = 'down' | 'degraded';

export function exitCodeFor(findings: readonly Finding[], failOn: FailOn = 'down'): ExitCode {
  const failing = (f: Finding) => f.status === 'down' || (failOn === 'degraded' && f.status === 'degraded');
  return findings.some(failing) ? EXIT.down : EXIT.ok;
}

/**
 * A mistake in how netprobe was called (bad URL, bad flag value, unreadable file). Printed as
 * `netprobe: <message>` with exit code 2, never with a stack trace.
 */
export class UsageError extends NetprobeError {
  override readonly name = 'UsageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('usage', message, options);
  }
}

/**
 * The CLI's exit codes, a contract scripts and CI jobs rely on:
 *   0  every finding up or degraded
 *   1  at least one finding down
 *   2  usage or configuration error (the message says what and where)
 */
import type { Finding } from '../shared/domain/finding.ts';
import { NetprobeError } from '../shared/errors.ts';

export const EXIT = { ok: 0, down: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(findings: readonly Finding[]): ExitCode {
  return findings.some((f) => f.status === 'down') ? EXIT.down : EXIT.ok;
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

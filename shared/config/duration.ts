/**
 * Human durations as in Go's time.ParseDuration, restricted to what monitors need:
 * "250ms", "1500ms", "2s", "1.5s", "1m", "1h", and sums such as "1m30s". Always milliseconds out.
 */
import { ConfigError } from './errors.ts';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

// One or more <number><unit> terms; "ms" must be tried before "m".
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const TERM = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

export const DURATION_HINT = 'use 1500ms, 2s, 1m';

/** Milliseconds, or the reason `text` is not a duration (without a path: callers add theirs). */
export function checkDuration(text: unknown): { ms: number } | { error: string } {
  if (typeof text !== 'string') {
    return { error: `expected a duration string (${DURATION_HINT}), got ${typeof text}` };
  }
  if (!WHOLE.test(text)) return { error: `${JSON.stringify(text)} is not a duration (${DURATION_HINT})` };
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(TERM)) ms += Number(amount) * UNIT_MS[unit as Unit];
  // Sub-millisecond precision would be silently lost by timers and metrics: refuse it.
  if (!Number.isInteger(ms))
    return { error: `${JSON.stringify(text)} is not a whole number of milliseconds` };
  return { ms };
}

/** Parses a duration or throws a ConfigError naming `path`: `timeout: "2x" is not a duration (use 1500ms, 2s, 1m)`. */
export function parseDuration(text: string, path = 'duration'): number {
  const result = checkDuration(text);
  if ('error' in result) throw new ConfigError([{ path, message: result.error }]);
  return result.ms;
}

/** The shortest exact form: 90000 → "90s", 60000 → "1m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * The one evaluator of a `Match` (spec.ts), shared by the HTTP, TCP and DNS probers so an
 * `equals`, `contains` or `regex` means the same everywhere. What a plain config string becomes is
 * decided by config parsing; a prober only adapts the value it hands in (e.g. TCP strips the line ending).
 */
import { RE2JS } from 're2js';
import type { Match } from './spec.ts';

/** Longest expected or received text a message quotes before cutting it with "…". */
export const QUOTE_MAX = 80;

/**
 * Patterns are RE2 syntax on re2js, a linear-time engine: the time a match takes grows with the text's
 * length only, never exponentially with the pattern (a caller's `^(a+)+$` cannot block the event
 * loop). RE2 has no lookaround and no backreferences (they need backtracking); inline flags such as
 * `(?i)` and `(?s)` work. docs/config.md states the syntax.
 */
const UNSUPPORTED: readonly { test: RegExp; what: string }[] = [
  { test: /: `\(\?<?[=!]/, what: 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!)' },
  { test: /invalid escape sequence: `\\[1-9]/, what: 'backreferences (\\1 … \\9)' },
];

/** The compiled pattern, or why `source` cannot be one: one sentence naming the pattern. */
export function compilePattern(source: string): RE2JS | { error: string } {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    const unsupported = UNSUPPORTED.find((u) => u.test.test(reason));
    if (unsupported) {
      return {
        error: `regex ${JSON.stringify(source)} is not supported: ${unsupported.what} are not part of RE2 syntax, which netprobe uses so a match takes linear time (docs/config.md)`,
      };
    }
    return { error: `regex ${JSON.stringify(source)} does not compile: ${reason}` };
  }
}

/** Compiled patterns by source: the same assertion runs on every probe of a monitor. */
const compiled = new Map<string, RE2JS | undefined>();
const CACHE_MAX = 1000;

/** The pattern as every prober runs it; undefined when it does not compile (validation refuses it first). */
function compileRegex(source: string): RE2JS | undefined {
  if (compiled.has(source)) return compiled.get(source);
  const pattern = compilePattern(source);
  if (compiled.size >= CACHE_MAX) compiled.clear();
  const value = 'error' in pattern ? undefined : pattern;
  compiled.set(source, value);
  return value;
}

/** True when `value` satisfies `m`. An invalid regex matches nothing, and describeMatch says so. */
export function matches(m: Match, value: string): boolean {
  if ('equals' in m) return value === m.equals;
  if ('contains' in m) return value.includes(m.contains);
  // find(): anywhere in the value, as RegExp.test does; anchor with ^ and $ for the whole value.
  return compileRegex(m.regex)?.matcher(value).find() ?? false;
}

const VERBS = {
  base: { equals: 'equal', contains: 'contain', regex: 'match' },
  'third-person': { equals: 'equals', contains: 'contains', regex: 'matches' },
} as const;

/**
 * The matcher as a verb phrase for failure messages: 'base' reads after "does not" / "to"
 * ('equal "x"'), 'third-person' after a subject ('answer equals "x"').
 */
export function describeMatch(m: Match, form: keyof typeof VERBS = 'base'): string {
  const verb = VERBS[form];
  if ('equals' in m) return `${verb.equals} ${quote(m.equals)}`;
  if ('contains' in m) return `${verb.contains} ${quote(m.contains)}`;
  const invalid = compileRegex(m.regex) ? '' : ' (invalid regular expression)';
  return `${verb.regex} /${m.regex}/${invalid}`;
}

/** `text` as a JSON string literal, cut to `max` characters so one huge value cannot flood a message. */
export function quote(text: string, max = QUOTE_MAX): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

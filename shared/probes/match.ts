/**
 * The one evaluator of a `Match` (spec.ts), shared by the HTTP, TCP and DNS probers so an
 * `equals`, `contains` or `regex` means the same everywhere. What a plain config string becomes is
 * decided by config parsing; a prober only adapts the value it hands in (e.g. TCP strips the line ending).
 */
import type { Match } from './spec.ts';

/** Longest expected or received text a message quotes before cutting it with "…". */
export const QUOTE_MAX = 80;

/**
 * The regex as every prober compiles it: JS syntax, no flags (config validation compiles it the same
 * way and rejects a bad one first). undefined when the source does not compile.
 */
function compileRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

/** True when `value` satisfies `m`. An invalid regex matches nothing, and describeMatch says so. */
export function matches(m: Match, value: string): boolean {
  if ('equals' in m) return value === m.equals;
  if ('contains' in m) return value.includes(m.contains);
  return compileRegex(m.regex)?.test(value) ?? false;
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

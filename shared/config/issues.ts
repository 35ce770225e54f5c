/**
 * Bridges zod to ConfigError: one short, path-named message per problem, in our words rather than
 * zod's ("Invalid input: expected number, received string" becomes "expected number, got string").
 */
import * as z from 'zod';
import { ConfigError, type ConfigIssue, formatPath, type PathSegment } from './errors.ts';
import { unknownKeyMessage } from './validate.ts';

/** An issue found by hand-written checks, path relative to the value checked. */
export interface RawIssue {
  path: PathSegment[];
  message: string;
}

/** The JSON-ish type of a value, for "expected X, got Y". */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

type ErrorMapIssue = Parameters<z.core.$ZodErrorMap>[0];

// A strict object reports all its unknown keys in one issue; the message carries one hint per key
// (JSON-encoded) so flatten can split it into one line per key, each with its own path.
function unknownKeysMessage(issue: ErrorMapIssue & { code: 'unrecognized_keys' }): string {
  const def = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  const allowed = Object.keys(def?.shape ?? {});
  return JSON.stringify(Object.fromEntries(issue.keys.map((key) => [key, unknownKeyMessage(key, allowed)])));
}

const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      if (issue.expected === 'int') return `expected an integer, got ${String(issue.input)}`;
      return `expected ${issue.expected}, got ${describe(issue.input)}`;
    case 'unrecognized_keys':
      return unknownKeysMessage(issue);
    case 'invalid_union': {
      if (issue.discriminator === undefined || !Array.isArray(issue.options)) return undefined;
      const got = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
      if (got === undefined) return `required (one of ${issue.options.join(', ')})`;
      return `expected one of ${issue.options.join(', ')} (got ${JSON.stringify(got)})`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, got ${JSON.stringify(issue.input)}`
        : `expected one of ${issue.values.join(', ')} (got ${JSON.stringify(issue.input)})`;
    case 'too_small':
      if (issue.origin === 'array')
        return Number(issue.minimum) === 1 ? 'must not be empty' : `expected at least ${issue.minimum} items`;
      if (issue.origin === 'string')
        return Number(issue.minimum) === 1
          ? 'must not be empty'
          : `expected at least ${issue.minimum} characters`;
      return `expected at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `expected at most ${issue.maximum} characters`;
      return `expected at most ${issue.maximum}`;
    default:
      return undefined;
  }
};

function isRootTypeMismatch(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.every((issue) => issue.path.length === 0 && issue.code === 'invalid_type');
}

function segments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function flatten(issue: z.core.$ZodIssue, prefix: readonly PathSegment[]): RawIssue[] {
  const path = [...prefix, ...segments(issue.path)];
  if (issue.code === 'unrecognized_keys') {
    const hints = JSON.parse(issue.message) as Record<string, string>;
    return issue.keys.map((key) => ({ path: [...path, key], message: hints[key] ?? 'unknown key' }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch the user evidently meant is the only one that got past the type check.
    const meant = issue.errors.filter((branch) => !isRootTypeMismatch(branch));
    const [only] = meant;
    if (meant.length === 1 && only) return only.flatMap((inner) => flatten(inner, path));
  }
  return [{ path, message: issue.message }];
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: RawIssue[] };

/** Parses with our messages; issues keep their path segments so callers can re-root them. */
export function safeParse<S extends z.ZodType>(schema: S, input: unknown): Checked<z.output<S>> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => flatten(issue, [])) };
}

export function toConfigError(issues: readonly RawIssue[], source?: string): ConfigError {
  const formatted: ConfigIssue[] = issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  return new ConfigError(formatted, source === undefined ? {} : { source });
}

/** Parses with our messages, or throws a ConfigError listing every issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = safeParse(schema, input);
  if (!result.ok) throw toConfigError(result.issues);
  return result.value;
}

/** Re-reports issues found elsewhere (a nested parse, a cross-field check) inside a zod transform. */
export function pushIssues(
  ctx: { issues: z.core.$ZodRawIssue[] },
  issues: readonly RawIssue[],
  input: unknown,
): void {
  for (const issue of issues)
    ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input });
}

/** Hand-written validation inside a schema: `fn` reports issues relative to the value. */
export function manual<In, Out>(fn: (value: In, issues: RawIssue[]) => Out) {
  return z.custom<In>().transform((value, ctx): Out => {
    // z.custom accepts anything, undefined included: a missing required value is reported here.
    if (value === undefined) {
      pushIssues(ctx, [{ path: [], message: 'required' }], value);
      return z.NEVER;
    }
    const issues: RawIssue[] = [];
    const out = fn(value, issues);
    pushIssues(ctx, issues, value);
    return issues.length > 0 ? z.NEVER : out;
  });
}

/** A zod refinement from a `value → error message | undefined` check. */
export function check<T>(fn: (value: T) => string | undefined) {
  return (value: T, ctx: z.RefinementCtx) => {
    const message = fn(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };
}

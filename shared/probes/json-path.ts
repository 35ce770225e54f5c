/**
 * JSONPath for `assert.json[].path` (jsonpath-plus), limited so a caller's path cannot run code or
 * make the work explode: no filter or script expressions (`?(…)`, `(…)`; evaluation is off as well,
 * eval: false), at most one recursive descent (`..`: two nest and the work grows with the body's size
 * squared), unions fanning out to at most MAX_FANOUT branches in all (`$[0,0][0,0]…` multiplies), and a
 * recursive descent only over documents whose values × nesting depth (what jsonpath-plus's descent
 * costs: it copies the path at every value) stays within MAX_DESCENT_WORK. Measured on a loaded
 * 2-core machine: a 1 MB body of 488,000 values 61 levels deep took 4.8 s for `$..*`; the limit keeps
 * a descent under ~0.2 s.
 * Config validation and the prober share pathError, so a refused path is a config/API error first.
 */
import { JSONPath } from 'jsonpath-plus';

export const MAX_FANOUT = 16;
export const MAX_DESCENT_WORK = 1_000_000;
const MAX_PATH_LENGTH = 512;

/** Why `path` is refused, or undefined: one sentence naming the path. */
export function pathError(path: string): string | undefined {
  const refuse = (why: string) => `JSON path ${JSON.stringify(path)} is not supported: ${why}`;
  if (!path.startsWith('$')) return 'expected a JSONPath starting with "$" (like $.status)';
  if (path.length > MAX_PATH_LENGTH) return refuse(`longer than ${MAX_PATH_LENGTH} characters`);
  let segments: string[];
  try {
    segments = JSONPath.toPathArray(path);
  } catch (err) {
    return `JSON path ${JSON.stringify(path)} is invalid: ${(err as Error).message}`;
  }
  if (segments.some((s) => s.startsWith('?') || s.startsWith('('))) {
    return refuse(
      'filter and script expressions (?(…) and (…)) are not evaluated; select by name, index or slice',
    );
  }
  if (segments.filter((s) => s === '..').length > 1) return refuse('at most one recursive descent (..)');
  const fanout = segments.reduce((product, s) => product * unionSize(s), 1);
  if (fanout > MAX_FANOUT) return refuse(`its unions select more than ${MAX_FANOUT} branches in all`);
  return undefined;
}

/** Members of a union segment ('a','b' or 0,1,2); 1 for any other segment. Quoted commas do not count. */
function unionSize(segment: string): number {
  const unquoted = segment.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, '');
  return unquoted.split(',').length;
}

/** Values × deepest nesting of a parsed JSON value, counted iteratively (a deep body must not overflow the stack). */
function descentWork(doc: unknown): { values: number; depth: number } {
  let values = 0;
  let depth = 0;
  const stack: [unknown, number][] = [[doc, 1]];
  while (stack.length > 0) {
    const [value, level] = stack.pop() as [unknown, number];
    values++;
    depth = Math.max(depth, level);
    if (typeof value !== 'object' || value === null) continue;
    for (const child of Object.values(value)) stack.push([child, level + 1]);
  }
  return { values, depth };
}

/** The values `path` selects in `doc`, or why it cannot be evaluated. */
export function selectJson(doc: unknown, path: string): unknown[] | { error: string } {
  const refused = pathError(path);
  if (refused) return { error: refused };
  if (path.includes('..')) {
    const { values, depth } = descentWork(doc);
    if (values * depth > MAX_DESCENT_WORK) {
      return {
        error: `JSON path ${path}: a recursive descent (..) over this body is too much work (${values} values × ${depth} levels, over ${MAX_DESCENT_WORK}); name the path to the value instead`,
      };
    }
  }
  try {
    return JSONPath({ path, json: doc as object, wrap: true, eval: false }) as unknown[];
  } catch (err) {
    return { error: `JSON path ${path} is invalid: ${(err as Error).message}` };
  }
}

/**
 * The project's import graph, read straight from the sources: every static `import … from`,
 * `export … from`, side-effect `import '…'` and dynamic `import('…')` with a literal specifier.
 * Enough for the walls test (test/architecture/walls.test.ts); not a TypeScript parser: only statements
 * that start a line count, so a specifier quoted inside a comment or a string never does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportEdge {
  /** Importing file, repo-relative with forward slashes. */
  from: string;
  /** Repo-relative path of a local module, or the bare package name ('node:net', '@aws-sdk/client-sns'). */
  to: string;
  local: boolean;
  /** `import type` / `export type`: erased at build time, no runtime dependency. */
  typeOnly: boolean;
  /** The names a static import binds (`{ isIP, connect as c }` → isIP, connect), '*' for a namespace or default. */
  names: string[] | '*';
  /** 1-based line of the statement. */
  line: number;
}

const STATIC_START = /^\s*(import|export)\b/;
const FROM = /\bfrom\s*['"]([^'"]+)['"]/;
const SIDE_EFFECT = /^\s*import\s*['"]([^'"]+)['"]/;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const LINE_COMMENT = /^\s*(\/\/|\*|\/\*)/;

const posix = (path: string) => path.split(sep).join('/');

/** Every .ts file under these repo-relative roots (files or folders), skipping node_modules. */
export function sourceFiles(repo: string, roots: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    const entries = readdirSync(path, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name === 'node_modules') continue;
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) out.push(posix(relative(repo, full)));
    }
  };
  for (const root of roots) {
    if (root.endsWith('.ts')) out.push(root);
    else walk(join(repo, root));
  }
  return out.sort();
}

export function importsOf(repo: string, file: string): ImportEdge[] {
  const lines = readFileSync(join(repo, file), 'utf8').split('\n');
  const edges: ImportEdge[] = [];
  const add = (specifier: string, line: number, statement = '') => {
    const local = specifier.startsWith('.');
    const to = local ? posix(relative(repo, resolve(repo, dirname(file), specifier))) : specifier;
    const typeOnly = /^\s*(import|export)\s+type\b/.test(statement);
    edges.push({ from: file, to, local, typeOnly, names: namesOf(statement), line });
  };

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    if (LINE_COMMENT.test(text)) continue;
    for (const m of text.matchAll(DYNAMIC)) add(m[1] as string, i + 1);
    if (!STATIC_START.test(text)) continue;
    const sideEffect = SIDE_EFFECT.exec(text);
    if (sideEffect) {
      add(sideEffect[1] as string, i + 1);
      continue;
    }
    // A statement spans lines until its `from '…'` (or ends without one: a local export).
    for (let j = i; j < lines.length && j < i + 200; j++) {
      const part = lines[j] as string;
      const from = FROM.exec(part);
      if (from) {
        add(from[1] as string, i + 1, lines.slice(i, j + 1).join(' '));
        i = j;
        break;
      }
      if (/;\s*$/.test(part) || (j > i && STATIC_START.test(part))) break;
    }
  }
  return edges;
}

/** The bound names of `import { a, type b, c as d } from`; '*' when it binds a namespace or a default. */
function namesOf(statement: string): string[] | '*' {
  const clause = /^\s*(?:import|export)\s+(?:type\s+)?([\s\S]*?)\s*\bfrom\b/.exec(statement)?.[1] ?? '';
  const braces = /\{([^}]*)\}/.exec(clause);
  const outside = clause.replace(/\{[^}]*\}/, '').replace(/[,\s]/g, '');
  if (!braces || outside !== '') return '*';
  return (braces[1] as string)
    .split(',')
    .map(
      (n) =>
        n
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0] as string,
    )
    .filter((n) => n !== '');
}

/** Strongly connected components of more than one node (or a self-loop): the cycles of a graph. */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

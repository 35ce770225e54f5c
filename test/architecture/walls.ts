/**
 * The walls between netprobe's parts (docs/architecture.md), as rules over the import graph.
 * Pure over edges, so the rules themselves are tested on made-up edges as well as on the real tree.
 */
import { cycles, type ImportEdge } from './import-graph.ts';

/**
 * The part a file belongs to: `shared/<folder>` for shared code, the top folder otherwise.
 * shared/domain and shared/ports are one part, the core: the ports are the core's interfaces, written
 * in its types (Finding, Incident, Notification), and the core's engine drives them.
 */
export function partOf(path: string): string {
  const [top, folder, file] = path.split('/');
  if (top === 'shared' && file !== undefined) {
    return folder === 'domain' || folder === 'ports' ? 'core' : `shared/${folder}`;
  }
  // shared/errors.ts, shared/naming.ts: leaf modules every part may use.
  if (top === 'shared') return path;
  return top as string;
}

const AWS_PACKAGES =
  /^(@aws-sdk\/|@aws-lambda-powertools\/|@middy\/|aws-lambda$|aws-cdk-lib|constructs$|@smithy\/)/;

export interface Violation {
  edge: ImportEdge;
  rule: string;
}

interface Wall {
  rule: string;
  /** Does this wall apply to imports made by `from`? */
  applies: (from: string) => boolean;
  crosses: (edge: ImportEdge) => boolean;
}

const inside =
  (...prefixes: string[]) =>
  (path: string) =>
    prefixes.some((p) => path.startsWith(p));
const isAdapterHandlerCdkOrCli = inside(
  'shared/adapters/',
  'shared/lab/',
  'functions/',
  'infra/',
  'cli/',
  'bin/',
);

export const WALLS: readonly Wall[] = [
  {
    rule: 'shared/probes imports nothing of the domain, ports, adapters, config, engine or AWS',
    applies: inside('shared/probes/'),
    crosses: (e) =>
      e.local ? !(e.to.startsWith('shared/probes/') || e.to === 'shared/errors.ts') : AWS_PACKAGES.test(e.to),
  },
  {
    rule: 'shared/domain and shared/ports import no adapter, handler, CDK, CLI, config or engine module, and no AWS',
    applies: inside('shared/domain/', 'shared/ports/'),
    crosses: (e) =>
      e.local
        ? isAdapterHandlerCdkOrCli(e.to) || inside('shared/config/', 'shared/engine/')(e.to)
        : AWS_PACKAGES.test(e.to),
  },
  {
    rule: 'runtime code (shared/, functions/) imports nothing from infra/',
    applies: inside('shared/', 'functions/'),
    crosses: (e) => e.local && e.to.startsWith('infra/'),
  },
];

export function wallViolations(edges: readonly ImportEdge[]): Violation[] {
  const found: Violation[] = [];
  for (const wall of WALLS) {
    for (const edge of edges)
      if (wall.applies(edge.from) && wall.crosses(edge)) found.push({ edge, rule: wall.rule });
  }
  return [...found, ...domainIo(edges)];
}

/** Node modules that open sockets or resolve names. */
const NETWORK_MODULES = new Set([
  'node:dns',
  'node:dns/promises',
  'node:dgram',
  'node:tls',
  'node:http',
  'node:https',
  'node:http2',
]);
/** node:net is also the home of pure address checks; only these names of it do no I/O. */
const PURE_NET_NAMES = new Set(['isIP', 'isIPv4', 'isIPv6']);

function opensSockets(edge: ImportEdge): boolean {
  if (edge.local || edge.typeOnly) return false;
  if (NETWORK_MODULES.has(edge.to)) return true;
  return edge.to === 'node:net' && (edge.names === '*' || edge.names.some((n) => !PURE_NET_NAMES.has(n)));
}

/**
 * The domain does no network I/O: no file of it reaches, through runtime (non-type) imports, a module
 * that opens sockets or resolves names. The domain decides which checks to run; shared/engine runs them.
 */
function domainIo(edges: readonly ImportEdge[]): Violation[] {
  const runtime = new Map<string, ImportEdge[]>();
  for (const e of edges) if (!e.typeOnly) runtime.set(e.from, [...(runtime.get(e.from) ?? []), e]);
  const memo = new Map<string, boolean>();
  const reachesIo = (file: string, seen: Set<string>): boolean => {
    const known = memo.get(file);
    if (known !== undefined) return known;
    if (seen.has(file)) return false;
    seen.add(file);
    const result = (runtime.get(file) ?? []).some(
      (e) => opensSockets(e) || (e.local && reachesIo(e.to, seen)),
    );
    memo.set(file, result);
    return result;
  };
  const rule = 'shared/domain does no network I/O (the domain plans checks, shared/engine runs them)';
  return edges
    .filter((e) => e.from.startsWith('shared/domain/') && !e.typeOnly)
    .filter((e) => opensSockets(e) || (e.local && reachesIo(e.to, new Set())))
    .map((edge) => ({ edge, rule }));
}

function graphOf(pairs: Iterable<[string, string]>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    graph.get(a)?.add(b);
  }
  return graph;
}

/** Cycles between parts (each an alphabetical list of the parts involved). */
export function partCycles(edges: readonly ImportEdge[]): string[][] {
  const between = edges.filter((e) => e.local && partOf(e.from) !== partOf(e.to));
  return cycles(graphOf(between.map((e) => [partOf(e.from), partOf(e.to)])));
}

/** Cycles between files. */
export function fileCycles(edges: readonly ImportEdge[]): string[][] {
  return cycles(graphOf(edges.filter((e) => e.local).map((e) => [e.from, e.to])));
}

export function describe(v: Violation): string {
  return `${v.edge.from}:${v.edge.line} imports ${v.edge.to} (${v.rule})`;
}

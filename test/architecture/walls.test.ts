import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importsOf, sourceFiles } from './import-graph.ts';
import { describe as describeViolation, fileCycles, partCycles, partOf, wallViolations } from './walls.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The source tree the walls hold for (tests, benchmarks and scripts may reach anywhere). */
const ROOTS = ['shared', 'functions', 'cli', 'infra', 'bin', 'monitors.config.ts'];

const edges = sourceFiles(REPO, ROOTS).flatMap((file) => importsOf(REPO, file));

const local = (from: string, to: string, typeOnly = false): ImportEdge => ({
  from,
  to,
  local: true,
  typeOnly,
  names: '*',
  line: 1,
});
const pkg = (from: string, to: string, names: string[] | '*' = '*'): ImportEdge => ({
  from,
  to,
  local: false,
  typeOnly: false,
  names,
  line: 1,
});

describe('the walls of the source tree (docs/architecture.md)', () => {
  it('reads the imports of the tree (static, multi-line, re-exports, dynamic)', () => {
    expect(edges.length).toBeGreaterThan(300);
    // A multi-line import and a re-export are both seen.
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'cli/commands/replay.ts', to: 'shared/domain/replay.ts', local: true }),
    );
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'infra/naming.ts', to: 'shared/naming.ts', local: true }),
    );
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'shared/adapters/dynamodb-store.ts', to: '@aws-sdk/lib-dynamodb' }),
    );
    // Bound names and type-only imports are read too.
    expect(edges).toContainEqual(
      expect.objectContaining({
        from: 'shared/domain/ssrf.ts',
        to: 'node:net',
        names: ['isIP'],
        typeOnly: false,
      }),
    );
    expect(edges).toContainEqual(
      expect.objectContaining({
        from: 'shared/domain/finding.ts',
        to: 'shared/probes/types.ts',
        typeOnly: true,
      }),
    );
  });

  it('no import crosses a wall', () => {
    expect(wallViolations(edges).map(describeViolation)).toEqual([]);
  });

  it('every error class extends NetprobeError (shared/errors.ts), none the built-in errors directly', () => {
    const direct = sourceFiles(REPO, ROOTS)
      .filter((file) => file !== 'shared/errors.ts')
      .filter((file) =>
        /\bclass \w+ extends (Error|TypeError|RangeError|SyntaxError)\b/.test(
          readFileSync(join(REPO, file), 'utf8'),
        ),
      );
    expect(direct).toEqual([]);
  });

  it('no cycle between parts, none between files', () => {
    expect(partCycles(edges)).toEqual([]);
    expect(fileCycles(edges)).toEqual([]);
  });
});

describe('the wall rules catch each crossing', () => {
  it.each([
    ['shared/probes/http.ts', 'shared/domain/finding.ts'],
    ['shared/probes/dns.ts', 'shared/adapters/memory-store.ts'],
    ['shared/probes/tcp.ts', 'shared/config/types.ts'],
    ['shared/domain/replay.ts', 'shared/adapters/memory-store.ts'],
    ['shared/domain/incident-assess.ts', 'shared/config/types.ts'],
    ['shared/ports/store.ts', 'functions/escalator/handler.ts'],
    ['shared/domain/escalation.ts', 'cli/main.ts'],
    ['shared/domain/escalation.ts', 'shared/lab/pages.ts'],
    ['functions/shared/aws/sns.ts', 'infra/naming.ts'],
    ['shared/lab/pages.ts', 'infra/naming.ts'],
  ])('%s → %s', (from, to) => {
    expect(wallViolations([local(from, to)])).toHaveLength(1);
  });

  it.each([
    ['shared/probes/http.ts', '@aws-sdk/client-sns'],
    ['shared/domain/escalation.ts', '@aws-sdk/lib-dynamodb'],
    ['shared/ports/store.ts', 'aws-lambda'],
  ])('%s → package %s', (from, to) => {
    expect(wallViolations([pkg(from, to)])).toHaveLength(1);
  });

  it('the domain does no network I/O, not even through a probe module', () => {
    expect(wallViolations([pkg('shared/domain/triage.ts', 'node:dns')])).toHaveLength(1);
    expect(wallViolations([pkg('shared/domain/ssrf.ts', 'node:net', ['isIP', 'connect'])])).toHaveLength(1);
    const throughProbes = [
      local('shared/domain/triage.ts', 'shared/probes/index.ts'),
      local('shared/probes/index.ts', 'shared/probes/tcp.ts'),
      pkg('shared/probes/tcp.ts', 'node:net', ['connect', 'isIP']),
    ];
    expect(wallViolations(throughProbes).map((v) => v.edge.from)).toEqual(['shared/domain/triage.ts']);
    // Types are erased: naming a probe's result type is no I/O.
    expect(
      wallViolations([
        local('shared/domain/triage.ts', 'shared/probes/tcp.ts', true),
        ...throughProbes.slice(2),
      ]),
    ).toEqual([]);
  });

  it('lets the allowed directions through', () => {
    const allowed = [
      local('shared/domain/escalation.ts', 'shared/ports/store.ts'),
      local('shared/ports/store.ts', 'shared/domain/finding.ts'),
      local('shared/config/types.ts', 'shared/domain/policy.ts'),
      local('shared/adapters/memory-store.ts', 'shared/ports/store.ts'),
      local('functions/shared/aws/sns.ts', 'shared/naming.ts'),
      local('infra/naming.ts', 'shared/naming.ts'),
      local('shared/probes/http.ts', 'shared/errors.ts'),
      pkg('shared/adapters/dynamodb-store.ts', '@aws-sdk/lib-dynamodb'),
      pkg('shared/probes/dns.ts', 'node:dgram'),
      pkg('shared/domain/ssrf.ts', 'node:net', ['isIP']),
    ];
    expect(wallViolations(allowed)).toEqual([]);
  });

  it('finds a cycle between folders and between files', () => {
    const cycle = [
      local('shared/domain/incident-assess.ts', 'shared/config/types.ts'),
      local('shared/config/types.ts', 'shared/domain/finding.ts'),
    ];
    expect(partCycles(cycle)).toEqual([['core', 'shared/config']]);
    expect(
      fileCycles([...cycle, local('shared/domain/finding.ts', 'shared/domain/incident-assess.ts')]),
    ).toEqual([['shared/config/types.ts', 'shared/domain/finding.ts', 'shared/domain/incident-assess.ts']]);
  });

  it('names the parts: folders of shared/, the core, leaf modules, top folders', () => {
    expect(partOf('shared/domain/finding.ts')).toBe('core');
    expect(partOf('shared/ports/store.ts')).toBe('core');
    expect(partOf('shared/probes/dns.ts')).toBe('shared/probes');
    expect(partOf('shared/errors.ts')).toBe('shared/errors.ts');
    expect(partOf('functions/escalator/handler.ts')).toBe('functions');
    expect(partOf('monitors.config.ts')).toBe('monitors.config.ts');
  });
});

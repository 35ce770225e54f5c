import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../shared/config/define.ts';
import { DEFAULT_CONFIG_PATH, loadConfig, readConfigInput } from '../../shared/config/load.ts';
import { rejectsWithConfigError } from './catch-config-error.ts';

const run = promisify(execFile);
const DEFINE_URL = pathToFileURL(resolve('shared/config/define.ts')).href;
const MINIMAL = {
  homeRegion: 'us-east-1',
  regions: ['us-east-1'],
  monitors: [{ id: 'api-health', interval: '1m', url: 'https://api.example.com/health' }],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netprobe-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('loadConfig', () => {
  it('loads the example monitors.config.ts from the default path', async () => {
    expect(DEFAULT_CONFIG_PATH).toBe('./monitors.config.ts');
    const config = await loadConfig();

    expect(config.homeRegion).toBe('us-east-1');
    expect(config.regions).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    // The example shows every probe form users copy: DNS both modes, TCP, TLS, HTTP and HTTPS with a CDN.
    const probes = config.monitors.map((m) => m.probe);
    expect(probes.filter((p) => p.kind === 'dns').map((p) => p.mode)).toEqual(
      expect.arrayContaining(['recursive', 'authoritative']),
    );
    expect(probes.some((p) => p.kind === 'tcp' && !p.tls)).toBe(true);
    expect(probes.some((p) => p.kind === 'tcp' && p.tls)).toBe(true);
    expect(probes.some((p) => p.kind === 'http' && p.url.startsWith('http:'))).toBe(true);
    expect(config.monitors.some((m) => m.cdn && m.probe.kind === 'http' && m.probe.assert.status)).toBe(true);
  });

  it('loads a .ts module written with defineConfig', async () => {
    const path = await file(
      'ok.config.ts',
      `import { defineConfig } from '${DEFINE_URL}';\n` +
        `const interval: string = '5m';\n` +
        `export default defineConfig({ ...${JSON.stringify(MINIMAL)}, concurrency: 4 });\n`,
    );

    const config = await loadConfig(path);

    expect(config.concurrency).toBe(4);
    expect(config.monitors[0]).toMatchObject({ id: 'api-health', intervalMinutes: 1 });
  });

  it('loads a .json file', async () => {
    const path = await file('ok.json', JSON.stringify(MINIMAL));

    expect((await loadConfig(path)).monitors[0]?.probe).toMatchObject({ kind: 'http' });
  });

  it('names the file in front of every issue', async () => {
    const path = await file('bad-values.json', JSON.stringify({ ...MINIMAL, concurrency: 0, namespace: '' }));

    const err = await rejectsWithConfigError(loadConfig(path));

    expect(err.message).toBe(
      [
        `${path}: namespace: expected 1-255 of A-Z a-z 0-9 . _ - / # :`,
        `${path}: concurrency: expected 1-1000`,
      ].join('\n'),
    );
  });

  it.each([
    ['missing.json', null, 'file not found'],
    ['config.yaml', 'a: 1', 'unsupported file type ".yaml" (use .ts or .json)'],
    [
      'no-default.config.ts',
      'export const config = {};\n',
      'no default export (write `export default defineConfig({ … })`)',
    ],
  ])('%s → %s', async (name, content, message) => {
    const path = content === null ? join(dir, name) : await file(name, content);

    const err = await rejectsWithConfigError(loadConfig(path));

    expect(err.issues).toEqual([{ path: '', message }]);
    expect(err.message).toBe(`${path}: ${message}`);
  });

  it('reports a JSON syntax error with the parser message', async () => {
    const path = await file('broken.json', '{ "homeRegion": "us-east-1", }');

    const err = await rejectsWithConfigError(loadConfig(path));

    expect(err.message).toMatch(new RegExp(`^${escapeRegExp(path)}: invalid JSON: .*position`));
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('reports a TypeScript module that does not compile or throws while loading', async () => {
    const syntax = await file('syntax.config.ts', 'export default {\n');
    const throws = await file(
      'throws.config.ts',
      "throw new Error('CA file not readable');\nexport default {};\n",
    );

    expect((await rejectsWithConfigError(loadConfig(syntax))).message).toMatch(
      new RegExp(`^${escapeRegExp(syntax)}: cannot load: `),
    );
    expect((await rejectsWithConfigError(loadConfig(throws))).message).toBe(
      `${throws}: cannot load: CA file not readable`,
    );
  });

  it('refuses a directory', async () => {
    const path = join(dir, 'folder.json');
    await mkdir(path);

    expect((await rejectsWithConfigError(loadConfig(path))).message).toBe(`${path}: not a file`);
  });

  it('loads a .ts config under plain Node 24 (type stripping), as the CLI does', async () => {
    const path = await file(
      'node.config.ts',
      `import { defineConfig } from '${DEFINE_URL}';\n` +
        `type Team = 'cdn-team';\nconst team: Team = 'cdn-team';\n` +
        `export default defineConfig({ ...${JSON.stringify(MINIMAL)}, monitors: [{ ...${JSON.stringify(MINIMAL.monitors[0])}, team }] });\n`,
    );
    const script = `import { loadConfig } from '${pathToFileURL(resolve('shared/config/load.ts')).href}';
      const config = await loadConfig(${JSON.stringify(path)});
      process.stdout.write(JSON.stringify(config.monitors[0]));`;

    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);

    expect(JSON.parse(stdout)).toMatchObject({ id: 'api-health', team: 'cdn-team' });
  });
});

describe('readConfigInput and defineConfig', () => {
  it('returns the config as written, before defaults', async () => {
    const path = await file('raw.json', JSON.stringify(MINIMAL));

    expect(await readConfigInput(path)).toEqual(MINIMAL);
  });

  it('defineConfig is the identity', () => {
    const input = defineConfig(MINIMAL);
    expect(input).toBe(MINIMAL);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

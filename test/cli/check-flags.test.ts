import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckFlags,
  checkSpec,
  headerSecrets,
  latencyThresholds,
  parseHeaders,
} from '../../cli/check-flags.ts';
import { UsageError } from '../../cli/exit.ts';
import { argvSecrets } from '../../cli/secrets.ts';
import { ConfigError } from '../../shared/config/errors.ts';
import type { NetprobeError } from '../../shared/errors.ts';
import { createCa } from '../../shared/lab/certs.ts';
import type { HttpSpec } from '../../shared/probes/spec.ts';
import { checkFlags } from './fixtures/check-flags.ts';

const HTTP = 'https://127.0.0.1:8443/health';
const DNS = 'dns://127.0.0.1:5300/www.example.test?type=A';
const TCP = 'tcp://127.0.0.1:5432';
const TLS = 'tls://127.0.0.1:8443';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netprobe-cli-flags-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkSpec', () => {
  it('maps HTTP flags onto the spec', async () => {
    const spec = await checkSpec(
      HTTP,
      checkFlags({
        timeout: '1500ms',
        maxLatency: ['300ms', 'ttfb=200ms'],
        header: ['Authorization: Bearer abc', 'Accept: application/json'],
        data: '{"a":1}',
        expectStatus: '200-299,304, 4xx',
        expectBody: ['ok'],
        expectHeader: ['Content-Type: json'],
        expectJson: ['$.status=ok'],
        insecure: true,
        servername: 'web.example.test',
      }),
    );
    expect(spec).toMatchObject({
      kind: 'http',
      method: 'POST',
      body: '{"a":1}',
      timeoutMs: 1500,
      thresholds: { total: 300, ttfb: 200 },
      headers: { Authorization: 'Bearer abc', Accept: 'application/json' },
      tls: { insecure: true, serverName: 'web.example.test', certWarnDays: 21 },
      assert: {
        status: [[200, 299], 304, [400, 499]],
        body: [{ contains: 'ok' }],
        headers: { 'content-type': { contains: 'json' } },
        json: [{ path: '$.status', match: { equals: 'ok' } }],
      },
    });
  });

  it('reads the --ca bundle into tls.ca', async () => {
    const ca = await createCa();
    const path = join(dir, 'ca.pem');
    await writeFile(path, ca.certPem);
    const spec = (await checkSpec(HTTP, checkFlags({ ca: path }))) as HttpSpec;
    expect(spec.tls.ca).toBe(ca.certPem);
  });

  it.each([
    ['missing file', 'nope.pem', /^--ca .*nope\.pem: cannot read the CA bundle \(no such file\)$/],
    ['not PEM', 'junk.pem', /^--ca: expected PEM text/],
  ])('refuses a bad --ca (%s), naming the flag', async (_case, name, message) => {
    await writeFile(join(dir, 'junk.pem'), 'hello');
    await expect(checkSpec(HTTP, checkFlags({ ca: join(dir, name) }))).rejects.toThrow(message);
  });

  it('maps DNS flags', async () => {
    const spec = await checkSpec(
      DNS,
      checkFlags({ expectAnswer: ['127.0.0.1', '/^10\\./'], expectRcode: 'nxdomain', minTtl: '60' }),
    );
    expect(spec).toMatchObject({
      kind: 'dns',
      server: { host: '127.0.0.1', port: 5300 },
      assert: { answers: [{ equals: '127.0.0.1' }, { regex: '^10\\.' }], rcode: 'NXDOMAIN', minTtl: 60 },
    });
  });

  it('maps TCP flags, and TLS flags only with tls://', async () => {
    const spec = await checkSpec(
      TCP,
      checkFlags({ send: 'PING\r\n', expectBanner: 'PONG', allAddresses: true }),
    );
    expect(spec).toMatchObject({ send: 'PING\r\n', expect: { contains: 'PONG' }, allAddresses: true });
    expect(spec).not.toHaveProperty('tls');
    await expect(checkSpec(TCP, checkFlags({ insecure: true }))).rejects.toThrow(
      '--insecure applies to tls://, http://, https:// targets, not tcp://',
    );
    expect(await checkSpec(TLS, checkFlags({ insecure: true, timeout: '2s' }))).toMatchObject({
      kind: 'tcp',
      timeoutMs: 2000,
      tls: { insecure: true },
    });
  });

  it('--all-addresses and --partial apply to http(s) as to tcp; --partial takes down or degraded', async () => {
    expect(await checkSpec(HTTP, checkFlags({ allAddresses: true, partial: 'degraded' }))).toMatchObject({
      kind: 'http',
      allAddresses: true,
      partial: 'degraded',
    });
    expect(await checkSpec(TLS, checkFlags({ allAddresses: true, partial: 'degraded' }))).toMatchObject({
      kind: 'tcp',
      allAddresses: true,
      partial: 'degraded',
    });
    await expect(checkSpec(HTTP, checkFlags({ partial: 'sometimes' }))).rejects.toThrow(
      '--partial: expected one of down, degraded (got "sometimes")',
    );
  });

  it('--family takes auto, 4, 6 or both on every scheme', async () => {
    expect(await checkSpec(HTTP, checkFlags({ family: '6' }))).toMatchObject({ family: 6 });
    expect(await checkSpec(TCP, checkFlags({ family: 'both', partial: 'degraded' }))).toMatchObject({
      family: 'both',
      partial: 'degraded',
    });
    expect(await checkSpec(DNS, checkFlags({ family: '4' }))).toMatchObject({ kind: 'dns', family: 4 });
    expect(await checkSpec(HTTP, checkFlags({ family: 'auto' }))).not.toHaveProperty('family');
    await expect(checkSpec(HTTP, checkFlags({ family: '5' }))).rejects.toThrow(
      "--family: expected 'auto', 4, 6 or 'both'",
    );
  });

  it.each([
    [DNS, { expectStatus: '200' }, '--expect-status applies to http://, https:// targets, not dns://'],
    [TCP, { header: ['a: b'] }, '--header applies to http://, https:// targets, not tcp://'],
    [HTTP, { expectAnswer: ['1.2.3.4'] }, '--expect-answer applies to dns:// targets, not https://'],
    [HTTP, { minTtl: '5' }, '--min-ttl applies to dns:// targets'],
    [HTTP, { send: 'x' }, '--send applies to tcp://, tls:// targets'],
  ] as [string, Partial<CheckFlags>, string][])(
    'refuses a flag that does not apply: %#',
    async (url, partial, message) => {
      const err = await checkSpec(url, checkFlags(partial)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(message);
    },
  );

  it.each([
    [{ timeout: '2x' }, ConfigError, '--timeout: "2x" is not a duration'],
    [{ timeout: '0ms' }, UsageError, '--timeout: must be more than 0 ms'],
    [{ timeout: '1s', maxLatency: ['2s'] }, ConfigError, '--max-latency: 2s is not below the timeout (1s)'],
    [{ maxLatency: ['foo=1s'] }, UsageError, '--max-latency: unknown phase "foo"'],
    [{ maxRedirects: '-1' }, UsageError, '--max-redirects: "-1" is not a whole number'],
    [{ maxRedirects: '99' }, ConfigError, '--max-redirects: expected 0-30'],
    [{ method: 'GE T' }, ConfigError, '--method: expected an HTTP method'],
    [{ expectStatus: '200-' }, ConfigError, '--expect-status: "200-" is not a status'],
    [{ expectStatus: '700' }, ConfigError, '--expect-status: expected 100-599'],
    [{ expectJson: ['status=ok'] }, ConfigError, '--expect-json: expected a JSONPath starting with "$"'],
    [{ expectJson: ['nothing'] }, UsageError, '--expect-json: "nothing" is not'],
    [{ expectHeader: ['novalue'] }, UsageError, '--expect-header: "novalue" is not "name:value"'],
  ] as [Partial<CheckFlags>, typeof NetprobeError, string][])(
    'refuses bad values with the flag named: %#',
    async (partial, type, message) => {
      const err = await checkSpec(HTTP, checkFlags(partial)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toContain(message);
    },
  );

  it('reports a bad URL at path url', async () => {
    await expect(checkSpec('ftp://x', checkFlags())).rejects.toThrow('url: unknown scheme "ftp:"');
    await expect(checkSpec('dns://127.0.0.1/www.example.test?type=BOGUS', checkFlags())).rejects.toThrow(
      'url: unknown record type "BOGUS"',
    );
  });

  it('reports a bad regex answer matcher under its flag', async () => {
    await expect(checkSpec(DNS, checkFlags({ expectAnswer: ['/(/'] }))).rejects.toThrow(
      /^--expect-answer: regex "\(" does not compile/,
    );
  });
});

describe('latencyThresholds', () => {
  it('defaults to total', () => {
    expect(latencyThresholds(['2s', 'dns=50ms'])).toEqual({ total: 2000, dns: 50 });
  });
});

describe('headers and secrets', () => {
  it('parses headers', () => {
    expect(parseHeaders(['X-Api-Key: k1:k2', 'Accept:text/html'])).toEqual({
      'X-Api-Key': 'k1:k2',
      Accept: 'text/html',
    });
  });

  it('never echoes a malformed header value', () => {
    const err = (() => {
      try {
        parseHeaders(['Accept: ok', 'Authorization Bearer hunter2-secret']);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe('--header #2: expected "Name: value" with a valid header name');
  });

  it('collects values of secret-looking headers and the credential after the scheme', () => {
    expect(
      headerSecrets(['Authorization: Bearer tok123', 'Accept: application/json', 'X-Api-Key: k-999']),
    ).toEqual(['Bearer tok123', 'tok123', 'k-999']);
  });

  it('finds secrets in argv before commander sees them', () => {
    expect(
      argvSecrets([
        'check',
        'https://user:p%40ss@example.test/',
        '-H',
        'Cookie: session=s3cr3t',
        '--header=X-Auth-Token: t0ken',
        '-HAuthorization: Basic dXNlcjpwYXNz',
      ]),
    ).toEqual(['p%40ss', 'p@ss', 'session=s3cr3t', 't0ken', 'Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz']);
  });
});

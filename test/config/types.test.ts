/**
 * The schemas must produce exactly the contract types (shared/config/types.ts, shared/probes/spec.ts)
 * and the input type must reject what the schema rejects. These are compile-time facts: the last
 * test runs tsc over this file, so `npm test` fails when the schema and the contract drift apart.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import { defineConfig, type MonitorInput, type NetprobeConfigInput } from '../../shared/config/define.ts';
import { ConfigError } from '../../shared/config/errors.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { dnsInput, httpInput, tcpInput, tlsInput } from '../../shared/config/probe-schema.ts';
import type { netprobeConfigSchema } from '../../shared/config/schema.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { parseTargetUrl } from '../../shared/config/url.ts';
import type { DnsSpec, HttpSpec, ProbeSpec, TcpSpec, TlsOptions } from '../../shared/probes/spec.ts';

type Body<S> = Omit<S, 'timeoutMs' | 'thresholds'>;

describe('schema output types equal the contract', () => {
  it('config, probe blocks and URL specs', () => {
    expectTypeOf<z.output<typeof netprobeConfigSchema>>().toEqualTypeOf<NetprobeConfig>();
    expectTypeOf<z.output<typeof dnsInput>>().toEqualTypeOf<Body<DnsSpec>>();
    expectTypeOf<z.output<typeof tcpInput>>().toEqualTypeOf<Body<TcpSpec>>();
    expectTypeOf<z.output<typeof httpInput>>().toEqualTypeOf<Body<HttpSpec>>();
    expectTypeOf<z.output<typeof tlsInput>>().toEqualTypeOf<TlsOptions>();
    expectTypeOf(parseTargetUrl).returns.toEqualTypeOf<ProbeSpec>();
  });
});

describe('the input type rejects what the schema rejects', () => {
  const base = { homeRegion: 'us-east-1', regions: ['us-east-1'] };

  // Each case is checked twice: by tsc (the @ts-expect-error lines, last test) and by the schema at
  // run time, so the input type and the schema cannot disagree in either direction.
  const accepted = (input: NetprobeConfigInput) =>
    expect(parseConfig(defineConfig(input)).regions).toEqual(base.regions);
  const rejected = (input: unknown) => expect(() => parseConfig(input)).toThrow(ConfigError);
  const one = (monitor: MonitorInput) => defineConfig({ ...base, monitors: [monitor] });

  it('exactly one probe kind per monitor, no unknown keys', () => {
    accepted({
      ...base,
      monitors: [
        { id: 'ok-url', interval: '1m', url: 'https://example.com' },
        { id: 'ok-dns', interval: '1m', dns: { name: 'example.com', server: '1.1.1.1' } },
        {
          id: 'ok-tcp',
          interval: '1m',
          tcp: { host: 'db', port: 5432, tls: true, expect: { regex: '^220' } },
        },
        {
          id: 'ok-http',
          interval: '1m',
          http: { url: 'https://example.com', assert: { status: '2xx', body: 'ok' } },
        },
      ],
    });
    rejected(
      // @ts-expect-error two probe kinds
      one({ id: 'two', interval: '1m', url: 'https://example.com', dns: { name: 'example.com' } }),
    );
    // @ts-expect-error no probe kind
    rejected(one({ id: 'none', interval: '1m' }));
    rejected(
      one({
        id: 'typo',
        // @ts-expect-error misspelt key
        intrval: '1m',
        url: 'https://example.com',
      }),
    );
    rejected(
      one({
        id: 'match',
        interval: '1m',
        // @ts-expect-error a Match is a string or one of {equals} {contains} {regex}
        tcp: { host: 'db', port: 1, expect: { like: 'x' } },
      }),
    );
  });

  it("metrics.phaseLatency: 'all', 'none' or a list of PhaseLatency phases", () => {
    accepted({ ...base, metrics: { phaseLatency: 'all' }, monitors: [] });
    accepted({ ...base, metrics: { phaseLatency: 'none' }, monitors: [] });
    accepted({ ...base, metrics: { phaseLatency: ['dns', 'ttfb'] }, monitors: [] });
    // @ts-expect-error a misspelt phase
    rejected(defineConfig({ ...base, metrics: { phaseLatency: ['ttbf'] }, monitors: [] }));
    // @ts-expect-error total is the Latency metric, not a PhaseLatency phase
    rejected(defineConfig({ ...base, metrics: { phaseLatency: ['total'] }, monitors: [] }));
    // @ts-expect-error neither 'all' nor 'none'
    rejected(defineConfig({ ...base, metrics: { phaseLatency: 'some' }, monitors: [] }));
  });

  it('tsc agrees (so these assertions run under npm test)', async () => {
    const tsc = resolve('node_modules/.bin/tsc');
    const result = await promisify(execFile)(tsc, [
      '--noEmit',
      '-p',
      resolve(import.meta.dirname, 'fixtures/tsconfig.json'),
    ]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );

    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });
});

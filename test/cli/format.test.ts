import * as tty from 'node:tty';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { findingDetails } from '../../cli/format/details.ts';
import { findingsTable, formatMs, summaryLine } from '../../cli/format/findings.ts';
import { colored, colorsFor, plain } from '../../cli/format/style.ts';
import { triageLines } from '../../cli/format/triage.ts';
import { createOutput } from '../../cli/output.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { dnsDownFinding, tcpDownFinding, upHttpsFinding } from '../fixtures/findings.ts';

const BASE = { location: 'local:test', startedAt: '2026-11-24T10:00:00.000Z', triage: undefined };

const up = upHttpsFinding({
  ...BASE,
  monitorId: 'api-health',
  timings: { dns: 0, connect: 0.25, tls: 3.14, ttfb: 1.05, transfer: 0.1, total: 4.54 },
  certificate: {
    issuer: 'CN=netprobe lab CA',
    sans: ['IP:127.0.0.1', 'DNS:web.example.test'],
    daysLeft: 30,
  },
  details: {
    url: 'https://127.0.0.1:8443/health',
    remoteAddress: '127.0.0.1:8443',
    bodyBytes: 16,
    cdn: {
      source: 'x-cache',
      cache: 'hit',
      raw: 'Hit from cloudfront',
      provider: 'cloudfront',
      pop: 'FRA56-P1',
      ageSeconds: 42,
    },
  },
});

const down = tcpDownFinding({
  ...BASE,
  monitorId: 'db-port',
  timings: { connect: 0.4, total: 0.6 },
  triage: [
    {
      layer: 'transport',
      check: 'connect to every address',
      target: 'tcp://127.0.0.1:5432',
      status: 'down',
      ms: 0.5,
      error: { code: 'TCP_REFUSED', message: 'refused' },
    },
  ],
});

describe('findingsTable', () => {
  it('prints phases with one decimal, absent phases as -, and the diagnosis under a failure', () => {
    const lines = findingsTable([up, down], plain);
    expect(lines[0]).toMatch(
      /^MONITOR\s+PROBE\s+STATUS\s+DNS\s+CONNECT\s+TLS\s+TTFB\s+TRANSFER\s+TOTAL\s+CODE\s+TARGET$/,
    );
    expect(lines[1]).toMatch(
      /^api-health\s+http\s+up\s+0\.0\s+0\.3\s+3\.1\s+1\.1\s+0\.1\s+4\.5\s+https:\/\/127/,
    );
    expect(lines[2]).toMatch(/^db-port\s+tcp\s+down\s+-\s+0\.4\s+-\s+-\s+-\s+0\.6\s+TCP_REFUSED\s+tcp:\/\//);
    expect(lines[3]).toBe('  ↳ Connect refused by 127.0.0.1:5432; check the listener or security group.');
    // The probe's own message under it: the evidence only --json had before.
    expect(lines[4]).toBe('    TCP_REFUSED: 127.0.0.1:5432 refused the connection');
    expect(lines).toHaveLength(5);
  });

  it('aligns columns: every TOTAL ends at the same offset', () => {
    const lines = findingsTable([up, down], plain);
    const header = lines[0] ?? '';
    const end = header.indexOf('TOTAL') + 'TOTAL'.length;
    expect(lines[1]?.slice(end - 3, end)).toBe('4.5');
    expect(lines[2]?.slice(end - 3, end)).toBe('0.6');
  });

  it('drops the TARGET column when the monitor is the URL (netprobe check)', () => {
    const adHoc = { ...up, monitorId: up.target };
    expect(findingsTable([adHoc], plain)[0]).not.toContain('TARGET');
  });

  it('falls back to the error message when there is no diagnosis (--no-triage)', () => {
    const lines = findingsTable([{ ...down, diagnosis: null }], plain);
    expect(lines.at(-1)).toBe('  ↳ 127.0.0.1:5432 refused the connection');
  });

  it('colors status only when asked, without breaking alignment', () => {
    const lines = findingsTable([up, down], colored);
    expect(lines[2]).toContain('\u001b[31m');
    const strip = (s: string) => stripVTControlCharacters(s);
    expect(lines.map(strip)).toEqual(findingsTable([up, down], plain));
    expect(findingsTable([up, down], plain).join('\n')).not.toContain('\u001b[');
  });
});

describe('details and triage', () => {
  it('shows status line, TLS certificate and CDN cache', () => {
    const text = findingDetails(up, plain).join('\n');
    expect(text).toContain('GET https://127.0.0.1:8443/health → HTTP/1.1 200 from 127.0.0.1:8443, 16 bytes');
    expect(text).toContain('tls TLSv1.3 TLS_AES_128_GCM_SHA256, trusted');
    expect(text).toContain('certificate CN=127.0.0.1, issuer CN=netprobe lab CA');
    expect(text).toContain('(30 days left)');
    expect(text).toContain(
      'cdn cache hit (x-cache: Hit from cloudfront), cloudfront, pop FRA56-P1, age 42 s',
    );
  });

  it.each([
    [-2, '(expired 1 day ago)'],
    [-1, '(expired today)'],
    [0, '(less than a day left)'],
    [1, '(1 day left)'],
  ])('words a certificate with daysLeft %i as the diagnosis does: %s', (daysLeft, words) => {
    const tls = up.details.kind === 'http' ? up.details.tls : undefined;
    const certificate = { ...(tls?.certificate as NonNullable<typeof tls>['certificate']), daysLeft };
    const finding = { ...up, details: { ...up.details, tls: { ...tls, authorized: true, certificate } } };
    expect(findingDetails(finding as Finding, plain).join('\n')).toContain(words);
  });

  it('shows each connect attempt and the triage steps', () => {
    expect(findingDetails(down, plain)).toContain('  connect 127.0.0.1:5432: TCP_REFUSED (refused)');
    const triage = triageLines(down, plain);
    expect(triage[0]).toBe('  triage');
    expect(triage[2]).toMatch(/transport\s+connect to every address\s+down\s+0\.5\s+TCP_REFUSED: refused/);
    expect(triageLines(up, plain)).toEqual([]);
  });

  it('prints DNS answers as dig does, and each nameserver in authoritative mode', () => {
    const dns = dnsDownFinding({
      ...BASE,
      monitorId: 'zone',
      target: 'dns://127.0.0.1:5300/example.test?type=SOA&mode=authoritative',
      status: 'degraded',
      timings: { dns: 1.2, total: 2.5 },
      error: { code: 'DNS_SERIAL_MISMATCH', message: 'serials differ' },
      diagnosis: 'ns2 serves serial 2026112300',
      details: {
        name: 'example.test',
        type: 'SOA',
        query: {
          server: '127.0.0.1:5300',
          transport: 'udp',
          rcode: 'NOERROR',
          flags: { aa: true, tc: false, rd: false, ra: false, ad: false },
          answers: [
            {
              name: 'example.test.',
              type: 'SOA',
              ttl: 3600,
              data: 'ns1.example.test. h. 2026112401 1 1 1 60',
            },
          ],
          queryTimeMs: 1.2,
        },
        zone: 'example.test',
        nameservers: [
          {
            nameserver: 'ns1.example.test',
            address: '127.0.0.1',
            soaSerial: 2026112401,
            server: '127.0.0.1:5300',
            transport: 'udp',
            answers: [],
            queryTimeMs: 0.5,
            rcode: 'NOERROR',
          },
          {
            nameserver: 'ns2.example.test',
            address: '::1',
            soaSerial: 2026112300,
            server: '[::1]:5300',
            transport: 'udp',
            answers: [],
            queryTimeMs: 0.7,
            rcode: 'NOERROR',
          },
        ],
      },
    });
    const text = findingDetails(dns, plain).join('\n');
    expect(text).toContain('server 127.0.0.1:5300 (udp), status NOERROR, flags aa, query time 1.2 ms');
    expect(text).toContain('example.test.\t3600\tIN\tSOA\tns1.example.test.');
    expect(text).toMatch(/ns2\.example\.test\s+::1\s+2026112300\s+NOERROR\s+0\.7/);
  });
});

describe('summary and formatMs', () => {
  it('counts by status', () => {
    expect(summaryLine([up, down, down], plain)).toBe('3 monitors: 1 up, 0 degraded, 2 down');
  });
  it('formats ms', () => {
    expect(formatMs(undefined)).toBe('-');
    expect(formatMs(12.345)).toBe('12.3');
    expect(formatMs(Number.NaN)).toBe('-');
  });
});

describe('colorsFor', () => {
  // A stream that is a terminal, with Node's own color-support check (which reads NO_COLOR and TERM).
  const terminal = {
    isTTY: true,
    hasColors: tty.WriteStream.prototype.hasColors,
  } as unknown as NodeJS.WriteStream;
  const env = {
    NO_COLOR: process.env.NO_COLOR,
    TERM: process.env.TERM,
    FORCE_COLOR: process.env.FORCE_COLOR,
    // Node reports 2 colors under CI=true (unless it recognizes the CI vendor), so CI runs must not leak in.
    CI: process.env.CI,
  };
  afterEach(() => {
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('colors a terminal, but not with NO_COLOR or TERM=dumb', () => {
    delete process.env.FORCE_COLOR;
    delete process.env.NO_COLOR;
    delete process.env.CI;
    process.env.TERM = 'xterm-256color';
    expect(colorsFor(terminal)).toBe(true);
    process.env.NO_COLOR = '1';
    expect(colorsFor(terminal)).toBe(false);
    delete process.env.NO_COLOR;
    process.env.TERM = 'dumb';
    expect(colorsFor(terminal)).toBe(false);
  });

  it('colors a pipe or a file only when FORCE_COLOR asks (and not for FORCE_COLOR=0)', () => {
    const pipe = { ...terminal, isTTY: false } as NodeJS.WriteStream;
    delete process.env.FORCE_COLOR;
    expect(colorsFor(pipe)).toBe(false);
    process.env.FORCE_COLOR = '1';
    expect(colorsFor(pipe)).toBe(true);
    process.env.FORCE_COLOR = '0';
    expect(colorsFor(pipe)).toBe(false);
    expect(colorsFor(terminal)).toBe(false);
  });
});

describe('output scrubbing', () => {
  it('replaces secret values on stdout and stderr, also inside JSON', () => {
    const written: string[] = [];
    const sink = { write: (s: string) => written.push(s) };
    const output = createOutput(sink, sink, false);
    output.addSecrets(['tok"en-1', 'ab']);
    output.out(JSON.stringify({ echoed: 'Bearer tok"en-1' }));
    output.err('saw tok"en-1 and ab');
    expect(written).toEqual(['{"echoed":"Bearer [redacted]"}\n', 'saw [redacted] and ab\n']);
  });
});

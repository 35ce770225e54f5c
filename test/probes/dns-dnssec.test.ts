/**
 * `dnssec: true` against a real signer: knotd on loopback signs its zones on the fly (algorithms 13,
 * 15 and 8, one zone with 2-day signatures, one unsigned), and the prober verifies with node:crypto.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkSpec } from '../../cli/check-flags.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { parseTargetUrl } from '../../shared/config/url.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { findingDatums } from '../../shared/domain/metric-data.ts';
import { dnsProbe } from '../../shared/probes/dns.ts';
import type { DnsSpec } from '../../shared/probes/spec.ts';
import type { DnsDetails, ProbeResult } from '../../shared/probes/types.ts';
import { checkFlags } from '../cli/fixtures/check-flags.ts';
import { command, type Requirement, skipUnless } from '../fixtures/requirements.ts';
import { dnsSpec } from '../fixtures/specs.ts';

const ZONES = { a13: 'p13', b15: 'p15', c8: 'p8', short: 'short', plain: '' } as const;
let knot: Requirement = { met: false, reason: '' };
let dir = '';
let port = 0;
let daemon: ChildProcess | undefined;

function zoneFile(zone: string): string {
  return `$ORIGIN ${zone}.\n$TTL 300\n@ SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\nwww A 127.0.0.5\nwww A 127.0.0.6\n`;
}

function config(): string {
  const zones = Object.entries(ZONES)
    .map(([z, policy]) =>
      policy
        ? `  - domain: ${z}.test\n    dnssec-signing: on\n    dnssec-policy: ${policy}`
        : `  - domain: ${z}.test`,
    )
    .join('\n');
  return `server:\n    listen: 127.0.0.1@${port}\n    rundir: ${dir}\ndatabase:\n    storage: ${dir}\npolicy:\n  - id: p13\n    algorithm: ecdsap256sha256\n  - id: p15\n    algorithm: ed25519\n  - id: p8\n    algorithm: rsasha256\n    ksk-size: 2048\n    zsk-size: 2048\n  - id: short\n    algorithm: ecdsap256sha256\n    rrsig-lifetime: 2d\n    rrsig-refresh: 1d\ntemplate:\n  - id: default\n    storage: ${dir}\nzone:\n${zones}\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

function probe(zone: keyof typeof ZONES, extra: Partial<DnsSpec> = {}): Promise<ProbeResult> {
  const spec = dnsSpec(
    { host: '127.0.0.1', port },
    { name: `www.${zone}.test`, recursionDesired: false, dnssec: true, timeoutMs: 2000, ...extra },
  );
  return dnsProbe(spec, {
    signal: AbortSignal.timeout(spec.timeoutMs),
    deadline: performance.now() + spec.timeoutMs,
  });
}

beforeAll(async () => {
  knot = await command('knotd', ['--version'], 'apt-get install knot');
  if (!knot.met) return;
  dir = mkdtempSync(join(tmpdir(), 'netprobe-knot-'));
  port = await freePort();
  for (const zone of Object.keys(ZONES))
    writeFileSync(join(dir, `${zone}.test.zone`), zoneFile(`${zone}.test`));
  writeFileSync(join(dir, 'knot.conf'), config());
  daemon = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: 'ignore' });
  // Signing keys are made at start: wait (bounded) until every signed zone answers with its RRSIGs.
  for (let i = 0; i < 50; i++) {
    const results = await Promise.all((['a13', 'b15', 'c8', 'short'] as const).map((z) => probe(z)));
    if (results.every((r) => ((r.details as DnsDetails).dnssec?.keys ?? 0) > 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 15_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon?.once('exit', resolve));
    daemon.kill();
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach((ctx) => skipUnless(ctx, knot));

describe('dnssec: true against knot', () => {
  it.each([
    ['a13', 13],
    ['b15', 15],
    ['c8', 8],
  ] as const)('%s.test: the answer and the DNSKEY set verify (algorithm %i)', async (zone, algorithm) => {
    const r = await probe(zone);
    const d = (r.details as DnsDetails).dnssec;

    expect(r.status).toBe('up');
    expect(d).toMatchObject({ signer: `${zone}.test.`, ad: false });
    expect(d?.signatures.map((s) => [s.rrset, s.algorithm, s.valid])).toEqual([
      [`www.${zone}.test. A`, algorithm, true],
      [`${zone}.test. DNSKEY`, algorithm, true],
    ]);
    expect(d?.daysLeft).toBeGreaterThanOrEqual(3);
  });

  it('signatures expiring within dnssecWarnDays are DNS_DNSSEC_EXPIRING, degraded', async () => {
    const r = await probe('short');

    expect(r).toMatchObject({ status: 'degraded', layer: 'dns', error: { code: 'DNS_DNSSEC_EXPIRING' } });
    expect(r.error?.message).toMatch(
      /^signature over .* by short\.test\. \(key \d+\) expires on .* \(1 days left\), under 3 days$/,
    );
    expect((await probe('short', { dnssecWarnDays: 1 })).status).toBe('up');
  });

  it('an unsigned zone is DNS_DNSSEC_INVALID, down', async () => {
    const r = await probe('plain');

    expect(r).toMatchObject({ status: 'down', layer: 'dns', error: { code: 'DNS_DNSSEC_INVALID' } });
    expect(r.error?.message).toMatch(/^DNSSEC: /);
  });
});

describe('dnssec: true in authoritative mode: every nameserver', () => {
  it("checks each nameserver's signatures against the DNSKEY set it serves", async () => {
    // knot is the zone's nameserver on the test port too: nsPort says so (authoritative mode asks on 53).
    const signed = await probe('a13', { mode: 'authoritative', nsPort: port });
    const ns = (signed.details as DnsDetails).nameservers ?? [];
    expect(signed.status).toBe('up');
    expect(ns.map((n) => [n.nameserver, n.dnssec?.signatures.every((s) => s.valid)])).toEqual([
      ['ns.a13.test.', true],
    ]);

    const unsigned = await probe('plain', { mode: 'authoritative', nsPort: port });
    expect(unsigned).toMatchObject({ status: 'down', error: { code: 'DNS_DNSSEC_INVALID' } });
    expect(unsigned.error?.message).toMatch(/^DNSSEC: .* from ns\.plain\.test\. \(127\.0\.0\.1:\d+\)/);

    const short = await probe('short', { mode: 'authoritative', nsPort: port });
    expect(short).toMatchObject({ status: 'degraded', error: { code: 'DNS_DNSSEC_EXPIRING' } });
  });
});

describe('how dnssec is asked for', () => {
  it('dnssec=1 in dns:// URLs, --dnssec on check, dnssecWarnDays in the dns block (default 3)', async () => {
    expect(parseTargetUrl('dns://127.0.0.1/www.example.test?type=A&dnssec=1')).toMatchObject({
      kind: 'dns',
      dnssec: true,
    });
    expect(parseTargetUrl('dns://127.0.0.1/www.example.test')).not.toHaveProperty('dnssec');
    expect(() => parseTargetUrl('dns://127.0.0.1/www.example.test?dnssec=yes')).toThrow(
      'url: dnssec must be 1 or 0 (got "yes")',
    );
    expect(await checkSpec('dns://127.0.0.1/www.example.test', checkFlags({ dnssec: true }))).toMatchObject({
      dnssec: true,
    });
    const config = parseConfig(
      {
        homeRegion: 'us-east-1',
        regions: ['us-east-1'],
        monitors: [
          {
            id: 'zone',
            interval: '5m',
            dns: { name: 'example.test', server: '127.0.0.1', dnssec: true, dnssecWarnDays: 7 },
          },
        ],
      },
      'test',
    );
    expect(config.monitors[0]?.probe).toMatchObject({ dnssec: true, dnssecWarnDays: 7 });
  });

  it('DnssecDaysRemaining is the first signature to expire', async () => {
    const finding = {
      ...(await probe('short')),
      monitorId: 'zone',
      location: 'us-east-1',
      startedAt: new Date().toISOString(),
    };
    const datums = findingDatums(finding as unknown as Finding);
    expect(datums.find((d) => d.name === 'DnssecDaysRemaining')).toMatchObject({ value: 1, unit: 'Count' });
  });
});

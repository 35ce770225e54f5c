import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import {
  DEFAULT_VANTAGE_RULE,
  impairedLocations,
  nextVantageState,
  runOf,
  vantageDedupKey,
} from '../../shared/domain/vantage.ts';

const RUN = '2026-12-02T07:00:00.000Z';
const MONITORS = ['api', 'www', 'shop', 'auth'];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];

function finding(monitorId: string, location: string, up: boolean, offsetMs = 1_234): Finding {
  const startedAt = new Date(Date.parse(RUN) + offsetMs).toISOString();
  const target = `https://${monitorId}.example.com/`;
  return up
    ? {
        monitorId,
        location,
        startedAt,
        probe: 'tcp',
        target,
        status: 'up',
        timings: { dns: 4.1, connect: 12.3, total: 16.4 },
        error: null,
        layer: null,
        details: { kind: 'tcp', host: `${monitorId}.example.com`, port: 443, remoteAddress: '192.0.2.20' },
        issueType: null,
        diagnosis: null,
      }
    : ({
        monitorId,
        location,
        startedAt,
        probe: 'tcp',
        target,
        status: 'down',
        timings: { dns: 4.1, connect: 5000.2, total: 5004.3 },
        error: { code: 'TCP_TIMEOUT', message: 'no TCP handshake with 192.0.2.20:443 within 5000 ms' },
        layer: 'transport',
        details: { kind: 'tcp', host: `${monitorId}.example.com`, port: 443, remoteAddress: '192.0.2.20' },
        issueType: 'tcp',
        diagnosis: 'Transport: 192.0.2.20:443 accepts no connections (timeout).',
      } as Finding);
}

/** Every monitor from every region; `failing` lists [location, monitorId] pairs that fail. */
function run(failing: [string, string][], monitors = MONITORS, regions = REGIONS): Finding[] {
  const fails = new Set(failing.map(([l, m]) => `${l}/${m}`));
  return regions.flatMap((l, i) =>
    monitors.map((m) => finding(m, l, !fails.has(`${l}/${m}`), 400 + 700 * i)),
  );
}

describe('vantage impairment per (location, run)', () => {
  it('a region failing most monitors the others see healthy is impaired; the others are not', () => {
    const findings = run([
      ['ap-southeast-1', 'api'],
      ['ap-southeast-1', 'www'],
      ['ap-southeast-1', 'shop'],
    ]);
    expect([...impairedLocations(findings, DEFAULT_VANTAGE_RULE)]).toEqual(['ap-southeast-1']);
  });

  it('a real global outage (every region failing the same monitors) is not impairment', () => {
    const findings = run(REGIONS.flatMap((l) => MONITORS.map((m) => [l, m] as [string, string])));
    expect(impairedLocations(findings, DEFAULT_VANTAGE_RULE).size).toBe(0);
  });

  it('one failing monitor also failing elsewhere keeps the region healthy (each failing one must be seen healthy)', () => {
    const findings = run([
      ['ap-southeast-1', 'api'],
      ['ap-southeast-1', 'www'],
      ['ap-southeast-1', 'shop'],
      ['eu-west-1', 'shop'],
      ['us-east-1', 'shop'],
    ]);
    expect(impairedLocations(findings, DEFAULT_VANTAGE_RULE).size).toBe(0);
  });

  it('at the bounds: exactly failingShare fails → impaired; fewer than minMonitors reported → never', () => {
    const half = run([
      ['us-east-1', 'api'],
      ['us-east-1', 'www'],
    ]);
    expect([...impairedLocations(half, DEFAULT_VANTAGE_RULE)]).toEqual(['us-east-1']);
    const oneLess = run([['us-east-1', 'api']]);
    expect(impairedLocations(oneLess, DEFAULT_VANTAGE_RULE).size).toBe(0);
    const twoMonitors = run(
      [
        ['us-east-1', 'api'],
        ['us-east-1', 'www'],
      ],
      ['api', 'www'],
    );
    expect(impairedLocations(twoMonitors, DEFAULT_VANTAGE_RULE).size).toBe(0);
    expect([...impairedLocations(twoMonitors, { minMonitors: 2, failingShare: 1 })]).toEqual(['us-east-1']);
  });

  it('a region alone (nobody else reporting) is never impaired: nobody saw its failures healthy', () => {
    const findings = run(
      MONITORS.map((m) => ['eu-west-1', m]),
      MONITORS,
      ['eu-west-1'],
    );
    expect(impairedLocations(findings, DEFAULT_VANTAGE_RULE).size).toBe(0);
  });

  it('a monitor reported twice by one region counts once, by its latest finding', () => {
    const findings = [
      ...run([]),
      finding('api', 'eu-west-1', false, 30_000),
      finding('www', 'eu-west-1', false, 30_000),
    ];
    expect([...impairedLocations(findings, DEFAULT_VANTAGE_RULE)]).toEqual(['eu-west-1']);
  });

  it('runOf is the UTC minute the probe started in', () => {
    expect(runOf({ startedAt: '2026-12-02T07:00:59.999Z' })).toBe(RUN);
    expect(runOf({ startedAt: '2026-12-02T07:01:00.000Z' })).toBe('2026-12-02T07:01:00.000Z');
  });

  it('one impaired at the first impaired run, one recovered at the first run it no longer holds', () => {
    const r = (m: number) => new Date(Date.parse(RUN) + m * 60_000).toISOString();
    let state = new Map<string, string>();
    const seen: string[] = [];
    const impairedRuns = [false, true, true, true, false, false];
    impairedRuns.forEach((impaired, m) => {
      const next = nextVantageState(state, r(m), new Set(impaired ? ['ap-southeast-1'] : []));
      state = next.state;
      seen.push(...next.changes.map((c) => `${r(m)} ${vantageDedupKey(c)}`));
    });
    expect(seen).toEqual([
      `${r(1)} ap-southeast-1:impaired:${r(1)}`,
      `${r(4)} ap-southeast-1:recovered:${r(1)}`,
    ]);
  });
});

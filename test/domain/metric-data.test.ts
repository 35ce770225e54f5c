/**
 * Findings → datums with the PhaseLatency switch (config `metrics.phaseLatency`): exactly the chosen
 * phases the run reached, everything else unchanged. The request shape is tested at the SDK
 * boundary in test/adapters/cloudwatch-metrics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { findingDatums, metricDatums } from '../../shared/domain/metric-data.ts';
import type { LatencyPhase } from '../../shared/domain/metrics.ts';
import type { MetricDatum } from '../../shared/ports/metrics.ts';
import { tcpDownFinding, upHttpsFinding } from '../fixtures/findings.ts';

const https = upHttpsFinding({
  monitorId: 'api-health',
  location: 'eu-west-1',
  timings: { dns: 3.5, connect: 11, tls: 24.125, ttfb: 61, transfer: 0.75, total: 100.375 },
  certificate: { daysLeft: 89 },
  details: {
    url: 'https://api.example.com/health',
    cdn: { source: 'cf-cache-status', cache: 'miss', raw: 'MISS', provider: 'Cloudflare' },
  },
});

/** A connect that timed out: the run reached dns and connect, nothing after. */
const tcpDown = tcpDownFinding({
  monitorId: 'db-primary-port',
  timings: { dns: 1.25, connect: 5000, total: 5001.5 },
  error: { code: 'TCP_TIMEOUT', message: 'no answer from 127.0.0.1:5432 within 5000 ms' },
  diagnosis: 'Nothing answers on 127.0.0.1:5432.',
  details: { attempts: [] },
});

const phasesOf = (datums: MetricDatum[]) =>
  datums.filter((d) => d.name === 'PhaseLatency').map((d) => d.dimensions.Phase);
const othersOf = (datums: MetricDatum[]) =>
  datums.filter((d) => d.name !== 'PhaseLatency').map((d) => `${d.name}=${d.value}`);

describe('PhaseLatency switch', () => {
  it('publishes every phase the run reached when no choice is given (today’s behaviour)', () => {
    const datums = findingDatums(https);

    expect(phasesOf(datums)).toEqual(['dns', 'connect', 'tls', 'ttfb', 'transfer']);
    expect(datums.find((d) => d.dimensions.Phase === 'tls')).toMatchObject({
      name: 'PhaseLatency',
      unit: 'Milliseconds',
      value: 24.125,
      dimensions: { Monitor: 'api-health', Region: 'eu-west-1', Probe: 'http', Phase: 'tls' },
    });
  });

  it.each<[string, LatencyPhase[], string[]]>([
    ['all', ['dns', 'connect', 'tls', 'ttfb', 'transfer'], ['dns', 'connect', 'tls', 'ttfb', 'transfer']],
    ['none', [], []],
    ['ttfb only', ['ttfb'], ['ttfb']],
    ['connect and ttfb, given out of order', ['ttfb', 'connect'], ['connect', 'ttfb']],
  ])('%s: exactly the chosen phases, in timing order', (_, phaseLatency, expected) => {
    const datums = findingDatums(https, { phaseLatency });

    expect(phasesOf(datums)).toEqual(expected);
    // Up, Latency, CertDaysRemaining and CdnCacheHit do not depend on the switch.
    expect(othersOf(datums)).toEqual(['Up=1', 'Latency=100.375', 'CertDaysRemaining=89', 'CdnCacheHit=0']);
  });

  it('publishes nothing for a chosen phase the run did not reach', () => {
    expect(phasesOf(findingDatums(tcpDown, { phaseLatency: ['connect', 'tls', 'ttfb'] }))).toEqual([
      'connect',
    ]);
    expect(phasesOf(findingDatums(tcpDown, { phaseLatency: ['tls', 'ttfb'] }))).toEqual([]);
  });

  it('applies the choice to every finding of a run', () => {
    const datums = metricDatums([https, tcpDown], { phaseLatency: ['connect'] });

    expect(
      datums.filter((d) => d.name === 'PhaseLatency').map((d) => `${d.dimensions.Monitor} ${d.value}`),
    ).toEqual(['api-health 11', 'db-primary-port 5000']);
  });

  it.each([
    ['all', 9],
    ['none', 4],
    [['ttfb'], 5],
  ] as const)(
    'takes the resolved config as it is: metrics.phaseLatency %j → %i datums of an HTTPS run behind a CDN',
    (choice, count) => {
      const config = parseConfig({
        homeRegion: 'us-east-1',
        regions: ['us-east-1'],
        metrics: { phaseLatency: typeof choice === 'string' ? choice : [...choice] },
        monitors: [],
      });

      expect(metricDatums([https], config.metrics)).toHaveLength(count);
    },
  );
});

describe('CertDaysRemaining', () => {
  it('is the first certificate of the chain to expire, an intermediate included', () => {
    const base = upHttpsFinding({ certificate: { daysLeft: 60 } });
    const tls = base.details.kind === 'http' ? base.details.tls : undefined;
    const intermediate = {
      subject: 'CN=R3',
      issuer: 'CN=Root',
      sans: [],
      notBefore: '2024-01-01T00:00:00.000Z',
    };
    const daysAfterStart = (days: number) => new Date(Date.parse(base.startedAt) + (days + 0.5) * 86_400_000);
    const withChain = {
      ...base,
      details: {
        ...base.details,
        tls: {
          authorized: true,
          ...tls,
          intermediates: [
            { ...intermediate, notAfter: daysAfterStart(900).toISOString(), daysLeft: 900 },
            { ...intermediate, notAfter: daysAfterStart(12).toISOString(), daysLeft: 12 },
          ],
        },
      },
    };

    expect(othersOf(findingDatums(base))).toContain('CertDaysRemaining=60');
    expect(othersOf(findingDatums(withChain))).toContain('CertDaysRemaining=12');
  });
});

describe('AddressesFailed', () => {
  const address = (address: string, status: 'up' | 'down') => ({
    address,
    family: 4 as const,
    status,
    code: status === 'down' ? ('TCP_REFUSED' as const) : null,
    timings: { total: 1 },
  });

  it('counts the failed addresses of a run that probed every address, in one datum without an address dimension', () => {
    const base = upHttpsFinding({ monitorId: 'pool' });
    const finding = {
      ...base,
      details: {
        ...base.details,
        addressResults: [
          address('192.0.2.1', 'up'),
          address('192.0.2.2', 'down'),
          address('192.0.2.3', 'down'),
        ],
      },
    } as typeof base;

    const datums = findingDatums(finding).filter((d) => d.name === 'AddressesFailed');

    expect(datums).toEqual([
      expect.objectContaining({
        value: 2,
        unit: 'Count',
        dimensions: { Monitor: 'pool', Region: expect.any(String), Probe: 'http' },
      }),
    ]);
  });

  it('is not published for a run that probed one address', () => {
    expect(findingDatums(upHttpsFinding()).map((d) => d.name)).not.toContain('AddressesFailed');
  });
});

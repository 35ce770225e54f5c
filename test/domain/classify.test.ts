import { describe, expect, it } from 'vitest';
import { failedLayer, layerOf } from '../../shared/domain/classify.ts';
import type { IssueType } from '../../shared/domain/finding.ts';
import { classify, isHardFailure, isPagingFailure } from '../../shared/domain/route.ts';
import type { ErrorCode, Layer, ProbeDetails, ProbeResult, Status } from '../../shared/probes/types.ts';
import { ERROR_CODES } from '../../shared/probes/types.ts';

const HTTP: ProbeDetails = { kind: 'http', url: 'https://api.example.com/', method: 'GET', redirects: [] };
const HTTP_VIA_CDN: ProbeDetails = {
  ...HTTP,
  cdn: { source: 'cf-cache-status', cache: 'miss', raw: 'MISS', provider: 'cloudflare' },
};
const TCP: ProbeDetails = { kind: 'tcp', host: 'db.example.com', port: 5432, addresses: [], attempts: [] };

function result(
  status: Status,
  code: ErrorCode | null,
  layer: Layer | null,
  details: ProbeDetails = HTTP,
): ProbeResult {
  return {
    probe: details.kind,
    target: 'https://api.example.com/',
    status,
    timings: { total: 12 },
    error: code === null ? null : { code, message: code },
    layer,
    details,
  };
}

const one = { cdn: false, allLocationsDown: false };

describe('classify', () => {
  it.each<
    [
      string,
      ProbeResult,
      { cdn: boolean; allLocationsDown: boolean; allLocationsDownType?: IssueType },
      IssueType | null,
    ]
  >([
    ['up is never an issue', result('up', null, null), { cdn: true, allLocationsDown: true }, null],
    ['NXDOMAIN in one location', result('down', 'DNS_NXDOMAIN', 'dns'), one, 'dns'],
    // DNS wins over "every location": a name that does not resolve anywhere is still the network team's.
    [
      'SERVFAIL everywhere',
      result('down', 'DNS_SERVFAIL', 'dns'),
      { cdn: false, allLocationsDown: true },
      'dns',
    ],
    [
      'DNS failure of a CDN-fronted monitor',
      result('down', 'DNS_TIMEOUT', 'dns'),
      { cdn: true, allLocationsDown: false },
      'dns',
    ],
    ['degraded DNS (stale secondary)', result('degraded', 'DNS_SERIAL_MISMATCH', 'dns'), one, 'dns'],
    [
      'refused everywhere',
      result('down', 'TCP_REFUSED', 'transport'),
      { cdn: false, allLocationsDown: true },
      'connectivity',
    ],
    // Issue 14, on purpose (was connectivity): the CDN answered everywhere, so it is the CDN's failure.
    [
      '503 everywhere, CDN-fronted',
      result('down', 'HTTP_STATUS', 'application'),
      { cdn: true, allLocationsDown: true },
      'cdn',
    ],
    [
      '503 everywhere, CDN headers seen',
      result('down', 'HTTP_STATUS', 'application', HTTP_VIA_CDN),
      { cdn: false, allLocationsDown: true },
      'cdn',
    ],
    [
      'expired certificate everywhere, CDN-fronted',
      result('down', 'TLS_CERT_EXPIRED', 'tls'),
      { cdn: true, allLocationsDown: true },
      'cdn',
    ],
    // Nothing answered: a CDN-fronted target unreachable everywhere is still a complete outage.
    [
      'refused everywhere, CDN-fronted',
      result('down', 'TCP_REFUSED', 'transport'),
      { cdn: true, allLocationsDown: true },
      'connectivity',
    ],
    [
      'HTTP timeout everywhere, CDN-fronted',
      result('down', 'HTTP_TIMEOUT', 'application'),
      { cdn: true, allLocationsDown: true },
      'connectivity',
    ],
    [
      'everywhere, type overridden by config',
      result('down', 'TCP_TIMEOUT', 'transport'),
      { cdn: false, allLocationsDown: true, allLocationsDownType: 'tcp' },
      'tcp',
    ],
    ['refused in one location', result('down', 'TCP_REFUSED', 'transport'), one, 'tcp'],
    [
      '503 in one location, config cdn flag',
      result('down', 'HTTP_STATUS', 'application'),
      { cdn: true, allLocationsDown: false },
      'cdn',
    ],
    [
      '503 in one location, CDN headers seen',
      result('down', 'HTTP_STATUS', 'application', HTTP_VIA_CDN),
      one,
      'cdn',
    ],
    ['slow TTFB, no CDN', result('degraded', 'LATENCY_HIGH', 'application'), one, 'tcp'],
    // Degraded is never a hard failure, so "every location" does not turn slowness into an outage.
    [
      'slow everywhere',
      result('degraded', 'LATENCY_HIGH', 'application'),
      { cdn: false, allLocationsDown: true },
      'tcp',
    ],
    ['slow behind a CDN', result('degraded', 'LATENCY_HIGH', 'application', HTTP_VIA_CDN), one, 'cdn'],
    ['expiring certificate', result('degraded', 'TLS_CERT_EXPIRING', 'tls'), one, 'tcp'],
    [
      'expired certificate behind a CDN',
      result('down', 'TLS_CERT_EXPIRED', 'tls'),
      { cdn: true, allLocationsDown: false },
      'cdn',
    ],
    ['TCP banner mismatch', result('down', 'ASSERTION_FAILED', 'application', TCP), one, 'tcp'],
    ['layer missing: falls back to the code', result('down', 'DNS_REFUSED', null), one, 'dns'],
  ])('%s', (_name, r, ctx, expected) => {
    expect(classify(r, ctx)).toBe(expected);
  });
});

describe('layerOf', () => {
  it.each<[ErrorCode, Layer]>([
    ['DNS_NO_ANSWER', 'dns'],
    ['DNS_NS_TIMEOUT', 'dns'],
    ['TCP_UNREACHABLE', 'transport'],
    ['TCP_RESET', 'transport'],
    ['TLS_HOSTNAME_MISMATCH', 'tls'],
    ['TLS_CERT_EXPIRING', 'tls'],
    ['HTTP_TOO_MANY_REDIRECTS', 'application'],
    ['ASSERTION_FAILED', 'application'],
  ])('%s → %s', (code, layer) => {
    expect(layerOf(code)).toBe(layer);
  });

  it('maps every code of the taxonomy', () => {
    for (const code of ERROR_CODES)
      expect(['dns', 'transport', 'tls', 'application']).toContain(layerOf(code));
  });
});

describe('failedLayer and isHardFailure', () => {
  it('prefers the layer the probe set over the code', () => {
    // A slow DNS phase inside an HTTP probe: the probe knows it was the resolver.
    expect(failedLayer(result('degraded', 'LATENCY_HIGH', 'dns'))).toBe('dns');
  });

  it('is null for up results', () => {
    expect(failedLayer(result('up', null, null))).toBeNull();
  });

  it.each<[Status, boolean]>([
    ['down', true],
    ['degraded', false],
    ['up', false],
  ])('%s → hard failure %s', (status, hard) => {
    expect(isHardFailure({ status })).toBe(hard);
  });
});

describe('isPagingFailure', () => {
  // The degraded block of the taxonomy (shared/probes/types.ts), as responders route it.
  it.each<[ErrorCode, boolean]>([
    ['LATENCY_HIGH', true], // sustained slowness: performance-team (tcp) after 15 min
    ['DNS_NS_TIMEOUT', true], // a silent nameserver: network-team (dns) after 10 min
    ['DNS_NS_DISAGREE', true],
    ['DNS_SERIAL_MISMATCH', true],
    ['TLS_CERT_EXPIRING', false], // a warning days ahead, not a page
  ])('degraded %s → pages %s', (code, pages) => {
    expect(isPagingFailure(result('degraded', code, layerOf(code)))).toBe(pages);
  });

  it('pages for every down result, whatever its code', () => {
    for (const code of ERROR_CODES) expect(isPagingFailure(result('down', code, layerOf(code)))).toBe(true);
  });

  it('never pages for up, nor for a degraded result without a code to route it by', () => {
    expect(isPagingFailure(result('up', null, null))).toBe(false);
    expect(isPagingFailure(result('degraded', null, null))).toBe(false);
  });
});

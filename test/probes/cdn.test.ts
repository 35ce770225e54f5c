import { describe, expect, it } from 'vitest';
import { detectCdn, type HeaderBag } from '../../shared/probes/cdn.ts';
import type { CdnInfo } from '../../shared/probes/types.ts';

// Header samples as real CDNs send them (values copied from public captures and vendor docs).
const cases: { name: string; headers: HeaderBag; expected: CdnInfo | undefined }[] = [
  {
    name: 'Cloudflare hit, POP from cf-ray suffix',
    headers: {
      'cf-cache-status': 'HIT',
      'cf-ray': '8e5b6d7c9a1f2b3c-AMS',
      age: '1834',
      server: 'cloudflare',
    },
    expected: {
      source: 'cf-cache-status',
      cache: 'hit',
      raw: 'HIT',
      provider: 'cloudflare',
      pop: 'AMS',
      ageSeconds: 1834,
    },
  },
  {
    name: 'Cloudflare dynamic (not cacheable) is other',
    headers: { 'cf-cache-status': 'DYNAMIC', 'cf-ray': '8e5b6d7c9a1f2b3c-SJC' },
    expected: {
      source: 'cf-cache-status',
      cache: 'other',
      raw: 'DYNAMIC',
      provider: 'cloudflare',
      pop: 'SJC',
    },
  },
  {
    name: 'Cloudflare expired counts as a miss (went to origin)',
    headers: { 'cf-cache-status': 'EXPIRED', 'cf-ray': '7f0e2a-LHR' },
    expected: {
      source: 'cf-cache-status',
      cache: 'miss',
      raw: 'EXPIRED',
      provider: 'cloudflare',
      pop: 'LHR',
    },
  },
  {
    name: 'Cloudflare revalidated is a hit; no cf-ray, no pop',
    headers: { 'cf-cache-status': 'REVALIDATED' },
    expected: { source: 'cf-cache-status', cache: 'hit', raw: 'REVALIDATED', provider: 'cloudflare' },
  },
  {
    name: 'CloudFront hit with x-amz-cf-pop',
    headers: {
      'x-cache': 'Hit from cloudfront',
      'x-amz-cf-pop': 'FRA56-P5',
      via: '1.1 0b4f4c9e4d1b2c3a.cloudfront.net (CloudFront)',
      age: '72',
    },
    expected: {
      source: 'x-cache',
      cache: 'hit',
      raw: 'Hit from cloudfront',
      provider: 'cloudfront',
      pop: 'FRA56-P5',
      ageSeconds: 72,
    },
  },
  {
    name: 'CloudFront RefreshHit is a hit',
    headers: { 'x-cache': 'RefreshHit from cloudfront', 'x-amz-cf-pop': 'IAD89-C1' },
    expected: {
      source: 'x-cache',
      cache: 'hit',
      raw: 'RefreshHit from cloudfront',
      provider: 'cloudfront',
      pop: 'IAD89-C1',
    },
  },
  {
    name: 'CloudFront miss',
    headers: { 'x-cache': 'Miss from cloudfront', 'x-amz-cf-pop': 'NRT57-P2' },
    expected: {
      source: 'x-cache',
      cache: 'miss',
      raw: 'Miss from cloudfront',
      provider: 'cloudfront',
      pop: 'NRT57-P2',
    },
  },
  {
    name: 'CloudFront error response is other',
    headers: { 'x-cache': 'Error from cloudfront', 'x-amz-cf-pop': 'SFO5-C3' },
    expected: {
      source: 'x-cache',
      cache: 'other',
      raw: 'Error from cloudfront',
      provider: 'cloudfront',
      pop: 'SFO5-C3',
    },
  },
  {
    name: 'Fastly with shielding: MISS at shield, HIT at edge; POP from the last x-served-by node',
    headers: {
      'x-cache': 'MISS, HIT',
      'x-served-by': 'cache-iad-kiad7000025-IAD, cache-lhr7332-LHR',
      'x-cache-hits': '0, 3',
      age: '96',
    },
    expected: {
      source: 'x-cache',
      cache: 'hit',
      raw: 'MISS, HIT',
      provider: 'fastly',
      pop: 'LHR',
      ageSeconds: 96,
    },
  },
  {
    name: 'Fastly three entries, any HIT means served from cache',
    headers: { 'x-cache': 'MISS, HIT, HIT', 'x-served-by': 'cache-sea1927-SEA, cache-ams4133-AMS' },
    expected: { source: 'x-cache', cache: 'hit', raw: 'MISS, HIT, HIT', provider: 'fastly', pop: 'AMS' },
  },
  {
    name: 'Fastly all MISS',
    headers: { 'x-cache': 'MISS, MISS', 'x-served-by': 'cache-jfk1041-JFK, cache-ord1720-ORD' },
    expected: { source: 'x-cache', cache: 'miss', raw: 'MISS, MISS', provider: 'fastly', pop: 'ORD' },
  },
  {
    name: 'plain Varnish behind Via',
    headers: { 'x-cache': 'HIT', via: '1.1 varnish (Varnish/7.4)', 'x-varnish': '32770 3' },
    expected: { source: 'x-cache', cache: 'hit', raw: 'HIT', provider: 'varnish' },
  },
  {
    name: 'Squid "MISS from host": no provider claimed',
    headers: { 'x-cache': 'MISS from proxy.corp.example' },
    expected: { source: 'x-cache', cache: 'miss', raw: 'MISS from proxy.corp.example' },
  },
  {
    name: 'Akamai debug x-cache',
    headers: {
      'x-cache': 'TCP_MEM_HIT from a23-45-67-89.deploy.akamaitechnologies.com (AkamaiGHost/22.1.2-1) (-)',
    },
    expected: {
      source: 'x-cache',
      cache: 'hit',
      raw: 'TCP_MEM_HIT from a23-45-67-89.deploy.akamaitechnologies.com (AkamaiGHost/22.1.2-1) (-)',
      provider: 'akamai',
    },
  },
  {
    name: 'Akamai refresh miss',
    headers: {
      'x-cache': 'TCP_REFRESH_MISS from a104-1-2-3.deploy.akamaitechnologies.com (AkamaiGHost/22.1.2-1) (-)',
    },
    expected: {
      source: 'x-cache',
      cache: 'miss',
      raw: 'TCP_REFRESH_MISS from a104-1-2-3.deploy.akamaitechnologies.com (AkamaiGHost/22.1.2-1) (-)',
      provider: 'akamai',
    },
  },
  {
    name: 'Azure Front Door',
    headers: { 'x-cache': 'TCP_REMOTE_HIT', 'x-azure-ref': '0bS1oZQAAAAB1xJ7hHkqvQq1' },
    expected: { source: 'x-cache', cache: 'hit', raw: 'TCP_REMOTE_HIT', provider: 'azure-front-door' },
  },
  {
    name: 'Azure Front Door not cacheable',
    headers: { 'x-cache': 'CONFIG_NOCACHE', 'x-azure-ref': '0bS1oZQAAAAB1xJ7hHkqvQq1' },
    expected: { source: 'x-cache', cache: 'other', raw: 'CONFIG_NOCACHE', provider: 'azure-front-door' },
  },
  {
    name: 'RFC 9211 Cache-Status (Netlify): edge hit',
    headers: { 'cache-status': '"Netlify Edge"; hit' },
    expected: { source: 'cache-status', cache: 'hit', raw: '"Netlify Edge"; hit', provider: 'Netlify Edge' },
  },
  {
    name: 'RFC 9211 Cache-Status: both caches forwarded',
    headers: { 'cache-status': '"Netlify Durable"; fwd=uri-miss; stored, "Netlify Edge"; fwd=miss' },
    expected: {
      source: 'cache-status',
      cache: 'miss',
      raw: '"Netlify Durable"; fwd=uri-miss; stored, "Netlify Edge"; fwd=miss',
      provider: 'Netlify Edge',
    },
  },
  {
    name: 'Akamai mPulse server-timing',
    headers: { 'server-timing': 'cdn-cache; desc=HIT, edge; dur=1, ak_p; desc="1700000000_388_1"' },
    expected: {
      source: 'server-timing',
      cache: 'hit',
      raw: 'cdn-cache; desc=HIT, edge; dur=1, ak_p; desc="1700000000_388_1"',
      provider: 'akamai',
    },
  },
  {
    name: 'server-timing miss with quoted desc, no provider',
    headers: { 'server-timing': 'edge; dur=12, cdn-cache; desc="MISS", origin; dur=85' },
    expected: {
      source: 'server-timing',
      cache: 'miss',
      raw: 'edge; dur=12, cdn-cache; desc="MISS", origin; dur=85',
    },
  },
  {
    name: 'server-timing without a cache metric is ignored',
    headers: { 'server-timing': 'db; dur=53, app; dur=47.2' },
    expected: undefined,
  },
  {
    name: 'Vercel',
    headers: {
      'x-vercel-cache': 'HIT',
      'x-vercel-id': 'fra1::iad1::abcde-1700000000000-0123456789ab',
      age: '5',
    },
    expected: {
      source: 'x-vercel-cache',
      cache: 'hit',
      raw: 'HIT',
      provider: 'vercel',
      pop: 'fra1',
      ageSeconds: 5,
    },
  },
  {
    name: 'Bunny CDN',
    headers: { 'cdn-cache': 'MISS', server: 'BunnyCDN-DE1-1080' },
    expected: { source: 'cdn-cache', cache: 'miss', raw: 'MISS', provider: 'bunny', pop: 'DE1' },
  },
  {
    name: 'nginx proxy_cache',
    headers: { 'x-cache-status': 'STALE', server: 'nginx/1.25.3' },
    expected: { source: 'x-cache-status', cache: 'hit', raw: 'STALE', provider: 'nginx' },
  },
  {
    name: 'nginx bypass is other',
    headers: { 'x-cache-status': 'BYPASS' },
    expected: { source: 'x-cache-status', cache: 'other', raw: 'BYPASS', provider: 'nginx' },
  },
  {
    name: 'Age alone > 0: some shared cache answered',
    headers: { age: '300', server: 'ECS (dcb/7F83)' },
    expected: { source: 'age', cache: 'hit', raw: '300', ageSeconds: 300 },
  },
  { name: 'Age: 0 alone proves nothing', headers: { age: '0' }, expected: undefined },
  { name: 'garbage Age is ignored', headers: { age: 'soon' }, expected: undefined },
  {
    name: 'origin without any cache header',
    headers: { server: 'nginx', 'content-type': 'text/html' },
    expected: undefined,
  },
  { name: 'empty x-cache is skipped', headers: { 'x-cache': '  ' }, expected: undefined },
  {
    name: 'cf-cache-status wins over a generic x-cache set by an origin Varnish',
    headers: { 'cf-cache-status': 'MISS', 'x-cache': 'HIT', 'cf-ray': '1a2b-CDG' },
    expected: { source: 'cf-cache-status', cache: 'miss', raw: 'MISS', provider: 'cloudflare', pop: 'CDG' },
  },
  {
    name: 'repeated header delivered as an array is joined',
    headers: { 'x-cache': ['MISS', 'HIT'], 'x-served-by': 'cache-a-IAD, cache-b-LHR' },
    expected: { source: 'x-cache', cache: 'hit', raw: 'MISS, HIT', provider: 'fastly', pop: 'LHR' },
  },
];

describe('detectCdn', () => {
  it.each(cases)('$name', ({ headers, expected }) => {
    expect(detectCdn(headers)).toEqual(expected);
  });
});

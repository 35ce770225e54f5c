import { describe, expect, it } from 'vitest';
import { planTriage, publicName } from '../../shared/domain/triage.ts';
import { httpSpec } from '../fixtures/specs.ts';

describe('triage evidence that does not mislead', () => {
  const refused = {
    probe: 'http' as const,
    target: 'http://localhost:1/',
    status: 'down' as const,
    timings: { dns: 0.2, total: 1 },
    error: { code: 'TCP_REFUSED' as const, message: 'connect refused by 127.0.0.1:1' },
    layer: 'transport' as const,
    details: { kind: 'http' as const, url: 'http://localhost:1/', method: 'GET', redirects: [] },
  };
  const spec = (url: string) => httpSpec(url);
  const dnsChecks = (url: string, resolvers?: { host: string; port: number }[]) =>
    planTriage(
      spec(url),
      { ...refused, target: url },
      { budgetMs: 1000, ...(resolvers ? { resolvers } : {}) },
    ).filter((c) => c.run === 'probes' && c.specs.some((s) => s.kind === 'dns'));

  it('asks the system’s resolvers only about names a public resolver can know', () => {
    expect(dnsChecks('http://localhost:1/')).toEqual([]);
    expect(dnsChecks('http://printer.local/')).toEqual([]);
    expect(dnsChecks('http://intranet/')).toEqual([]);
    expect(dnsChecks('http://www.example.test/')).toEqual([]);
    expect(dnsChecks('http://api.example.com/')).toHaveLength(1);
    // A named resolver (the lab's, a test's) is asked: the caller knows it serves the name.
    expect(dnsChecks('http://localhost:1/', [{ host: '127.0.0.1', port: 5353 }])).toHaveLength(1);
  });

  it.each([
    ['localhost', false],
    ['app.localhost', false],
    ['nas.home.arpa', false],
    ['db.internal', false],
    ['api.example.com', true],
    ['example.com.', true],
  ])('%s is public: %s', (name, expected) => {
    expect(publicName(name)).toBe(expected);
  });
});

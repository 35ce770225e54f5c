import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import type { StatusInput } from '../../shared/config/probe-schema.ts';
import type { MonitorInput, NetprobeConfigInput } from '../../shared/config/schema.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { catchConfigError } from './catch-config-error.ts';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];

function config(monitors: MonitorInput[], extra: Partial<NetprobeConfigInput> = {}): NetprobeConfig {
  return parseConfig({ homeRegion: 'us-east-1', regions: REGIONS, monitors, ...extra });
}

function probeOf(monitor: Omit<MonitorInput, 'id' | 'interval'>) {
  const [resolved] = config([{ id: 'm', interval: '1m', ...monitor } as MonitorInput]).monitors;
  return resolved?.probe;
}

describe('defaults', () => {
  it('fills every top-level default', () => {
    expect(parseConfig({ homeRegion: 'eu-west-1', regions: ['eu-west-1'], monitors: [] })).toEqual({
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      account: '000000000000',
      namespace: 'Netprobe',
      metrics: { phaseLatency: ['dns', 'connect', 'tls', 'ttfb', 'transfer'] },
      escalation: DEFAULT_ESCALATION_TABLE,
      confirmation: { minLocations: 2, consecutiveRuns: 2, regional: { consecutiveRuns: 5 } },
      vantage: { minMonitors: 3, failingShare: 0.5 },
      operatorsTeam: 'infrastructure-team',
      classification: { allLocationsDown: 'connectivity' },
      subscriptions: {},
      lambda: {
        probeRunner: { memoryMb: 512, timeoutSeconds: 60 },
        probeApi: { memoryMb: 512, timeoutSeconds: 30, reservedConcurrency: 10 },
        escalator: { memoryMb: 256, timeoutSeconds: 30 },
      },
      allowPrivateTargets: [],
      findingsTtlDays: 30,
      concurrency: 50,
      monitors: [],
    });
  });

  it('fills partial nested settings without dropping the rest', () => {
    const resolved = config([], {
      confirmation: { minLocations: 3 },
      lambda: { probeRunner: { reservedConcurrency: 10 } },
    });

    expect(resolved.confirmation).toEqual({
      minLocations: 3,
      consecutiveRuns: 2,
      regional: { consecutiveRuns: 5 },
    });
    expect(resolved.lambda.probeRunner).toEqual({
      memoryMb: 512,
      timeoutSeconds: 60,
      reservedConcurrency: 10,
    });
    expect(resolved.lambda.escalator).toEqual({ memoryMb: 256, timeoutSeconds: 30 });
  });

  it('reserves 10 concurrent probe-api executions by default; null opts out (unreserved), a number replaces it', () => {
    expect(config([]).lambda.probeApi.reservedConcurrency).toBe(10);
    const optedOut = config([], { lambda: { probeApi: { reservedConcurrency: null } } }).lambda.probeApi;
    expect(optedOut).toEqual({ memoryMb: 512, timeoutSeconds: 30 });
    expect(
      config([], { lambda: { probeApi: { reservedConcurrency: 3 } } }).lambda.probeApi.reservedConcurrency,
    ).toBe(3);
    // Only probe-api has a default to opt out of.
    expect(() => config([], { lambda: { probeRunner: { reservedConcurrency: null } } } as never)).toThrow(
      'lambda.probeRunner.reservedConcurrency',
    );
  });

  it('resolves a minimal monitor: every region, 10 s timeout, no CDN, no thresholds', () => {
    expect(
      config([{ id: 'api-health', interval: '5m', url: 'https://api.example.com/health' }]).monitors,
    ).toEqual([
      {
        id: 'api-health',
        intervalMinutes: 5,
        regions: REGIONS,
        cdn: false,
        probe: {
          kind: 'http',
          url: 'https://api.example.com/health',
          method: 'GET',
          headers: {},
          maxRedirects: 5,
          maxBodyBytes: 1024 * 1024,
          tls: { insecure: false, certWarnDays: 21, certCriticalDays: 7 },
          assert: {},
          timeoutMs: 10_000,
          thresholds: {},
        },
      },
    ]);
  });

  it('merges escalation overrides field by field over the default table', () => {
    const { escalation } = config([], {
      escalation: { cdn: { escalateAfterMinutes: 10 }, dns: { team: 'dns-team', severity: 'critical' } },
      subscriptions: { 'dns-team': [{ protocol: 'email', endpoint: 'dns@example.com' }] },
    });

    expect(escalation).toEqual({
      ...DEFAULT_ESCALATION_TABLE,
      cdn: { ...DEFAULT_ESCALATION_TABLE.cdn, escalateAfterMinutes: 10 },
      dns: { ...DEFAULT_ESCALATION_TABLE.dns, team: 'dns-team', severity: 'critical' },
    });
  });
});

describe('monitor fields', () => {
  it('turns interval, timeout and thresholds into minutes and milliseconds', () => {
    const [monitor] = config([
      {
        id: 'api',
        interval: '1h',
        timeout: '1500ms',
        thresholds: { dns: '100ms', ttfb: '0.5s', total: '1s' },
        regions: ['eu-west-1'],
        cdn: true,
        team: 'cdn-team',
        description: 'x',
        url: 'https://example.com',
      },
    ]).monitors;

    expect(monitor).toMatchObject({
      intervalMinutes: 60,
      regions: ['eu-west-1'],
      cdn: true,
      team: 'cdn-team',
      description: 'x',
      probe: { timeoutMs: 1500, thresholds: { dns: 100, ttfb: 500, total: 1000 } },
    });
  });

  it('accepts a team that only has subscriptions', () => {
    const resolved = config(
      [{ id: 'db', interval: '1m', team: 'database-team', url: 'tcp://db.example.net:5432' }],
      {
        subscriptions: {
          'database-team': [{ protocol: 'sqs', endpoint: 'arn:aws:sqs:us-east-1:123456789012:pages' }],
        },
      },
    );

    expect(resolved.monitors[0]?.team).toBe('database-team');
  });

  it('sends alarms to the team only with alarmsPage: true, and keeps the key out otherwise', () => {
    const [paging, quiet] = config([
      { id: 'a', interval: '1m', url: 'https://a.example', alarmsPage: true },
      { id: 'b', interval: '1m', url: 'https://b.example', alarmsPage: false },
    ]).monitors;

    expect(paging?.alarmsPage).toBe(true);
    expect(quiet && 'alarmsPage' in quiet).toBe(false);
  });

  it('takes subscriptions.alarms for the netprobe-alarms topic, though no team is called alarms', () => {
    const resolved = config([], {
      subscriptions: { alarms: [{ protocol: 'email', endpoint: 'noc@example.com' }] },
    });

    expect(resolved.subscriptions.alarms).toEqual([{ protocol: 'email', endpoint: 'noc@example.com' }]);
  });

  it('refuses "alarms" as a team: it names the alarms topic', () => {
    const err = catchConfigError(() =>
      config([{ id: 'a', interval: '1m', team: 'alarms', url: 'https://a.example' }], {
        escalation: { dns: { team: 'alarms' } },
        subscriptions: { alarms: [] },
      }),
    );
    const reserved = '"alarms" is reserved for the netprobe-alarms topic (subscriptions.alarms), not a team';

    expect(err.issues).toEqual([
      { path: 'escalation.dns.team', message: reserved },
      { path: 'monitors[0].team', message: reserved },
    ]);
  });

  it('refuses "alarm-gate" as a team: netprobe-alarm-gate is the alarm gate’s topic', () => {
    const err = catchConfigError(() =>
      config([{ id: 'a', interval: '1m', team: 'alarm-gate', url: 'https://a.example' }], {
        escalation: { dns: { team: 'alarm-gate' } },
        operatorsTeam: 'alarm-gate',
      }),
    );
    const reserved =
      '"alarm-gate" is reserved for the netprobe-alarm-gate topic of the alarm gate, not a team';

    expect(err.issues).toEqual([
      { path: 'escalation.dns.team', message: reserved },
      { path: 'operatorsTeam', message: reserved },
      { path: 'monitors[0].team', message: reserved },
    ]);
  });

  it('gives the same probe for a URL and the equivalent block', () => {
    expect(probeOf({ url: 'dns://1.1.1.1/example.com?type=AAAA' })).toEqual(
      probeOf({ dns: { name: 'example.com', type: 'AAAA', server: '1.1.1.1' } }),
    );
    expect(probeOf({ url: 'tls://mail.example.net:465' })).toEqual(
      probeOf({ tcp: { host: 'mail.example.net', port: 465, tls: true } }),
    );
    expect(probeOf({ url: 'https://example.com' })).toEqual(
      probeOf({ http: { url: 'https://example.com/' } }),
    );
  });
});

describe('probe blocks', () => {
  it.each([
    ['1.1.1.1', { host: '1.1.1.1', port: 53 }],
    ['1.1.1.1:5353', { host: '1.1.1.1', port: 5353 }],
    ['[2606:4700::1111]:53', { host: '2606:4700::1111', port: 53 }],
    ['::1', { host: '::1', port: 53 }],
    ['ns1.example.net', { host: 'ns1.example.net', port: 53 }],
    [{ host: '127.0.0.1' }, { host: '127.0.0.1', port: 53 }],
    [
      { host: '127.0.0.1', port: 5300 },
      { host: '127.0.0.1', port: 5300 },
    ],
  ])('dns.server %j → %j', (server, expected) => {
    expect(probeOf({ dns: { name: 'example.com', server } })).toMatchObject({ server: expected });
  });

  it('dns.nsPort: where authoritative mode asks the discovered nameservers (absent: 53)', () => {
    expect(probeOf({ dns: { name: 'lab.test', mode: 'authoritative', nsPort: 5300 } })).toMatchObject({
      mode: 'authoritative',
      nsPort: 5300,
    });
    expect(probeOf({ dns: { name: 'lab.test', mode: 'authoritative' } })).not.toHaveProperty('nsPort');
    const err = (dns: object) =>
      catchConfigError(() => config([{ id: 'm', interval: '1m', dns } as MonitorInput])).issues;
    expect(err({ name: 'lab.test', mode: 'authoritative', nsPort: 0 })).toEqual([
      { path: 'monitors[0].dns.nsPort', message: 'port 0 out of range (1-65535)' },
    ]);
    expect(err({ name: 'lab.test', nsPort: 5300 })).toEqual([
      {
        path: 'monitors[0].dns.nsPort',
        message: 'only applies to mode authoritative (the port the discovered nameservers are asked on)',
      },
    ]);
  });

  it('reads a plain string as equals for DNS answers and JSON values, contains for text', () => {
    expect(probeOf({ dns: { name: 'example.com', assert: { answers: '192.0.2.1' } } })).toMatchObject({
      assert: { answers: [{ equals: '192.0.2.1' }] },
    });
    expect(probeOf({ tcp: { host: 'smtp.example.net', port: 25, expect: '220' } })).toMatchObject({
      expect: { contains: '220' },
    });
    expect(
      probeOf({
        http: {
          url: 'https://example.com',
          assert: {
            body: ['Example', { regex: 'Dom.in' }],
            headers: { 'Content-Type': 'text/html', 'x-cache': { equals: 'HIT' } },
            json: [{ path: '$.ok', match: 'true' }],
          },
        },
      }),
    ).toMatchObject({
      assert: {
        body: [{ contains: 'Example' }, { regex: 'Dom.in' }],
        headers: { 'content-type': { contains: 'text/html' }, 'x-cache': { equals: 'HIT' } },
        json: [{ path: '$.ok', match: { equals: 'true' } }],
      },
    });
  });

  it.each<[StatusInput, unknown]>([
    [200, [200]],
    ['2xx', [[200, 299]]],
    ['200-204', [[200, 204]]],
    ['301', [301]],
    [
      [200, 204],
      [200, 204],
    ],
    [
      [[200, 204], '3xx', 404],
      [[200, 204], [300, 399], 404],
    ],
  ])('http.assert.status %j → %j', (status, expected) => {
    expect(probeOf({ http: { url: 'https://example.com', assert: { status } } })).toMatchObject({
      assert: { status: expected },
    });
  });

  it('normalises names that are case-insensitive on the wire', () => {
    expect(
      probeOf({ dns: { name: 'example.com', type: 'aaaa', assert: { rcode: 'nxdomain' } } }),
    ).toMatchObject({
      type: 'AAAA',
      assert: { rcode: 'NXDOMAIN' },
    });
    expect(probeOf({ http: { url: 'HTTPS://Example.COM', method: 'head' } })).toMatchObject({
      url: 'https://example.com/',
      method: 'HEAD',
    });
    // Hosts of every kind, as the URL forms give them: one target, one spelling.
    expect(probeOf({ tcp: { host: 'DB.Example.NET', port: 5432 } })).toMatchObject({
      host: 'db.example.net',
    });
    expect(probeOf({ url: 'tcp://DB.Example.NET:5432' })).toMatchObject({ host: 'db.example.net' });
    for (const server of ['NS1.Example.NET:53', { host: 'NS1.Example.NET' }]) {
      expect(probeOf({ dns: { name: 'Example.com', server } })).toMatchObject({
        name: 'Example.com',
        server: { host: 'ns1.example.net', port: 53 },
      });
    }
  });

  it('gives tcp.tls: true the default TLS options, and none without it', () => {
    expect(probeOf({ tcp: { host: 'h.example', port: 443, tls: true } })).toMatchObject({
      tls: { insecure: false, certWarnDays: 21, certCriticalDays: 7 },
    });
    expect(probeOf({ tcp: { host: 'h.example', port: 443 } })).not.toHaveProperty('tls');
    expect(probeOf({ tcp: { host: 'h.example', port: 443, tls: false } })).not.toHaveProperty('tls');
  });
});

describe('metrics.phaseLatency', () => {
  const phases = (phaseLatency: unknown) =>
    parseConfig({ homeRegion: 'us-east-1', regions: REGIONS, metrics: { phaseLatency }, monitors: [] })
      .metrics.phaseLatency;
  const issues = (phaseLatency: unknown) =>
    catchConfigError(() => phases(phaseLatency)).issues.map((i) => `${i.path}: ${i.message}`);

  it.each([
    ['all', ['dns', 'connect', 'tls', 'ttfb', 'transfer']],
    ['none', []],
    [['ttfb'], ['ttfb']],
    // resolved in timing order, whatever the order written
    [
      ['ttfb', 'dns', 'connect'],
      ['dns', 'connect', 'ttfb'],
    ],
  ])('%j publishes %j', (input, expected) => {
    expect(phases(input)).toEqual(expected);
  });

  it('defaults to every phase when metrics or phaseLatency is left out', () => {
    expect(config([], { metrics: {} }).metrics.phaseLatency).toEqual([
      'dns',
      'connect',
      'tls',
      'ttfb',
      'transfer',
    ]);
  });

  it.each<[unknown, string[]]>([
    [
      ['dns', 'ttbf'],
      ['metrics.phaseLatency[1]: expected one of dns, connect, tls, ttfb, transfer (got "ttbf")'],
    ],
    [
      ['total'],
      [
        'metrics.phaseLatency[0]: expected one of dns, connect, tls, ttfb, transfer (got "total": the total is the Latency metric, always published)',
      ],
    ],
    [
      ['TTFB', 3],
      [
        'metrics.phaseLatency[0]: expected one of dns, connect, tls, ttfb, transfer (got "TTFB")',
        'metrics.phaseLatency[1]: expected one of dns, connect, tls, ttfb, transfer (got 3)',
      ],
    ],
    [['ttfb', 'dns', 'ttfb'], ['metrics.phaseLatency[2]: duplicate phase "ttfb"']],
    [[], ['metrics.phaseLatency: must not be empty (write "none" for no PhaseLatency)']],
    [
      'some',
      [
        'metrics.phaseLatency: expected "all", "none" or a list of dns, connect, tls, ttfb, transfer (got "some")',
      ],
    ],
    [
      false,
      [
        'metrics.phaseLatency: expected "all", "none" or a list of dns, connect, tls, ttfb, transfer (got false)',
      ],
    ],
  ])('refuses %j', (input, expected) => {
    expect(issues(input)).toEqual(expected);
  });

  it('refuses unknown keys under metrics', () => {
    const err = catchConfigError(() => config([], { metrics: { phaseLatancy: 'none' } as never }));
    expect(err.message).toBe('metrics.phaseLatancy: unknown key (did you mean "phaseLatency"?)');
  });

  it('refuses a phase threshold whose alarm would read an unpublished phase; total and published phases pass', () => {
    const monitor = (thresholds: Record<string, string>): MonitorInput => ({
      id: 'api',
      interval: '1m',
      url: 'https://api.example.com/',
      thresholds,
    });

    expect(
      config([monitor({ total: '2s', ttfb: '800ms' })], { metrics: { phaseLatency: ['ttfb'] } }).monitors[0]
        ?.probe.thresholds,
    ).toEqual({ total: 2000, ttfb: 800 });
    expect(config([monitor({ total: '2s' })], { metrics: { phaseLatency: 'none' } }).monitors).toHaveLength(
      1,
    );
    const err = catchConfigError(() =>
      config([monitor({ connect: '100ms', tls: '200ms', ttfb: '800ms' })], {
        metrics: { phaseLatency: ['ttfb'] },
      }),
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'monitors[0].thresholds.connect',
      'monitors[0].thresholds.tls',
    ]);
  });
});

describe('errors', () => {
  it('reports every problem of every monitor, one line each, in path order', () => {
    const err = catchConfigError(() =>
      config([
        { id: 'a', interval: '1m', http: { url: 'https://x.example', assert: { status: 99 } } },
        { id: 'b', interval: '1m', dns: { name: 'x.example', type: 'ANY' as 'A' } },
      ]),
    );

    expect(err.issues).toEqual([
      { path: 'monitors[0].http.assert.status', message: 'expected 100-599' },
      {
        path: 'monitors[1].dns.type',
        message: 'expected one of A, AAAA, CNAME, MX, NS, TXT, SOA, CAA, PTR (got "ANY")',
      },
    ]);
    expect(err.name).toBe('ConfigError');
    expect(err).toBeInstanceOf(Error);
  });

  it('runs cross-field checks only once every value is valid', () => {
    // Both monitors are called "a", but the bad status is what the user must fix first.
    const err = catchConfigError(() =>
      config([
        { id: 'a', interval: '1m', url: 'https://x.example' },
        { id: 'a', interval: '1m', http: { url: 'https://x.example', assert: { status: 99 } } },
      ]),
    );

    expect(err.message).toBe('monitors[1].http.assert.status: expected 100-599');
  });

  it('names the source in every line when given one', () => {
    const err = catchConfigError(() =>
      parseConfig({ homeRegion: 'mars-1', regions: 'x', monitors: [] }, 'prod.json'),
    );

    expect(err.message).toBe(
      [
        'prod.json: homeRegion: "mars-1" is not an AWS region name (like us-east-1)',
        'prod.json: regions: expected array, got string',
      ].join('\n'),
    );
    expect(err.source).toBe('prod.json');
  });

  it('rejects input that is not an object', () => {
    expect(catchConfigError(() => parseConfig(null)).message).toBe('expected object, got null');
    expect(catchConfigError(() => parseConfig([])).message).toBe('expected object, got array');
  });

  it.each([
    ['eu-west-3', true],
    ['us-gov-west-1', true],
    ['cn-northwest-1', true],
    ['ap-southeast-7', true],
    ['us-east1', false],
    ['US-EAST-1', false],
    ['eu-westt-1', false],
    ['moon-1', false],
  ])('region name %s valid=%s', (region, valid) => {
    const attempt = () => parseConfig({ homeRegion: region, regions: [region], monitors: [] });
    if (valid) expect(attempt().homeRegion).toBe(region);
    else expect(catchConfigError(attempt).issues[0]?.path).toBe('homeRegion');
  });
});

describe('vantage and operatorsTeam (a sick probe region)', () => {
  const issues = (extra: Partial<NetprobeConfigInput>) =>
    catchConfigError(() => config([], extra)).issues.map((i) => `${i.path}: ${i.message}`);

  it('takes minMonitors 1-10000, failingShare in (0, 1], and an operators team', () => {
    const resolved = config([], { vantage: { minMonitors: 5, failingShare: 1 }, operatorsTeam: 'sre-team' });
    expect(resolved.vantage).toEqual({ minMonitors: 5, failingShare: 1 });
    expect(resolved.operatorsTeam).toBe('sre-team');
    expect(config([], { vantage: { failingShare: 0.75 } }).vantage).toEqual({
      minMonitors: 3,
      failingShare: 0.75,
    });
  });

  it('refuses a share outside (0, 1], a count that is not a positive integer, and the reserved alarms name', () => {
    expect(issues({ vantage: { failingShare: 0 } })).toEqual([
      'vantage.failingShare: expected a share in (0, 1]',
    ]);
    expect(issues({ vantage: { failingShare: 1.5 } })).toEqual([
      'vantage.failingShare: expected a share in (0, 1]',
    ]);
    expect(issues({ vantage: { minMonitors: 0 } })).toEqual(['vantage.minMonitors: expected 1-10000']);
    expect(issues({ vantage: { minMonitors: 2.5 } })).toEqual(['vantage.minMonitors: expected 1-10000']);
    expect(issues({ operatorsTeam: 'alarms' })).toEqual([
      'operatorsTeam: "alarms" is reserved for the netprobe-alarms topic (subscriptions.alarms), not a team',
    ]);
    expect(issues({ vantage: { minMonitors: 3, typo: 1 } } as never)[0]).toMatch(/^vantage/);
  });
});

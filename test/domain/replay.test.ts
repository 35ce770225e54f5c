import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import type { EscalationConfig } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { FindingsFileError, readNdjsonFindings } from '../../shared/domain/findings-input.ts';
import { MAX_REPLAY_MINUTES, type ReplayLine, replay } from '../../shared/domain/replay.ts';
import type { Notification } from '../../shared/ports/notifier.ts';
import { REPLAY_JSON_KEYS } from '../fixtures/replay.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/timelines/${name}.ndjson`, import.meta.url), 'utf8');

const DEFAULTS: EscalationConfig = {
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2 },
  classification: { allLocationsDown: 'connectivity' },
  monitors: [],
};
const MIN = 60_000;
/** Replay keeps its state in the Store it is given; the CLI gives it a fresh MemoryStore too. */
const inMemory = () => ({ store: new MemoryStore() });

/** The outage in the fixture: DNS_TIMEOUT in eu-west-1, us-east-1 and ap-southeast-1 from 12:00 through 12:11. */
const DNS_OUTAGE_START = Date.parse('2026-11-24T12:00:00.412Z');
const DNS_OUTAGE_END = Date.parse('2026-11-24T12:12:00.000Z');

describe('replay', () => {
  it('DNS outage of 12 minutes in 3 locations: one escalate to network-team at +10 min, one resolve', async () => {
    const findings = readNdjsonFindings(fixture('dns-outage-12min'));
    expect(findings).toHaveLength(78);

    const lines = await replay(findings, DEFAULTS, inMemory());

    expect(lines.map((l) => `${l.kind}:${l.team}:${l.issueType}:${l.monitorId}`)).toEqual([
      'escalate:network-team:dns:www-dns',
      'resolve:network-team:dns:www-dns',
    ]);
    const [escalate, resolve] = lines as [ReplayLine, ReplayLine];
    const escalatedAfter = (Date.parse(escalate.at) - DNS_OUTAGE_START) / MIN;
    expect(escalatedAfter).toBeGreaterThanOrEqual(10);
    expect(escalatedAfter).toBeLessThanOrEqual(11); // ± one interval (1 min)
    expect(escalate.locations).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1']);
    expect(resolve.incidentId).toBe(escalate.incidentId);
    expect(resolve.locations).toEqual([]);
    expect(Date.parse(resolve.at)).toBeGreaterThanOrEqual(DNS_OUTAGE_END);
    expect(Date.parse(resolve.at)).toBeLessThan(DNS_OUTAGE_END + MIN);
    // Exactly the documented keys of `netprobe replay --json`.
    expect(Object.keys(escalate)).toEqual(REPLAY_JSON_KEYS);
  });

  // Degraded findings with a paging code are failures: the tcp and dns rows of the table are for them.
  it.each([
    // LATENCY_HIGH (ttfb over 1 s) in eu-west-1, us-east-1 and ap-southeast-1 from 12:00 through 12:19.
    ['latency-high-20min', 90, 'search-http', 'performance-team', 'tcp', 15, '2026-11-24T12:20:00Z'],
    // Primary NS silent, ns3 serving a stale SOA serial (DNS_NS_TIMEOUT) from 12:00 through 12:11.
    ['dns-ns-timeout-12min', 78, 'example-zone', 'network-team', 'dns', 10, '2026-11-24T12:12:00Z'],
  ])(
    'degraded timeline %s: one escalate at +table time (± one interval), one resolve after recovery',
    async (name, count, monitorId, team, issueType, minutes, recovered) => {
      const findings = readNdjsonFindings(fixture(name));
      expect(findings).toHaveLength(count);
      expect(new Set(findings.map((f) => f.status))).toEqual(new Set(['up', 'degraded']));

      const lines = await replay(findings, DEFAULTS, inMemory());

      expect(lines.map((l) => `${l.kind}:${l.team}:${l.issueType}:${l.monitorId}`)).toEqual([
        `escalate:${team}:${issueType}:${monitorId}`,
        `resolve:${team}:${issueType}:${monitorId}`,
      ]);
      const [escalate, resolve] = lines as [ReplayLine, ReplayLine];
      const escalatedAfter = (Date.parse(escalate.at) - Date.parse('2026-11-24T12:00:00.412Z')) / MIN;
      expect(escalatedAfter).toBeGreaterThanOrEqual(minutes);
      expect(escalatedAfter).toBeLessThanOrEqual(minutes + 1);
      // Degraded everywhere is still the monitor's own type, never a complete outage.
      expect(escalate.locations).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1']);
      expect(resolve.incidentId).toBe(escalate.incidentId);
      expect(Date.parse(resolve.at)).toBeGreaterThanOrEqual(Date.parse(recovered));
      expect(Date.parse(resolve.at)).toBeLessThan(Date.parse(recovered) + MIN);
    },
  );

  it('an expiring certificate (TLS_CERT_EXPIRING) everywhere for 30 minutes pages no one', async () => {
    const findings = readNdjsonFindings(fixture('cert-expiring-30min'));
    expect(findings).toHaveLength(90);
    expect(findings.every((f) => f.status === 'degraded' && f.error?.code === 'TLS_CERT_EXPIRING')).toBe(
      true,
    );
    expect(await replay(findings, DEFAULTS, inMemory())).toEqual([]);
    // Even a 1-minute table: the warning is the CertDaysRemaining metric's, never an incident.
    const eager = Object.fromEntries(
      Object.entries(DEFAULTS.escalation).map(([type, rule]) => [type, { ...rule, escalateAfterMinutes: 1 }]),
    ) as EscalationConfig['escalation'];
    expect(await replay(findings, { ...DEFAULTS, escalation: eager }, inMemory())).toEqual([]);
  });

  it('gives the same lines for shuffled and duplicated input (it sorts; findings are idempotent)', async () => {
    const findings = readNdjsonFindings(fixture('dns-outage-12min'));
    const expected = await replay(findings, DEFAULTS, inMemory());
    const messy = [...findings, ...findings.slice(10, 40)].sort((a, b) =>
      (a.location + a.startedAt)
        .split('')
        .reverse()
        .join('')
        .localeCompare((b.location + b.startedAt).split('').reverse().join('')),
    );
    expect(await replay(messy, DEFAULTS, inMemory())).toEqual(expected);
  });

  it('DNS issue that becomes a complete outage: infrastructure paged within one interval of the change, nobody else', async () => {
    const lines = await replay(readNdjsonFindings(fixture('dns-then-outage')), DEFAULTS, inMemory());
    expect(lines.map((l) => `${l.kind}:${l.team}:${l.issueType}`)).toEqual([
      'escalate:infrastructure-team:connectivity',
      'resolve:infrastructure-team:connectivity',
    ]);
    // TCP timeouts everywhere from 12:05; one interval to confirm the new type.
    const change = Date.parse('2026-11-24T12:05:00Z');
    expect(Date.parse((lines[0] as ReplayLine).at) - change).toBeLessThanOrEqual(2 * MIN + 3_000);
  });

  it('uses the config: team override, table time, and the monitor interval', async () => {
    const findings = readNdjsonFindings(fixture('dns-outage-12min'));
    const override = await replay(
      findings,
      {
        ...DEFAULTS,
        monitors: [{ id: 'www-dns', intervalMinutes: 1, team: 'edge-oncall' }],
      },
      inMemory(),
    );
    expect(override.map((l) => l.team)).toEqual(['edge-oncall', 'edge-oncall']);

    // A user tuning thresholds: with 15 minutes for DNS this outage never pages.
    const patient = await replay(
      findings,
      {
        ...DEFAULTS,
        escalation: { ...DEFAULTS.escalation, dns: { ...DEFAULTS.escalation.dns, escalateAfterMinutes: 15 } },
      },
      inMemory(),
    );
    expect(patient).toEqual([]);
  });

  it('runs on the store it is given and sends through the notifier it is given, same lines', async () => {
    const findings = readNdjsonFindings(fixture('dns-outage-12min'));
    const store = new MemoryStore();
    const sent: Notification[] = [];

    const lines = await replay(findings, DEFAULTS, {
      store,
      notifier: { publish: async (n) => void sent.push(n) },
    });

    expect(lines).toEqual(await replay(findings, DEFAULTS, inMemory()));
    expect(sent.map((n) => [n.at, n.kind, n.incidentId])).toEqual(
      lines.map((l) => [l.at, l.kind, l.incidentId]),
    );
    // The whole timeline and the incident's lifecycle are in the given store.
    expect((await store.queryFindings('www-dns', { limit: 1000 })).items).toHaveLength(78);
    const incident = await store.getIncident('www-dns', (lines[0] as ReplayLine).incidentId);
    expect(incident).toMatchObject({ status: 'resolved', escalatedAt: expect.any(String) });
  });

  it('a page the notifier refuses is re-sent on a later tick and listed once, when accepted', async () => {
    const findings = readNdjsonFindings(fixture('dns-outage-12min'));
    let attempts = 0;
    const notifier = {
      publish: async (n: Notification) => {
        if (n.kind === 'escalate' && attempts++ === 0) throw new Error('SNS: throttled');
      },
    };

    const lines = await replay(findings, DEFAULTS, { ...inMemory(), notifier });

    expect(attempts).toBe(2);
    // The same page (its `at` is when the engine decided it), listed once: the refusal is not a send.
    expect(lines).toEqual(await replay(findings, DEFAULTS, inMemory()));
  });

  it('replays nothing from nothing', async () => {
    expect(await replay([], DEFAULTS, inMemory())).toEqual([]);
  });

  it('refuses a timeline longer than it simulates', async () => {
    const [first] = readNdjsonFindings(fixture('dns-outage-12min')) as [Finding];
    const far = {
      ...first,
      startedAt: new Date(Date.parse(first.startedAt) + (MAX_REPLAY_MINUTES + 5) * MIN).toISOString(),
    };
    await expect(replay([first, far], DEFAULTS, inMemory())).rejects.toThrow(
      /span 100005 minutes; at most 100000/,
    );
  });
});

describe('replay input a person can write', () => {
  it('accepts minimal lines: monitorId, location, startedAt, status, and error.code when not up', () => {
    const text = [
      '{"monitorId":"shop","location":"eu-west-1","startedAt":"2026-11-24T12:00:00Z","status":"up"}',
      '{"monitorId":"shop","location":"eu-west-1","startedAt":"2026-11-24T12:01:00Z","status":"down","error":{"code":"TCP_REFUSED"}}',
      '{"monitorId":"shop","location":"us-east-1","startedAt":"2026-11-24T12:01:00Z","status":"down","error":{"code":"DNS_TIMEOUT"}}',
      '{"monitorId":"shop","location":"us-east-1","startedAt":"2026-11-24T12:02:00Z","status":"degraded","error":{"code":"LATENCY_HIGH"}}',
    ].join('\n');
    const findings = readNdjsonFindings(text);
    expect(findings.map((f) => [f.status, f.error?.code ?? null, f.layer, f.issueType])).toEqual([
      ['up', null, null, null],
      ['down', 'TCP_REFUSED', 'transport', 'tcp'],
      ['down', 'DNS_TIMEOUT', 'dns', 'dns'],
      ['degraded', 'LATENCY_HIGH', 'application', 'tcp'],
    ]);
    expect(findings[1]).toMatchObject({ probe: 'http', target: 'shop', error: { message: 'TCP_REFUSED' } });
  });

  it('replays minimal lines like full ones: 12 minutes of DNS timeouts in 3 regions page network-team', async () => {
    const lines: string[] = [];
    for (let m = 0; m < 14; m++) {
      for (const location of ['eu-west-1', 'us-east-1', 'ap-southeast-1']) {
        const startedAt = new Date(Date.parse('2026-11-24T12:00:00Z') + m * MIN).toISOString();
        const failing = m < 12;
        lines.push(
          JSON.stringify({
            monitorId: 'www',
            location,
            startedAt,
            status: failing ? 'down' : 'up',
            ...(failing ? { error: { code: 'DNS_TIMEOUT' } } : {}),
          }),
        );
      }
    }
    const replayed = await replay(readNdjsonFindings(lines.join('\n')), DEFAULTS, inMemory());
    expect(replayed.map((l) => `${l.kind}:${l.team}:${l.issueType}`)).toEqual([
      'escalate:network-team:dns',
      'resolve:network-team:dns',
    ]);
  });

  it('reports every bad line with its number, up to 20, then how many more', () => {
    const bad = '{"monitorId":"shop","location":"eu-west-1","startedAt":"noon","status":"up"}';
    const ok = '{"monitorId":"shop","location":"eu-west-1","startedAt":"2026-11-24T12:00:00Z","status":"up"}';
    const text = [ok, bad, '{', ok, ...Array.from({ length: 22 }, () => bad)].join('\n');
    let error: unknown;
    try {
      readNdjsonFindings(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FindingsFileError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('line 2: startedAt: expected an ISO-8601 timestamp with zone');
    expect(lines[1]).toMatch(/^line 3: not JSON/);
    expect(lines[2]).toBe('line 5: startedAt: expected an ISO-8601 timestamp with zone');
    expect(lines[19]).toMatch(/^line 22: /);
    expect(lines[20]).toBe('… and 4 more bad lines');
    expect((error as FindingsFileError).line).toBe(2);
  });
});

describe('readNdjsonFindings', () => {
  const good = fixture('dns-outage-12min').split('\n')[20] as string;
  const down = JSON.parse(good) as Record<string, unknown>;

  it('reads one finding per line, skipping blank lines and CRLF endings', () => {
    const text = `\n${good}\r\n\r\n${good}\n`;
    expect(readNdjsonFindings(text)).toEqual([down, down]);
  });

  it.each([
    ['not JSON', `${good}\n{"monitorId":`, /^line 2: not JSON/],
    [
      'a bad timestamp',
      JSON.stringify({ ...down, startedAt: 'yesterday' }),
      /^line 1: startedAt: expected an ISO-8601 timestamp with zone$/,
    ],
    [
      'a timestamp without zone',
      JSON.stringify({ ...down, startedAt: '2026-11-24T12:00:00' }),
      /^line 1: startedAt:/,
    ],
    [
      'an impossible date',
      JSON.stringify({ ...down, startedAt: '2026-13-45T12:00:00Z' }),
      /^line 1: startedAt: not a real date$/,
    ],
    // Issue 14, on purpose (was: issueType required when down): the type is derived from the code;
    // the code itself is what a failing line must carry.
    [
      'a down finding without error code',
      JSON.stringify({ ...down, error: null }),
      /^line 1: error\.code: required when status is not up/,
    ],
    [
      'an unknown error code',
      JSON.stringify({ ...down, error: { code: 'DNS_OOPS', message: 'x' } }),
      /^line 1: error\.code:/,
    ],
    ['a missing monitorId', JSON.stringify({ ...down, monitorId: undefined }), /^line 1: monitorId:/],
    ['an array', '[1,2]', /^line 1: /],
  ])('rejects %s with the line and field', (_name, text, message) => {
    let error: unknown;
    try {
      readNdjsonFindings(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FindingsFileError);
    expect((error as Error).message).toMatch(message);
  });
});

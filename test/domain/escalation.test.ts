import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import {
  DELIVERY_LEASE_MS,
  type EscalationConfig,
  EscalationEngine,
  type MonitorPolicy,
} from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import type { Finding, IssueType } from '../../shared/domain/finding.ts';
import { assess } from '../../shared/domain/incident-assess.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import type { Notification } from '../../shared/ports/notifier.ts';
import type { FindingQuery } from '../../shared/ports/store.ts';

// ---------------------------------------------------------------- realistic findings

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const MIN = 60_000;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];
/** Runners in different regions start a few hundred ms apart. */
const JITTER: Record<string, number> = {
  'eu-west-1': 412,
  'us-east-1': 1187,
  'ap-southeast-1': 2093,
  'sa-east-1': 2650,
};
const at = (minute: number, location = 'eu-west-1') => new Date(T0 + minute * MIN + (JITTER[location] ?? 0));

/** down: dns, tcp, http503. degraded: slow (LATENCY_HIGH, pages), certExpiring (TLS_CERT_EXPIRING, never pages). */
type Outcome = 'up' | 'dns' | 'tcp' | 'http503' | 'slow' | 'certExpiring';

function finding(monitorId: string, location: string, minute: number, outcome: Outcome): Finding {
  const startedAt = at(minute, location).toISOString();
  const base = {
    monitorId,
    location,
    startedAt,
    probe: 'http' as const,
    target: `https://${monitorId}.example.com/health`,
  };
  const details = { kind: 'http' as const, url: base.target, method: 'GET', redirects: [] };
  switch (outcome) {
    case 'up':
      return {
        ...base,
        status: 'up',
        timings: { dns: 8.2, connect: 19.5, tls: 28.1, ttfb: 45.3, transfer: 0.3, total: 101.4 },
        error: null,
        layer: null,
        details: { ...details, statusCode: 200, remoteAddress: '192.0.2.20', bodyBytes: 15 },
        issueType: null,
        diagnosis: null,
      };
    case 'dns':
      return {
        ...base,
        status: 'down',
        timings: { dns: 5000.3, total: 5000.6 },
        error: { code: 'DNS_TIMEOUT', message: `no answer for ${monitorId}.example.com within 5000 ms` },
        layer: 'dns',
        details,
        issueType: 'dns',
        diagnosis: `DNS: ${monitorId}.example.com does not resolve (timeout): the resolver or the zone's nameservers are unreachable.`,
      };
    case 'tcp':
      return {
        ...base,
        status: 'down',
        timings: { dns: 8.9, connect: 5000.2, total: 5009.1 },
        error: { code: 'TCP_TIMEOUT', message: 'no TCP handshake with 192.0.2.20:443 within 5000 ms' },
        layer: 'transport',
        details: { ...details, remoteAddress: '192.0.2.20' },
        issueType: 'tcp',
        diagnosis: 'Transport: 192.0.2.20:443 accepts no connections (timeout).',
      };
    case 'http503':
      return {
        ...base,
        status: 'down',
        timings: { dns: 8.4, connect: 18.8, tls: 27.9, ttfb: 12.1, transfer: 0.2, total: 67.4 },
        error: { code: 'HTTP_STATUS', message: 'status 503, expected 200-399' },
        layer: 'application',
        details: { ...details, statusCode: 503, remoteAddress: '192.0.2.20' },
        issueType: 'cdn',
        diagnosis: 'Application: the CDN edge answers 503 Service Unavailable.',
      };
    case 'slow':
      return {
        ...base,
        status: 'degraded',
        timings: { dns: 8.1, connect: 19.2, tls: 28.4, ttfb: 2412.7, transfer: 0.3, total: 2468.7 },
        error: { code: 'LATENCY_HIGH', message: 'ttfb took 2412.7 ms, over the 1000 ms threshold' },
        layer: 'application',
        details: { ...details, statusCode: 200, remoteAddress: '192.0.2.20', bodyBytes: 15 },
        issueType: 'tcp',
        diagnosis:
          "Works but slow: ttfb took 2.4 s, over the 1.0 s threshold; check the application's response time.",
      };
    case 'certExpiring':
      return {
        ...base,
        status: 'degraded',
        timings: { dns: 8.2, connect: 19.5, tls: 28.1, ttfb: 45.3, transfer: 0.3, total: 101.4 },
        error: {
          code: 'TLS_CERT_EXPIRING',
          message:
            'certificate of 192.0.2.20:443 expires on 2026-12-06T15:14:07.000Z (12 days left), under 21 days',
        },
        layer: 'tls',
        details: { ...details, statusCode: 200, remoteAddress: '192.0.2.20', bodyBytes: 15 },
        issueType: 'tcp',
        diagnosis: `Certificate for ${monitorId}.example.com expires in 12 days (notAfter 2026-12-06); renew it.`,
      };
  }
}

const CONFIG: EscalationConfig = {
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2 },
  classification: { allLocationsDown: 'connectivity' },
  monitors: [
    { id: 'www', intervalMinutes: 1 },
    { id: 'edge', intervalMinutes: 1, cdn: true },
    { id: 'payments', intervalMinutes: 1, team: 'payments-oncall' },
    { id: 'batch', intervalMinutes: 5 },
    { id: 'db-primary', intervalMinutes: 1, regions: ['eu-west-1'] },
  ],
};

// ---------------------------------------------------------------- a controlled world

class Harness {
  readonly clock = new ManualClock(new Date(T0 - 10 * MIN));
  readonly store = new MemoryStore();
  readonly sent: Notification[] = [];
  /** Publishes to fail before the notifier starts accepting again. */
  failNext = 0;
  readonly engine: EscalationEngine;

  constructor(config: EscalationConfig = CONFIG) {
    this.engine = this.engineOn(config);
  }

  engineOn(config: EscalationConfig): EscalationEngine {
    return new EscalationEngine({
      store: this.store,
      clock: this.clock,
      config,
      notifier: {
        publish: async (n) => {
          if (this.failNext > 0) {
            this.failNext--;
            throw new Error('SNS: Throttling: Rate exceeded');
          }
          this.sent.push(n);
        },
      },
    });
  }

  /** Findings arrive (the runner wrote them; the stream hands them to the escalator). */
  async arrive(findings: Finding[], when?: Date) {
    const latest = Math.max(...findings.map((f) => Date.parse(f.startedAt)));
    this.clock.set(when ?? new Date(Math.max(latest, this.clock.now().getTime())));
    await this.store.putFindings(findings);
    return this.engine.processFindings(findings);
  }

  async tickAt(when: Date) {
    this.clock.set(when);
    return this.engine.tick();
  }

  /** Every location runs every minute; each location's finding arrives on its own; ticks on the minute. */
  async timeline(
    monitorId: string,
    fromMinute: number,
    toMinute: number,
    outcome: (m: number, loc: string) => Outcome,
    locations = REGIONS,
  ) {
    for (let m = fromMinute; m <= toMinute; m++) {
      if (at(m, 'x').getTime() > this.clock.now().getTime()) await this.tickAt(at(m, 'x'));
      for (const loc of locations) await this.arrive([finding(monitorId, loc, m, outcome(m, loc))]);
    }
  }

  kinds() {
    return this.sent.map((n) => `${n.kind}:${n.team}:${n.issueType}`);
  }
}

const minutesAfterT0 = (iso: string) => (Date.parse(iso) - T0) / MIN;

// ---------------------------------------------------------------- tests

describe('EscalationEngine', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });

  it.each<[string, string, Outcome, (loc: string) => boolean, IssueType, string, number]>([
    ['DNS failure everywhere stays dns', 'www', 'dns', () => true, 'dns', 'network-team', 10],
    [
      'TCP failure in 2 of 3 locations',
      'www',
      'tcp',
      (l) => l !== 'ap-southeast-1',
      'tcp',
      'performance-team',
      15,
    ],
    ['CDN 503 in 2 of 3 locations', 'edge', 'http503', (l) => l !== 'ap-southeast-1', 'cdn', 'cdn-team', 5],
    // Degraded with a paging code is failing; everywhere, it stays slowness (tcp), never an outage.
    ['slowness (LATENCY_HIGH) everywhere', 'www', 'slow', () => true, 'tcp', 'performance-team', 15],
    ['slowness in 2 of 3 locations', 'www', 'slow', (l) => l !== 'us-east-1', 'tcp', 'performance-team', 15],
    [
      'TCP failure everywhere is a complete outage',
      'www',
      'tcp',
      () => true,
      'connectivity',
      'infrastructure-team',
      2,
    ],
  ])(
    '%s: one escalate at t0 + table time, one resolve after recovery',
    async (_name, monitorId, fault, where, type, team, minutes) => {
      const recoverAt = minutes + 4;
      await h.timeline(monitorId, -3, recoverAt + 3, (m, loc) =>
        m >= 0 && m < recoverAt && where(loc) ? fault : 'up',
      );

      expect(h.kinds()).toEqual([`escalate:${team}:${type}`, `resolve:${team}:${type}`]);
      const [escalate, resolve] = h.sent as [Notification, Notification];
      const escalatedAfter = minutesAfterT0(escalate.at);
      expect(escalatedAfter).toBeGreaterThanOrEqual(minutes);
      expect(escalatedAfter).toBeLessThan(minutes + 1); // within one interval
      expect(escalate.firstSeen).toBe(at(0, 'eu-west-1').toISOString());
      expect(escalate.locations.failing).toEqual(REGIONS.filter(where).sort());
      expect(escalate.subject.length).toBeLessThanOrEqual(100);
      expect(resolve.incidentId).toBe(escalate.incidentId);
      expect(resolve.reason).toBe('recovered');
      expect(resolve.locations).toEqual({ failing: [], healthy: [...REGIONS].sort() });
      expect(minutesAfterT0(resolve.at)).toBeGreaterThanOrEqual(recoverAt);
      expect(minutesAfterT0(resolve.at)).toBeLessThan(recoverAt + 1);
      expect(await h.store.listActiveIncidents()).toEqual({ items: [] });
    },
  );

  it('opens no incident for one transient failure in one location', async () => {
    await h.timeline('www', -3, 20, (m, loc) => (m === 0 && loc === 'us-east-1' ? 'dns' : 'up'));
    expect(h.sent).toEqual([]);
    expect(await h.store.listActiveIncidents()).toEqual({ items: [] });
    expect((await h.store.getIncident('www', 'none')) ?? null).toBeNull();
  });

  // Issue 14, on purpose (was: never an incident): a failure in one region of three hurts that region's
  // users. After confirmation.regional's 5 runs it opens a regional incident, paged at the type's table
  // time to the type's team one severity lower, naming the region.
  it('a failure that stays in one location of three opens a regional incident after 5 runs, paged one severity lower', async () => {
    const reports = [];
    for (let m = 0; m < 30; m++) {
      for (const loc of REGIONS)
        reports.push(await h.arrive([finding('www', loc, m, loc === 'eu-west-1' ? 'tcp' : 'up')]));
    }
    const opened = reports.flatMap((r) => r.transitions).filter((t) => t.kind === 'opened');
    expect(opened).toHaveLength(1);
    expect(minutesAfterT0((opened[0] as { at: string }).at)).toBeCloseTo(4, 0);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({
      kind: 'escalate',
      team: 'performance-team',
      issueType: 'tcp',
      scope: 'regional',
      severity: 'low',
      locations: { failing: ['eu-west-1'] },
    });
    expect((h.sent[0] as Notification).subject).toContain('tcp failure in eu-west-1 (regional)');
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeGreaterThanOrEqual(15);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeLessThan(16.5);
  });

  it('with confirmation.regional false, a failure that stays in one location of three never pages', async () => {
    const off = new Harness({ ...CONFIG, confirmation: { ...CONFIG.confirmation, regional: false } });
    const reports = [];
    for (let m = 0; m < 30; m++) {
      for (const loc of REGIONS)
        reports.push(await off.arrive([finding('www', loc, m, loc === 'eu-west-1' ? 'tcp' : 'up')]));
    }
    expect(reports.flatMap((r) => r.transitions)).toEqual([]);
    expect(off.sent).toEqual([]);
  });

  it('closes a confirmed incident that recovers before its table time without paging anyone', async () => {
    const reports = [];
    for (let m = 0; m <= 8; m++) {
      for (const loc of REGIONS) reports.push(await h.arrive([finding('www', loc, m, m < 4 ? 'dns' : 'up')]));
    }
    expect(reports.flatMap((r) => r.transitions.map((t) => t.kind))).toEqual(['opened', 'resolved']);
    expect(h.sent).toEqual([]);
    expect(await h.store.listActiveIncidents()).toEqual({ items: [] });
  });

  it('escalates at table time from the tick alone when no new finding arrives', async () => {
    await h.timeline('www', 0, 1, () => 'dns');
    // The runners go quiet (home table unreachable from them, say): only ticks from here on.
    for (let m = 2; m <= 12; m++) await h.tickAt(at(m, 'x'));
    expect(h.kinds()).toEqual(['escalate:network-team:dns']);
    // Due at t0 + 10 min + 412 ms (eu-west-1's start): the next minute's tick sends it.
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBe(11);
    // No data is not a recovery: the incident stays open.
    expect((await h.store.listOpenIncidents()).items).toHaveLength(1);
  });

  it('ticks only the monitors that are failing somewhere or have an active incident, not the fleet', async () => {
    const fleet = Array.from({ length: 1000 }, (_, n) => ({ id: `m${n}`, intervalMinutes: 1 }));
    const config = { ...CONFIG, monitors: [...CONFIG.monitors, ...fleet] };
    // The whole fleet up everywhere; 'www' failing in two regions, written but never streamed to
    // the engine (a lost stream batch): the tick alone must notice it.
    for (const loc of REGIONS) await h.store.putFindings(fleet.map((m) => finding(m.id, loc, 0, 'up')));
    await h.store.putFindings(REGIONS.slice(0, 2).map((loc) => finding('www', loc, 0, 'dns')));
    const queried: string[] = [];
    const counting = new Proxy(h.store, {
      get(store, name) {
        if (name === 'queryFindings')
          return (monitorId: string, query?: FindingQuery) => {
            queried.push(monitorId);
            return store.queryFindings(monitorId, query);
          };
        const value = Reflect.get(store, name);
        return typeof value === 'function' ? value.bind(store) : value;
      },
    });
    const notifier = { publish: async (n: Notification) => void h.sent.push(n) };
    const ticking = new EscalationEngine({ store: counting, clock: h.clock, config, notifier });
    h.clock.set(at(1, 'x'));

    const report = await ticking.tick();

    expect(queried).toEqual(['www']);
    expect(report.transitions.map((t) => `${t.kind}:${t.monitorId}`)).toEqual(['opened:www']);
    // Once it recovers everywhere, it leaves the failing index: the next tick reads nothing at all.
    for (const loc of REGIONS) await h.arrive([finding('www', loc, 1, 'up')]);
    queried.length = 0;
    h.clock.set(at(2, 'x'));
    await ticking.tick();
    expect(queried).toEqual([]);
  });

  it('confirms a single-location monitor after consecutiveRuns failed runs, timed from the first', async () => {
    const one = ['sa-east-1'];
    await h.timeline('batch', 0, 0, () => 'tcp', one);
    expect((await h.store.getOpenIncidents('batch')).length).toBe(0);
    // Runs every 5 minutes: minute 5 is the second consecutive failure.
    for (const m of [5, 10, 15]) {
      await h.tickAt(at(m - 1, 'x'));
      await h.arrive([finding('batch', 'sa-east-1', m, 'tcp')]);
    }
    const [incident] = await h.store.getOpenIncidents('batch');
    expect(incident?.firstSeen).toBe(at(0, 'sa-east-1').toISOString());
    expect(incident?.issueType).toBe('tcp'); // one vantage point never makes a complete outage
    expect(h.kinds()).toEqual(['escalate:performance-team:tcp']);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeCloseTo(15, 1);
  });

  it('calls a single-region monitor hard down in its one region a complete outage', async () => {
    const one = ['eu-west-1'];
    await h.timeline('db-primary', 0, 6, (m) => (m < 5 ? 'tcp' : 'up'), one);
    // Confirmed by consecutive runs at minute 1; connectivity pages 2 minutes after the first failure.
    expect(h.kinds()).toEqual([
      'escalate:infrastructure-team:connectivity',
      'resolve:infrastructure-team:connectivity',
    ]);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeGreaterThanOrEqual(2);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeLessThan(3);
  });

  it('pages the monitor team override instead of the table team', async () => {
    await h.timeline('payments', 0, 14, (m) => (m < 12 ? 'dns' : 'up'));
    expect(h.kinds()).toEqual(['escalate:payments-oncall:dns', 'resolve:payments-oncall:dns']);
    expect(h.sent[0]?.severity).toBe('high');
  });

  it('re-classifies: a DNS outage that becomes a complete outage pages infrastructure and stands network down', async () => {
    // DNS fails everywhere from t0; at +12 names resolve again but nothing connects; recovery at +20.
    await h.timeline('www', -2, 24, (m) => (m < 0 || m >= 20 ? 'up' : m < 12 ? 'dns' : 'tcp'));

    expect(h.kinds()).toEqual([
      'escalate:network-team:dns',
      'resolve:network-team:dns',
      'escalate:infrastructure-team:connectivity',
      'resolve:infrastructure-team:connectivity',
    ]);
    const [dnsPage, dnsClosed, outagePage, outageClosed] = h.sent as Notification[] as [
      Notification,
      Notification,
      Notification,
      Notification,
    ];
    expect(minutesAfterT0(dnsPage.at)).toBeCloseTo(10, 1);
    expect(dnsClosed.reason).toBe('superseded');
    expect(dnsClosed.supersededBy).toBe(outagePage.incidentId);
    // The outage clock starts at the original first failure; the new team is paged once the
    // new type has held for one interval (12 + 1), not at 12 + 2 minutes.
    expect(outagePage.firstSeen).toBe(dnsPage.firstSeen);
    expect(minutesAfterT0(outagePage.at)).toBeGreaterThanOrEqual(13);
    expect(minutesAfterT0(outagePage.at)).toBeLessThan(14);
    expect(outageClosed.reason).toBe('recovered');
    expect(minutesAfterT0(outageClosed.at)).toBeGreaterThanOrEqual(20);
    expect(minutesAfterT0(outageClosed.at)).toBeLessThan(21);
  });

  it('keeps a complete outage as it narrows during recovery (no page to a second team)', async () => {
    // Everything down for 10 minutes, then regions recover one per minute.
    const recovered = (m: number, loc: string) => m >= 10 + REGIONS.indexOf(loc);
    await h.timeline('www', 0, 15, (m, loc) => (recovered(m, loc) ? 'up' : 'tcp'));
    expect(h.kinds()).toEqual([
      'escalate:infrastructure-team:connectivity',
      'resolve:infrastructure-team:connectivity',
    ]);
    expect(minutesAfterT0((h.sent[1] as Notification).at)).toBeGreaterThanOrEqual(12);
  });

  it('pages no one for a certificate expiring everywhere for 30 minutes, and opens no incident', async () => {
    const reports = [];
    for (let m = 0; m < 30; m++) {
      reports.push(await h.tickAt(at(m, 'x')));
      for (const loc of REGIONS) reports.push(await h.arrive([finding('www', loc, m, 'certExpiring')]));
    }
    expect(reports.flatMap((r) => r.transitions)).toEqual([]);
    expect(h.sent).toEqual([]);
    // A warning location counts as passing: the monitor is clear, not unknown.
    const findings = (await h.store.queryFindings('www', { from: at(28, 'x'), to: at(30, 'x') })).items;
    expect(assess(findings, CONFIG.monitors[0] as MonitorPolicy, CONFIG).state).toBe('clear');
  });

  it.each([
    // Slow for 20 minutes (performance-team paged at +15), then nothing connects anywhere.
    [20, ['escalate:performance-team:tcp', 'resolve:performance-team:tcp']],
    // Slow for 5 minutes (nobody paged yet), then nothing connects anywhere.
    [5, []],
  ])(
    're-classifies slowness that turns into a hard failure everywhere (at +%i) to a complete outage',
    async (change, before) => {
      const recoverAt = change + 6;
      await h.timeline('www', -2, recoverAt + 2, (m) =>
        m < 0 || m >= recoverAt ? 'up' : m < change ? 'slow' : 'tcp',
      );

      expect(h.kinds()).toEqual([
        ...before,
        'escalate:infrastructure-team:connectivity',
        'resolve:infrastructure-team:connectivity',
      ]);
      const outagePage = h.sent[before.length] as Notification;
      if (before.length > 0) {
        const [slowPage, slowClosed] = h.sent as [Notification, Notification];
        expect(minutesAfterT0(slowPage.at)).toBeGreaterThanOrEqual(15);
        expect(minutesAfterT0(slowPage.at)).toBeLessThan(16);
        expect(slowClosed.reason).toBe('superseded');
        expect(slowClosed.supersededBy).toBe(outagePage.incidentId);
      }
      // One failure from its slow start; the outage team is paged once the outage held one interval.
      expect(outagePage.firstSeen).toBe(at(0, 'eu-west-1').toISOString());
      expect(outagePage.errorCodes).toEqual(['TCP_TIMEOUT']);
      expect(minutesAfterT0(outagePage.at)).toBeGreaterThanOrEqual(change + 1);
      expect(minutesAfterT0(outagePage.at)).toBeLessThan(change + 2);
      expect(minutesAfterT0((h.sent.at(-1) as Notification).at)).toBeLessThan(recoverAt + 1);
    },
  );

  it('keeps a complete outage that recovers into slowness open until the monitor is healthy (no second team)', async () => {
    await h.timeline('www', 0, 22, (m) => (m < 10 ? 'tcp' : m < 18 ? 'slow' : 'up'));
    expect(h.kinds()).toEqual([
      'escalate:infrastructure-team:connectivity',
      'resolve:infrastructure-team:connectivity',
    ]);
    expect(minutesAfterT0((h.sent[1] as Notification).at)).toBeGreaterThanOrEqual(18);
    expect(minutesAfterT0((h.sent[1] as Notification).at)).toBeLessThan(19);
  });

  it('sends one escalate and one resolve when every finding is delivered twice', async () => {
    for (let m = -1; m <= 14; m++) {
      await h.tickAt(at(m, 'x'));
      const batch = REGIONS.map((loc) => finding('www', loc, m, m >= 0 && m < 12 ? 'dns' : 'up'));
      await h.arrive(batch);
      await h.arrive(batch); // stream redelivery
      await h.arrive(structuredClone(batch).reverse());
    }
    // The whole timeline once more, as after a stream replay.
    const everything = [];
    for (let m = -1; m <= 14; m++)
      for (const loc of REGIONS) everything.push(finding('www', loc, m, m >= 0 && m < 12 ? 'dns' : 'up'));
    await h.arrive(everything);
    await h.tickAt(at(16, 'x'));
    expect(h.kinds()).toEqual(['escalate:network-team:dns', 'resolve:network-team:dns']);
  });

  it('sends one escalate and one resolve when findings arrive late and out of order', async () => {
    const late: Finding[] = [];
    for (let m = -1; m <= 15; m++) {
      await h.tickAt(at(m, 'x'));
      const batch = REGIONS.map((loc) => finding('www', loc, m, m >= 0 && m < 12 ? 'dns' : 'up')).reverse();
      // us-east-1's writes lag two minutes behind; its oldest ones come after newer ones.
      const [ap, us, eu] = batch as [Finding, Finding, Finding];
      await h.arrive([ap, eu], at(m, 'ap-southeast-1'));
      late.push(us);
      if (late.length > 2) await h.arrive(late.splice(0, 1).reverse(), at(m, 'ap-southeast-1'));
    }
    await h.arrive(late.splice(0), at(16, 'x'));
    expect(h.kinds()).toEqual(['escalate:network-team:dns', 'resolve:network-team:dns']);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeLessThan(11);
  });

  it('measures the clock from the first failing finding even when it arrives last', async () => {
    // eu-west-1 fails first at t0 but its finding is delayed; the incident opens on the others at +1.
    const delayed = finding('www', 'eu-west-1', 0, 'dns');
    await h.arrive([finding('www', 'us-east-1', 0, 'up'), finding('www', 'ap-southeast-1', 0, 'up')]);
    for (let m = 1; m <= 3; m++) await h.arrive(REGIONS.map((loc) => finding('www', loc, m, 'dns')));
    const [before] = await h.store.getOpenIncidents('www');
    expect(before?.firstSeen).toBe(at(1, 'eu-west-1').toISOString());

    const report = await h.arrive([delayed], at(3, 'ap-southeast-1'));
    expect(report.transitions.map((t) => t.kind)).toEqual(['first-seen-moved']);
    for (let m = 4; m <= 10; m++) {
      await h.tickAt(at(m, 'x'));
      await h.arrive(REGIONS.map((loc) => finding('www', loc, m, 'dns')));
    }
    expect(h.kinds()).toEqual(['escalate:network-team:dns']);
    expect(h.sent[0]?.firstSeen).toBe(delayed.startedAt);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeLessThan(10.1);
  });

  it('pages once when two escalators process the same findings concurrently', async () => {
    const twin = h.engineOn(CONFIG);
    for (let m = 0; m <= 14; m++) {
      h.clock.set(at(m, 'x'));
      const batch = REGIONS.map((loc) => finding('www', loc, m, m < 12 ? 'dns' : 'up'));
      h.clock.set(at(m, 'ap-southeast-1'));
      await h.store.putFindings(batch);
      await Promise.all([
        h.engine.processFindings(batch),
        twin.processFindings(batch),
        twin.tick(),
        h.engine.tick(),
      ]);
    }
    expect(h.kinds()).toEqual(['escalate:network-team:dns', 'resolve:network-team:dns']);
  });

  it('retries a page the notifier rejected after the delivery lease, and holds the resolve behind it', async () => {
    h.failNext = 1;
    await h.timeline('www', 0, 10, () => 'dns');
    expect(h.sent).toEqual([]);
    const [pending] = (await h.store.listActiveIncidents()).items;
    expect(pending?.outbox.escalate?.notification.kind).toBe('escalate');

    // Recovery before the lease expires: the resolve waits for its escalate.
    await h.arrive(REGIONS.map((loc) => finding('www', loc, 10.5, 'up')));
    expect(h.sent).toEqual([]);
    const report = await h.tickAt(
      new Date(Date.parse(pending?.outbox.escalate?.claimedAt ?? '') + DELIVERY_LEASE_MS),
    );
    expect(report.published.map((n) => n.kind)).toEqual(['escalate']);
    await h.tickAt(new Date(h.clock.now().getTime() + DELIVERY_LEASE_MS));
    await h.tickAt(new Date(h.clock.now().getTime() + DELIVERY_LEASE_MS));
    expect(h.kinds()).toEqual(['escalate:network-team:dns', 'resolve:network-team:dns']);
    expect(await h.store.listActiveIncidents()).toEqual({ items: [] });
  });

  it('reports findings of unconfigured monitors as ignored and opens nothing for them', async () => {
    const report = await h.arrive(REGIONS.map((loc) => finding('https://adhoc.example.com/', loc, 0, 'dns')));
    expect(report.ignored).toEqual([
      { monitorId: 'https://adhoc.example.com/', reason: 'not a configured monitor' },
    ]);
    expect(report.transitions).toEqual([]);
  });

  it('freezes routing at open: a config change does not re-route a page already out', async () => {
    await h.timeline('www', 0, 3, () => 'dns');
    const retuned = h.engineOn({
      ...CONFIG,
      escalation: {
        ...CONFIG.escalation,
        dns: { ...CONFIG.escalation.dns, team: 'dns-vendor', escalateAfterMinutes: 1 },
      },
    });
    h.clock.set(at(4, 'x'));
    await retuned.tick();
    expect(h.sent).toEqual([]); // still the 10-minute rule the incident opened with
  });
});

describe('assess', () => {
  const www: MonitorPolicy = { id: 'www', intervalMinutes: 1 };

  it('counts a location only while its latest run is fresh (1.5 intervals from the newest finding)', () => {
    const findings = [finding('www', 'eu-west-1', 0, 'dns'), finding('www', 'us-east-1', 0, 'dns')];
    expect(assess(findings, www, CONFIG).state).toBe('confirmed');
    const later = [...findings, finding('www', 'eu-west-1', 2, 'dns')];
    // us-east-1 last ran two minutes before the newest finding: it no longer counts.
    expect(assess(later, www, CONFIG)).toMatchObject({ state: 'failing', failing: ['eu-west-1'] });
  });

  it('calls it clear only with fresh evidence from enough locations', () => {
    expect(assess([finding('www', 'eu-west-1', 0, 'up')], www, CONFIG).state).toBe('clear');
    const one = [
      finding('www', 'eu-west-1', 0, 'up'),
      finding('www', 'us-east-1', 0, 'up'),
      finding('www', 'eu-west-1', 3, 'up'),
    ];
    expect(assess(one, www, CONFIG).state).toBe('unknown');
    expect(assess([], www, CONFIG).state).toBe('unknown');
  });

  it('re-derives a single-vantage "connectivity" label unless every location fails here too', () => {
    const cliLabel = (loc: string) => ({
      ...finding('www', loc, 0, 'tcp'),
      issueType: 'connectivity' as const,
    });
    const partial = [cliLabel('eu-west-1'), cliLabel('us-east-1'), finding('www', 'ap-southeast-1', 0, 'up')];
    expect(assess(partial, www, CONFIG).issueType).toBe('tcp');
    const all = [cliLabel('eu-west-1'), cliLabel('us-east-1'), cliLabel('ap-southeast-1')];
    expect(assess(all, www, CONFIG)).toMatchObject({ issueType: 'connectivity', completeOutage: true });
  });

  it.each<[string, Outcome[]]>([
    ['slow everywhere', ['slow', 'slow', 'slow']],
    ['down in two, slow in one', ['tcp', 'tcp', 'slow']],
    ['slow in two, down in one', ['slow', 'tcp', 'slow']],
  ])('never calls it a complete outage unless every location fails hard: %s', (_name, outcomes) => {
    const findings = REGIONS.map((loc, i) => finding('www', loc, 0, outcomes[i] as Outcome));
    expect(assess(findings, www, CONFIG)).toMatchObject({
      state: 'confirmed',
      issueType: 'tcp',
      completeOutage: false,
      failing: [...REGIONS].sort(),
      healthy: [],
    });
  });

  it('counts a location with an expiring certificate as healthy, a slow one as failing', () => {
    const findings = [
      finding('www', 'eu-west-1', 0, 'slow'),
      finding('www', 'us-east-1', 0, 'slow'),
      finding('www', 'ap-southeast-1', 0, 'certExpiring'),
    ];
    expect(assess(findings, www, CONFIG)).toMatchObject({
      state: 'confirmed',
      failing: ['eu-west-1', 'us-east-1'],
      healthy: ['ap-southeast-1'],
      errorCodes: ['LATENCY_HIGH'],
    });
  });

  it('breaks a tied vote towards the open incident, else the most urgent type', () => {
    const split = [
      finding('www', 'eu-west-1', 0, 'dns'),
      finding('www', 'us-east-1', 0, 'tcp'),
      finding('www', 'ap-southeast-1', 0, 'up'),
    ];
    expect(assess(split, www, CONFIG).issueType).toBe('dns'); // 10 min beats 15
    expect(assess(split, www, CONFIG, 'tcp').issueType).toBe('tcp');
    expect(assess(split, www, CONFIG).confirmedTypes).toEqual([]);
  });

  it('ranks error codes by how many locations report them', () => {
    const mixed = [
      finding('www', 'eu-west-1', 0, 'tcp'),
      finding('www', 'us-east-1', 0, 'tcp'),
      finding('www', 'ap-southeast-1', 0, 'dns'),
    ];
    expect(assess(mixed, www, CONFIG).errorCodes).toEqual(['TCP_TIMEOUT', 'DNS_TIMEOUT']);
  });
});

// Issue 14: during a maintenance window incidents open as always but no page goes out; one still open
// and past its table time when the window ends pages then, once; resolves follow what was paged.
describe('maintenance windows', () => {
  const window = (fromMinute: number, toMinute: number, monitors: string[] | '*' = ['www']) => ({
    ...CONFIG,
    maintenance: [
      {
        monitors,
        from: new Date(T0 + fromMinute * MIN).toISOString(),
        to: new Date(T0 + toMinute * MIN).toISOString(),
        reason: 'db upgrade',
      },
    ],
  });

  it('holds the page of an incident past its table time and sends it once when the window ends', async () => {
    const h = new Harness(window(5, 20));
    const reports = [];
    for (let m = -2; m <= 30; m++) {
      reports.push(await h.tickAt(at(m, 'x')));
      for (const loc of REGIONS)
        reports.push(await h.arrive([finding('www', loc, m, m >= 0 ? 'dns' : 'up')]));
    }
    // Opened inside the window (the incident exists, findings are stored), paged at its end only.
    expect(reports.flatMap((r) => r.transitions.map((t) => t.kind))).toEqual(['opened', 'escalated']);
    expect(h.kinds()).toEqual(['escalate:network-team:dns']);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBe(20);
    expect((await h.store.listOpenIncidents()).items).toHaveLength(1);
  });

  it('pages other monitors as usual during a window that does not cover them', async () => {
    const h = new Harness(window(-5, 60, ['edge']));
    await h.timeline('www', 0, 12, () => 'dns');
    expect(h.kinds()).toEqual(['escalate:network-team:dns']);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBeLessThan(11);
  });

  it('sends the resolve of an incident paged before the window inside the window', async () => {
    const h = new Harness(window(12, 40, '*'));
    await h.timeline('www', 0, 20, (m) => (m < 15 ? 'dns' : 'up'));
    expect(h.kinds()).toEqual(['escalate:network-team:dns', 'resolve:network-team:dns']);
    expect(minutesAfterT0((h.sent[1] as Notification).at)).toBeGreaterThanOrEqual(15);
    expect(minutesAfterT0((h.sent[1] as Notification).at)).toBeLessThan(16);
  });

  it('holds pages for a stored silence (POST /silences) as for a config window', async () => {
    const h = new Harness();
    await h.store.putSilence({
      id: 's1',
      monitors: ['www'],
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 20 * MIN).toISOString(),
      reason: 'db upgrade',
      createdBy: 'arn:aws:iam::123456789012:user/oncall',
    });
    for (let m = 0; m <= 25; m++) {
      await h.tickAt(at(m, 'x'));
      for (const loc of REGIONS) await h.arrive([finding('www', loc, m, 'dns')]);
    }
    expect(h.kinds()).toEqual(['escalate:network-team:dns']);
    expect(minutesAfterT0((h.sent[0] as Notification).at)).toBe(20);
  });

  it('resolves an incident never paged silently, inside the window and after it', async () => {
    const h = new Harness(window(0, 20));
    const reports = [];
    for (let m = 0; m <= 30; m++) {
      reports.push(await h.tickAt(at(m, 'x')));
      for (const loc of REGIONS)
        reports.push(await h.arrive([finding('www', loc, m, m < 15 ? 'dns' : 'up')]));
    }
    expect(reports.flatMap((r) => r.transitions.map((t) => t.kind))).toEqual(['opened', 'resolved']);
    expect(h.sent).toEqual([]);
    expect(await h.store.listActiveIncidents()).toEqual({ items: [] });
  });
});

/**
 * The lab's monitors: every monitor of the root monitors.config.ts, pointed at the lab's loopback
 * targets (same id, assertions, thresholds, interval, team: only where it connects changes), plus
 * lab-only monitors for failures the example targets do not show. Editing monitors.config.ts
 * changes the demo; a monitor the lab has no target for is left out with a note, never an error.
 *
 * Where each kind of monitor goes:
 *   - dns: the lab nameserver, its name moved from the example domains into example.test (zone.ts);
 *   - http / https: the lab web server of the same scheme, same path, for the paths it serves healthy
 *     (`/`, `/health`, `/cdn/logo.svg`; on plain HTTP, `/` redirects to HTTPS);
 *   - tcp with TLS: the SMTPS server, whose certificate expires in MAIL_CERT_DAYS days;
 *   - plain tcp: a port nothing listens on: the example database is down, on purpose.
 */
import { parseConfig } from '../config/load.ts';
import type { MonitorInput } from '../config/schema.ts';
import type { MonitorConfig, NetprobeConfig } from '../config/types.ts';
import type { DnsServer, DnsSpec, HttpSpec, ProbeSpec, TcpSpec, TlsOptions } from '../probes/spec.ts';
import type { ErrorCode, Status } from '../probes/types.ts';
import { INTERMEDIATE_CERT_DAYS, LAB_HOST, LAB_PATHS, type LabTargets, MAIL_CERT_DAYS } from './targets.ts';
import {
  DUAL_NAME,
  LAB_DNSSEC_DAYS,
  LAB_SERIAL,
  LAB_STALE_SERIAL,
  LAB_ZONE,
  labName,
  SHOP_DOWN_ADDRESS,
  SHOP_NAME,
} from './zone.ts';

/** What a lab monitor is built to find. */
export interface LabExpectation {
  status: Status;
  code?: ErrorCode;
  /** Why, in words, for the report ("answers 503 on purpose"). */
  why: string;
  /** From monitors.config.ts (its assertions may have been edited) rather than one of the lab's own. */
  fromConfig: boolean;
}

export interface LabEnvironment {
  /** The lab's primary nameserver for example.test. */
  dns: DnsServer;
  targets: LabTargets;
  /** Whether the secondary nameserver with the stale SOA serial runs (it needs an IPv6 loopback). */
  staleSecondary: boolean;
}

export interface LabMonitors {
  /** The config's monitors first, in their order, then the lab-only ones. */
  monitors: MonitorConfig[];
  expected: Record<string, LabExpectation>;
  /** Monitors left out, and why. */
  notes: string[];
}

type Mapped = { probe: ProbeSpec; expected: Omit<LabExpectation, 'fromConfig'> } | { unmapped: string };

/** The web paths a config monitor may use: the ones the lab serves healthy, with what each shows. */
const HEALTHY_PATHS: Record<string, (secure: boolean) => string> = {
  [LAB_PATHS.home]: (secure) => (secure ? 'the home page answers' : 'redirects to HTTPS, which answers'),
  [LAB_PATHS.health]: () => 'healthy',
  [LAB_PATHS.cdn]: () => 'served from the CDN cache (x-cache: Hit)',
};

interface LabOnly {
  input: MonitorInput;
  expected: Omit<LabExpectation, 'fromConfig'>;
}

/**
 * Lab only: one failure each that the healthy example targets cannot show. Every 5 minutes: they all
 * page at the 15-minute tcp row, and the pages dry-run on the embedded DynamoDB then costs a third
 * of what 1-minute runs would (~180 fewer requests, ~0.4 s of a cold start).
 */
function labOnly(t: LabTargets, slowMs: number, dns: DnsServer): LabOnly[] {
  return [
    {
      input: {
        id: 'search-api',
        description: 'search answers within 250 ms to first byte',
        interval: '5m',
        timeout: '3s',
        http: { url: `${t.https.origin}${LAB_PATHS.slow}`, ca: t.caPem },
        thresholds: { ttfb: '250ms' },
      },
      expected: {
        status: 'degraded',
        code: 'LATENCY_HIGH',
        why: `waits ${slowMs} ms before answering, on purpose`,
      },
    },
    {
      input: {
        id: 'checkout-api',
        description: 'the checkout health check',
        interval: '5m',
        timeout: '3s',
        http: { url: `${t.http.origin}${LAB_PATHS.unavailable}`, assert: { status: '2xx' } },
      },
      expected: { status: 'down', code: 'HTTP_STATUS', why: 'answers 503, on purpose' },
    },
    {
      input: {
        id: 'legacy-portal',
        description: 'the legacy portal over HTTPS',
        interval: '5m',
        timeout: '3s',
        http: { url: `${t.expired.origin}${LAB_PATHS.health}`, ca: t.caPem },
      },
      expected: { status: 'down', code: 'TLS_CERT_EXPIRED', why: 'its certificate has expired, on purpose' },
    },
    {
      input: {
        id: 'partner-api',
        description: 'the partner API over HTTPS, whole chain checked',
        interval: '5m',
        timeout: '3s',
        http: { url: `${t.chain.origin}${LAB_PATHS.health}`, ca: t.caPem },
      },
      expected: {
        status: 'degraded',
        code: 'TLS_CERT_EXPIRING',
        why: `its leaf is fine but the intermediate it sends expires in ${INTERMEDIATE_CERT_DAYS} days, on purpose`,
      },
    },
    {
      input: {
        id: 'shop-pool',
        description: 'every node behind the shop name answers',
        interval: '5m',
        timeout: '3s',
        http: {
          url: `http://${SHOP_NAME}:${t.http.port}${LAB_PATHS.health}`,
          allAddresses: true,
          partial: 'degraded',
        },
      },
      expected: {
        status: 'degraded',
        code: 'TCP_REFUSED',
        why: `${SHOP_NAME} has two addresses and nothing answers on ${SHOP_DOWN_ADDRESS}, on purpose`,
      },
    },
    {
      input: {
        id: 'dual-stack',
        description: 'the site answers over IPv4 and IPv6',
        interval: '5m',
        timeout: '3s',
        http: {
          url: `http://${DUAL_NAME}:${t.http.port}${LAB_PATHS.health}`,
          family: 'both',
          partial: 'degraded',
        },
      },
      expected: {
        status: 'degraded',
        code: 'TCP_REFUSED',
        why: `${DUAL_NAME} has an AAAA record (::1) but the server listens on IPv4 only, on purpose`,
      },
    },
    {
      input: {
        id: 'api-h2',
        description: 'the API over HTTP/2',
        interval: '5m',
        timeout: '3s',
        http: { url: `${t.h2.origin}${LAB_PATHS.health}`, ca: t.caPem, httpVersion: '2' },
      },
      expected: { status: 'up', why: 'negotiates h2 through ALPN and answers over HTTP/2' },
    },
    {
      input: {
        id: 'zone-dnssec',
        description: 'example.test is signed, and its signatures are fresh',
        interval: '5m',
        timeout: '3s',
        dns: { name: `www.${LAB_ZONE}`, server: `${dns.host}:${dns.port}`, dnssec: true },
      },
      expected: {
        status: 'degraded',
        code: 'DNS_DNSSEC_EXPIRING',
        why: `the lab signs ${LAB_ZONE} with ${LAB_DNSSEC_DAYS}-day signatures, inside the 3-day warning, on purpose`,
      },
    },
  ];
}

export interface LabMonitorOptions {
  /** How long the slow endpoint waits before its headers. */
  slowMs: number;
  /** The config's file name, for the notes ("monitors.config.ts"). */
  source: string;
}

/** The lab's monitors for the config `root`. */
export function labMonitors(root: NetprobeConfig, env: LabEnvironment, opts: LabMonitorOptions): LabMonitors {
  const monitors: MonitorConfig[] = [];
  const expected: Record<string, LabExpectation> = {};
  const notes: string[] = [];
  for (const monitor of root.monitors) {
    const mapped = toLab(monitor.probe, env);
    if ('unmapped' in mapped) {
      notes.push(`${monitor.id} (${opts.source}) is left out: ${mapped.unmapped}`);
      continue;
    }
    monitors.push({ ...monitor, probe: mapped.probe });
    expected[monitor.id] = { ...mapped.expected, fromConfig: true };
  }
  const configIds = new Set(root.monitors.map((m) => m.id));
  const extra = labOnly(env.targets, opts.slowMs, env.dns).filter(({ input }) => {
    if (!configIds.has(input.id)) return true;
    notes.push(`the lab-only monitor ${input.id} is left out: ${opts.source} has a monitor of that id`);
    return false;
  });
  // Resolved by the same schema as the config, so they get its defaults and checks.
  const resolved = parseConfig(
    { homeRegion: root.homeRegion, regions: root.regions, monitors: extra.map((m) => m.input) },
    "the lab's own monitors",
  ).monitors;
  for (const [i, monitor] of resolved.entries()) {
    monitors.push(monitor);
    expected[monitor.id] = { ...(extra[i] as LabOnly).expected, fromConfig: false };
  }
  return { monitors, expected, notes };
}

function toLab(probe: ProbeSpec, env: LabEnvironment): Mapped {
  switch (probe.kind) {
    case 'dns':
      return dnsToLab(probe, env);
    case 'http':
      return httpToLab(probe, env.targets);
    case 'tcp':
      return tcpToLab(probe, env.targets);
  }
}

function dnsToLab(probe: DnsSpec, env: LabEnvironment): Mapped {
  const name = labName(probe.name);
  if (name === undefined) {
    return {
      unmapped: `the lab's nameserver serves ${LAB_ZONE} (names under example.com, .net and .org map into it), which has no ${probe.name}`,
    };
  }
  const expected: Omit<LabExpectation, 'fromConfig'> =
    probe.mode === 'recursive'
      ? { status: 'up', why: `answers from the lab's ${LAB_ZONE} zone` }
      : env.staleSecondary
        ? {
            status: 'degraded',
            code: 'DNS_SERIAL_MISMATCH',
            why: `ns2 serves SOA serial ${LAB_STALE_SERIAL}, ns1 ${LAB_SERIAL}: a missed zone transfer, on purpose`,
          }
        : { status: 'up', why: 'one nameserver only (no IPv6 loopback for the stale secondary)' };
  // The lab's nameservers (127.0.0.1, ::1) listen on its DNS port, not on 53.
  const nsPort = probe.mode === 'authoritative' ? { nsPort: env.dns.port } : {};
  return { probe: { ...probe, name, server: env.dns, ...nsPort }, expected };
}

function httpToLab(probe: HttpSpec, t: LabTargets): Mapped {
  const url = new URL(probe.url);
  const secure = url.protocol === 'https:';
  const why = HEALTHY_PATHS[url.pathname];
  if (!why) {
    const paths = Object.keys(HEALTHY_PATHS).join(', ');
    return { unmapped: `the lab's web servers serve ${paths}, not ${url.pathname}` };
  }
  const origin = secure ? t.https.origin : t.http.origin;
  return {
    probe: { ...probe, url: `${origin}${url.pathname}${url.search}`, tls: trustLab(probe.tls, t) },
    expected: { status: 'up', why: why(secure) },
  };
}

function tcpToLab(probe: TcpSpec, t: LabTargets): Mapped {
  if (!probe.tls) {
    return {
      probe: { ...probe, host: LAB_HOST, port: t.closedPort },
      expected: { status: 'down', code: 'TCP_REFUSED', why: 'nothing listens there, on purpose' },
    };
  }
  const warnDays = probe.tls.certWarnDays;
  // Issued for MAIL_CERT_DAYS from now, so a little less is left when the probe looks.
  const expected: Omit<LabExpectation, 'fromConfig'> =
    warnDays >= MAIL_CERT_DAYS
      ? {
          status: 'degraded',
          code: 'TLS_CERT_EXPIRING',
          why: `its certificate expires within ${MAIL_CERT_DAYS} days, inside the ${warnDays}-day warning window, on purpose`,
        }
      : {
          status: 'up',
          why: `its certificate has ${MAIL_CERT_DAYS} days left, outside the ${warnDays}-day warning window`,
        };
  return { probe: { ...probe, host: LAB_HOST, port: t.mail.port, tls: trustLab(probe.tls, t) }, expected };
}

/** Trust the lab CA, and verify the name the lab certificates carry (the IP), not the real host's. */
function trustLab(tls: TlsOptions, t: LabTargets): TlsOptions {
  const { serverName: _realHost, ...rest } = tls;
  return { ...rest, ca: t.caPem };
}

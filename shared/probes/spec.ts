/**
 * Probe inputs, fully resolved (defaults applied). The zod schemas in shared/config/schema.ts
 * parse user input (monitors config, CLI URLs, API bodies) into exactly these shapes.
 */
import type { DnsRecordType, Phase } from './types.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_CERT_WARN_DAYS = 21;
export const DEFAULT_CERT_CRITICAL_DAYS = 7;
/** dnssec: a signature expiring within this many days is DNS_DNSSEC_EXPIRING. */
export const DEFAULT_DNSSEC_WARN_DAYS = 3;

/** A string matcher: exact equality, substring, or regular expression (JS syntax). */
export type Match = { equals: string } | { contains: string } | { regex: string };

/** Latency thresholds in ms: over one of them the result is `degraded` (LATENCY_HIGH), not down. */
export type LatencyThresholds = Partial<Record<Phase, number>>;

export interface TlsOptions {
  /** Skip certificate verification (still reports the certificate and what was wrong with it). */
  insecure: boolean;
  /** Extra PEM bundle(s) to trust, in addition to the system store. */
  ca?: string;
  /** SNI / name to verify; defaults to the target host. */
  serverName?: string;
  /** Degraded (TLS_CERT_EXPIRING) when fewer days are left; down (TLS_CERT_EXPIRED) only once expired. */
  certWarnDays: number;
  /** Below this, still degraded but flagged critical in the message. */
  certCriticalDays: number;
}

export interface DnsServer {
  host: string;
  port: number;
}

export interface DnsSpec {
  kind: 'dns';
  name: string;
  type: DnsRecordType;
  /** Absent: the system resolver. */
  server?: DnsServer;
  /** Verify the answer's RRSIGs against the zone's DNSKEY (absent: false). Needs `server`. */
  dnssec?: boolean;
  /** dnssec: degraded (DNS_DNSSEC_EXPIRING) when a signature expires within this many days (absent: 3). */
  dnssecWarnDays?: number;
  /** The family used to reach a server given by name (absent: 'auto'); 'both' asks over each. */
  family?: IpFamily;
  /** With family 'both': what one failing family makes of the result (absent: 'down'). */
  partial?: PartialPolicy;
  /** recursive: one query. authoritative: find the zone's NS set and query each nameserver. */
  mode: 'recursive' | 'authoritative';
  /**
   * Authoritative mode: the port the discovered nameservers are asked on (absent: 53, where
   * nameservers listen). Only labs need another one: nameservers on loopback sharing a test port.
   */
  nsPort?: number;
  /** Set the RD bit (default true; authoritative queries to nameservers send RD=0). */
  recursionDesired: boolean;
  timeoutMs: number;
  assert: {
    /** Every matcher must match at least one answer's data. */
    answers?: Match[];
    /** Expected rcode, default NOERROR. */
    rcode?: string;
    minTtl?: number;
  };
  thresholds: LatencyThresholds;
}

/**
 * What one address failing among healthy ones makes of the result (probing every address): `down`
 * (the default) or `degraded`. Every address failing is always down.
 */
export type PartialPolicy = 'down' | 'degraded';

/** Which IP family a probe uses (shared/probes/family.ts); absent means 'auto'. */
export type IpFamily = 'auto' | 4 | 6 | 'both';

export interface TcpSpec {
  kind: 'tcp';
  host: string;
  port: number;
  /** Probe every resolved address, each through every phase (true), or only the first (false, default). */
  allAddresses: boolean;
  /** Absent: 'down'. Also what one failing family makes of the result with family 'both'. */
  partial?: PartialPolicy;
  /** Absent: 'auto'. */
  family?: IpFamily;
  /** TLS on top of the connection (tls:// URLs). */
  tls?: TlsOptions;
  /** Written after connect (after the handshake with TLS). */
  send?: string;
  /** Must match what the server sends back (banner) before the deadline. */
  expect?: Match;
  timeoutMs: number;
  thresholds: LatencyThresholds;
}

/** HTTP version over TLS: '1.1' (default), '2' (h2 required through ALPN) or 'auto' (h2 if offered back). */
export type HttpVersion = '1.1' | '2' | 'auto';

export interface HttpSpec {
  kind: 'http';
  url: string;
  /** https only (absent: '1.1'); h2c on http:// is refused by the config. */
  httpVersion?: HttpVersion;
  /** Run the request against every address of the URL's host (absent: false, the first that accepts). */
  allAddresses?: boolean;
  /** Absent: 'down'. Also what one failing family makes of the result with family 'both'. */
  partial?: PartialPolicy;
  /** Absent: 'auto'. */
  family?: IpFamily;
  method: string;
  headers: Record<string, string>;
  body?: string;
  maxRedirects: number;
  maxBodyBytes: number;
  tls: TlsOptions;
  timeoutMs: number;
  assert: {
    /** Accepted status codes or ranges, e.g. [200, [200, 299]]; default 200-399 after redirects. */
    status?: (number | [number, number])[];
    headers?: Record<string, Match>;
    body?: Match[];
    /** JSON path ($.a.b[0]) → expected value (string compare) or matcher. */
    json?: { path: string; match: Match }[];
  };
  thresholds: LatencyThresholds;
}

export type ProbeSpec = DnsSpec | TcpSpec | HttpSpec;

/**
 * The one probe contract. Every prober (dns.ts, tcp.ts, http.ts) is a `Probe<Spec>`:
 * it never throws, it records failure as data (`error.code` from ERROR_CODES) and
 * returns within the deadline its caller hands down.
 */

export const PROBE_KINDS = ['dns', 'tcp', 'http'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

/** up: everything passed. degraded: works but over a latency/expiry threshold. down: failed. */
export const STATUSES = ['up', 'degraded', 'down'] as const;
export type Status = (typeof STATUSES)[number];

/** OSI-ish layer where a probe broke, walked bottom-up by triage. */
export const LAYERS = ['dns', 'transport', 'tls', 'application'] as const;
export type Layer = (typeof LAYERS)[number];

/**
 * The single failure taxonomy (documented in README "Error codes").
 * The first block are hard failures (status `down`); the last block mark `degraded` results.
 */
export const ERROR_CODES = [
  'DNS_NXDOMAIN',
  'DNS_SERVFAIL',
  'DNS_REFUSED',
  'DNS_TIMEOUT',
  'DNS_NO_ANSWER',
  'DNS_MISMATCH',
  // dnssec: true and a signature is missing, expired, not yet valid or does not verify (dns-dnssec.ts).
  'DNS_DNSSEC_INVALID',
  'TCP_REFUSED',
  'TCP_TIMEOUT',
  'TCP_RESET',
  'TCP_UNREACHABLE',
  'TLS_CERT_EXPIRED',
  'TLS_CERT_UNTRUSTED',
  'TLS_HOSTNAME_MISMATCH',
  'TLS_HANDSHAKE_FAILED',
  'HTTP_STATUS',
  'HTTP_TIMEOUT',
  'HTTP_PROTOCOL_ERROR',
  'HTTP_BODY_TOO_LARGE',
  'HTTP_TOO_MANY_REDIRECTS',
  // httpVersion '2' and the server did not negotiate h2 through ALPN; the message names what it chose.
  'HTTP_VERSION_UNSUPPORTED',
  'ASSERTION_FAILED',
  // Added by the engine (shared/probes/index.ts): the probe itself threw, a netprobe bug rather than a
  // target failure. Still a `down` finding, so no run loses a monitor silently.
  'PROBE_ERROR',
  // degraded: the target works, but not well enough
  'LATENCY_HIGH',
  'TLS_CERT_EXPIRING',
  'DNS_NS_TIMEOUT',
  'DNS_NS_DISAGREE',
  'DNS_SERIAL_MISMATCH',
  // dnssec: true and a signature expires within dnssecWarnDays: a warning, never a page.
  'DNS_DNSSEC_EXPIRING',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ProbeError {
  code: ErrorCode;
  /** One plain sentence, safe to print: never contains header secrets. */
  message: string;
}

/**
 * Phase durations in milliseconds (fractional, from performance.now()).
 * Cumulative definitions match curl -w, see README "Timings":
 *   dns      = time_namelookup                       (0 when the target is an IP literal)
 *   connect  = time_connect      - time_namelookup   (TCP handshake)
 *   tls      = time_appconnect   - time_connect      (TLS handshake; absent without TLS)
 *   ttfb     = time_starttransfer - time_appconnect (or time_connect without TLS): request sent → first byte
 *   transfer = time_total        - time_starttransfer
 *   total    = time_total
 * For a DNS probe `dns` is the query time (dig's "Query time"). For redirects, phases are summed over hops.
 * A phase the probe did not reach is absent; `total` is always present.
 */
export const PHASES = ['dns', 'connect', 'tls', 'ttfb', 'transfer', 'total'] as const;
export type Phase = (typeof PHASES)[number];
export type Timings = Partial<Record<Phase, number>> & { total: number };

// ---------------------------------------------------------------- details per probe

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SOA', 'CAA', 'PTR'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

import type { SignatureCheck } from './dnssec.ts';

export interface DnsAnswer {
  name: string;
  type: string;
  ttl: number;
  /** Presentation form, as dig prints it: "192.0.2.1", "10 mx.example.com.", "\"v=spf1 -all\"". */
  data: string;
}

export interface DnsFlags {
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
}

export interface DnsQueryResult {
  /** "127.0.0.1:53", or "system" for the OS resolver (getaddrinfo/c-ares via node:dns). */
  server: string;
  transport: 'udp' | 'tcp' | 'system';
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, … ; absent when no answer arrived. */
  rcode?: string;
  flags?: DnsFlags;
  answers: DnsAnswer[];
  /** Milliseconds from query sent to response parsed (dig's "Query time"). */
  queryTimeMs?: number;
  error?: ProbeError;
}

export interface NameserverResult extends DnsQueryResult {
  /** NS host name from the zone's NS set. */
  nameserver: string;
  address?: string;
  /** SOA serial this nameserver serves for the zone. */
  soaSerial?: number;
  /** dnssec: true: this nameserver's signatures, checked against the DNSKEY set it serves. */
  dnssec?: DnssecInfo;
}

/** What the DNSSEC check saw (`dnssec: true`). */
export interface DnssecInfo {
  /** The AD flag of the response: a validating resolver vouched for it. */
  ad: boolean;
  /** The zone whose DNSKEY set signs the answer ("example.test."). */
  signer: string;
  /** DNSKEY records found for the signer. */
  keys: number;
  /** The answer's RRsets and the DNSKEY set, each with its signature's verdict. */
  signatures: SignatureCheck[];
  /** Whole days until the first signature expires. */
  daysLeft?: number;
  /** Time spent verifying (node:crypto), ms. */
  verifyMs: number;
}

export interface DnsDetails {
  kind: 'dns';
  name: string;
  type: DnsRecordType;
  query: DnsQueryResult;
  /** dnssec: true: the signatures checked (on the answer of `query`). */
  dnssec?: DnssecInfo;
  /** family 'both' with a server given by name: the query over each family's address, first first. */
  addressResults?: AddressResult[];
  /** Authoritative mode only: the zone apex queried and one entry per nameserver. */
  zone?: string;
  nameservers?: NameserverResult[];
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  fingerprint256?: string;
}

export interface TlsInfo {
  protocol?: string;
  cipher?: string;
  alpn?: string;
  authorized: boolean;
  /** Node's verification error code, e.g. CERT_HAS_EXPIRED, when not authorized. */
  validationError?: string;
  /** The leaf: the server's own certificate. */
  certificate?: CertificateInfo;
  /**
   * The issuers above the leaf, its own issuer first, as sent by the server (a self-signed root is left
   * out: clients use their own copy). Absent when there are none. The chain's first expiry, leaf or
   * intermediate, drives CertDaysRemaining and the expiry codes (cert-expiry.ts soonestExpiring).
   */
  intermediates?: CertificateInfo[];
}

export interface ConnectAttempt {
  address: string;
  family: 4 | 6;
  port: number;
  connectMs?: number;
  error?: ProbeError;
}

/**
 * One address's own run when a probe checks every address of a name (`allAddresses`): its status, its
 * error code (null when up) and its phases, dns being the one lookup they share.
 */
export interface AddressResult {
  address: string;
  family: 4 | 6;
  status: Status;
  code: ErrorCode | null;
  timings: Timings;
}

export interface TcpDetails {
  kind: 'tcp';
  host: string;
  port: number;
  addresses: string[];
  attempts: ConnectAttempt[];
  /** With `allAddresses`: every address probed, first (the one the top-level timings are of) first. */
  addressResults?: AddressResult[];
  tls?: TlsInfo;
  banner?: string;
}

export type CacheStatus = 'hit' | 'miss' | 'other';

export interface CdnInfo {
  /** Which header decided it: "cf-cache-status", "x-cache", … */
  source: string;
  cache: CacheStatus;
  /** Raw header value as received. */
  raw: string;
  provider?: string;
  /** Edge / POP when a header names it (cf-ray suffix, x-served-by, x-amz-cf-pop…). */
  pop?: string;
  ageSeconds?: number;
}

export interface RedirectHop {
  url: string;
  status: number;
  location?: string;
  timings: Timings;
}

export interface HttpDetails {
  kind: 'http';
  url: string;
  method: string;
  remoteAddress?: string;
  httpVersion?: string;
  statusCode?: number;
  /** Response headers of the final hop; secret-looking headers redacted. */
  headers?: Record<string, string>;
  bodyBytes?: number;
  redirects: RedirectHop[];
  /** With `allAddresses`: every address of the URL's host probed, first (the top-level one) first. */
  addressResults?: AddressResult[];
  tls?: TlsInfo;
  cdn?: CdnInfo;
  /**
   * Added by the HTTP prober: the request headers sent on the final hop (Host, User-Agent and the spec's
   * own), secret-looking ones redacted, so a responder sees exactly what was asked.
   */
  requestHeaders?: Record<string, string>;
}

export type ProbeDetails = DnsDetails | TcpDetails | HttpDetails;

/** What a probe returns: the measurement, without monitor or location context. */
export interface ProbeResult {
  probe: ProbeKind;
  /** Canonical target, e.g. "https://example.com/health", "tcp://db:5432", "dns://1.1.1.1/example.com?type=A". */
  target: string;
  status: Status;
  timings: Timings;
  /** null when status is up. For degraded, the threshold that was crossed. */
  error: ProbeError | null;
  /** Set when status is not up. */
  layer: Layer | null;
  details: ProbeDetails;
  /**
   * Added for the engine's layered triage (shared/domain/triage.ts): the checks run below the failed
   * layer after a non-up result. Set by the engine, never by a probe; absent when triage did not run.
   */
  triage?: TriageStep[];
  /**
   * Set by the engine when triage would have run but did not, saying why: the probe left less than
   * MIN_TRIAGE_MS of the one deadline it shares with its triage, or the caller's budget was cut.
   */
  triageSkipped?: string;
}

/**
 * Added for triage: one check of a layer below the one that failed, run with the real probes.
 * Compact but complete enough that shared/domain/diagnosis.ts can re-derive the diagnosis from a
 * stored finding alone.
 */
export interface TriageStep {
  layer: Layer;
  /** What was checked, in words: "system resolver", "resolver 10.0.0.2:53", "connect to every address". */
  check: string;
  /** Canonical target of the probe that ran the check. */
  target: string;
  status: Status;
  /** Wall time of the check in ms. */
  ms: number;
  error: ProbeError | null;
  /** DNS checks: who answered ("system" or host:port), the rcode, and the addresses found. */
  server?: string;
  rcode?: string;
  addresses?: string[];
  /** Transport checks: one entry per address tried. */
  attempts?: ConnectAttempt[];
  /** TLS checks: the handshake and certificate as seen. */
  tls?: TlsInfo;
}

/**
 * Handed down by the caller who owns the time budget.
 * `signal` aborts at the hard deadline; a probe must return promptly (≤ ~50 ms) after it fires,
 * with the timeout code of the phase it was in.
 */
export interface ProbeContext {
  signal: AbortSignal;
  /** Absolute deadline, performance.now() clock. */
  deadline: number;
  /**
   * Added for the probe API's SSRF guard (shared/domain/ssrf.ts): asked right before the first byte to
   * every address a probe sends to: each TCP connect (tcp.ts, http.ts on every redirect hop) and each
   * DNS exchange, UDP and TCP (an explicit server, every nameserver authoritative mode discovers).
   * Queries to the system resolver (the runtime's own configuration) are the one exemption.
   * Absent: everything goes ahead.
   */
  connectGuard?: ConnectGuard;
}

/**
 * Where an address to be dialled came from. `target`: the target as written (its host, or the DNS
 * server it names). `redirect`: a Location header's host. `nameserver`: a nameserver found in the
 * zone's NS set. The last two are chosen at run time by whoever controls the target's answers.
 */
export const ADDRESS_ORIGINS = ['target', 'redirect', 'nameserver'] as const;
export type AddressOrigin = (typeof ADDRESS_ORIGINS)[number];

/**
 * Judges the address about to be dialled, after name resolution, so a name that resolves elsewhere
 * when connected than when first checked (DNS rebinding) is still caught. `host` is the name the
 * address came from (the address itself for an IP literal). A ProbeError refuses that connect: it
 * becomes the attempt's failure, and nothing is sent to the address.
 */
export type ConnectGuard = (
  address: string,
  port: number,
  host: string,
  origin: AddressOrigin,
) => ProbeError | null;

export type Probe<S> = (spec: S, ctx: ProbeContext) => Promise<ProbeResult>;

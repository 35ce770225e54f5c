/**
 * Which escalation-table issue type a result maps to (docs/errors.md "Classification").
 * Pure: the probe runner classifies each finding with what one location knows, and the escalation
 * engine reclassifies across locations with the same function once it knows whether all of them failed.
 */
import type { ErrorCode, Layer, ProbeResult } from '../probes/types.ts';
import type { IssueType } from './finding.ts';

export interface ClassifyContext {
  /** The monitor is fronted by a CDN (config `cdn: true`). CDN headers seen in the response count too. */
  cdn: boolean;
  /** The monitor failed hard (status `down`) in every location that probes it. */
  allLocationsDown: boolean;
  /** config.classification.allLocationsDown: the type for failures everywhere (default `connectivity`). */
  allLocationsDownType?: IssueType;
}

export const DEFAULT_ALL_LOCATIONS_DOWN_TYPE: IssueType = 'connectivity';

/** Exhaustive, so a code added to the taxonomy cannot compile without a layer. */
const LAYER_OF_CODE: Record<ErrorCode, Layer> = {
  DNS_NXDOMAIN: 'dns',
  DNS_SERVFAIL: 'dns',
  DNS_REFUSED: 'dns',
  DNS_TIMEOUT: 'dns',
  DNS_NO_ANSWER: 'dns',
  DNS_MISMATCH: 'dns',
  DNS_NS_TIMEOUT: 'dns',
  DNS_NS_DISAGREE: 'dns',
  DNS_SERIAL_MISMATCH: 'dns',
  TCP_REFUSED: 'transport',
  TCP_TIMEOUT: 'transport',
  TCP_RESET: 'transport',
  TCP_UNREACHABLE: 'transport',
  TLS_CERT_EXPIRED: 'tls',
  TLS_CERT_UNTRUSTED: 'tls',
  TLS_HOSTNAME_MISMATCH: 'tls',
  TLS_HANDSHAKE_FAILED: 'tls',
  TLS_CERT_EXPIRING: 'tls',
  HTTP_STATUS: 'application',
  HTTP_TIMEOUT: 'application',
  HTTP_PROTOCOL_ERROR: 'application',
  HTTP_BODY_TOO_LARGE: 'application',
  HTTP_TOO_MANY_REDIRECTS: 'application',
  ASSERTION_FAILED: 'application',
  // A slow phase can be any layer; the probe sets the real one. Without it, the request is the safe guess.
  LATENCY_HIGH: 'application',
  PROBE_ERROR: 'application',
};

/** The layer a code belongs to: the fallback when a result carries no `layer`. */
export function layerOf(code: ErrorCode): Layer {
  return LAYER_OF_CODE[code];
}

/** Where a non-up result broke: the probe's own layer, else the one its error code implies; null when up. */
export function failedLayer(result: Pick<ProbeResult, 'status' | 'layer' | 'error'>): Layer | null {
  if (result.status === 'up') return null;
  if (result.layer !== null) return result.layer;
  return result.error === null ? null : layerOf(result.error.code);
}

/** A hard failure is a `down` result; `degraded` means the target works, just not well enough. */
export function isHardFailure(finding: Pick<ProbeResult, 'status'>): boolean {
  return finding.status === 'down';
}

/**
 * Degraded codes that never page. An expiring certificate is a warning days ahead, for the
 * CertDaysRemaining metric, not an incident; once it lapses, TLS_CERT_EXPIRED is down and pages.
 */
const NON_PAGING_DEGRADED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['TLS_CERT_EXPIRING']);

/**
 * Failing, for incidents (opening, streaks, recovery): a hard failure, or a degraded result with a
 * paging code. Sustained slowness (LATENCY_HIGH) and a silent, disagreeing or stale nameserver are
 * what the tcp and dns rows of the escalation table page for. A degraded result without a code
 * cannot be told apart from a warning, so it does not page.
 */
export function isPagingFailure(finding: Pick<ProbeResult, 'status' | 'error'>): boolean {
  if (isHardFailure(finding)) return true;
  return (
    finding.status === 'degraded' && finding.error !== null && !NON_PAGING_DEGRADED.has(finding.error.code)
  );
}

/** CDN response headers seen on the final hop mark a monitor as CDN-fronted even without the config flag. */
function cdnSeen(result: Pick<ProbeResult, 'details'>): boolean {
  return result.details.kind === 'http' && result.details.cdn !== undefined;
}

/**
 * The default rule, first match wins:
 *   up → null; DNS-layer failure → dns; hard failure in every location → connectivity (configurable);
 *   CDN-fronted → cdn; anything else → tcp (application performance).
 * Degraded results are classified by the same rule (they are never hard failures).
 */
export function classify(
  result: Pick<ProbeResult, 'status' | 'layer' | 'error' | 'details'>,
  ctx: ClassifyContext,
): IssueType | null {
  const layer = failedLayer(result);
  if (result.status === 'up') return null;
  if (layer === 'dns') return 'dns';
  if (isHardFailure(result) && ctx.allLocationsDown) {
    return ctx.allLocationsDownType ?? DEFAULT_ALL_LOCATIONS_DOWN_TYPE;
  }
  if (ctx.cdn || cdnSeen(result)) return 'cdn';
  return 'tcp';
}

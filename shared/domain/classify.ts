/**
 * The layer each error code belongs to, and the layer a result failed at: the first input of
 * classification. The classification rule itself, and the rest of the route from a failure to a
 * page, is in route.ts.
 */
import type { ErrorCode, Layer, ProbeResult } from '../probes/types.ts';

/** Exhaustive, so a code added to the taxonomy cannot compile without a layer. */
const LAYER_OF_CODE: Record<ErrorCode, Layer> = {
  DNS_NXDOMAIN: 'dns',
  DNS_SERVFAIL: 'dns',
  DNS_REFUSED: 'dns',
  DNS_TIMEOUT: 'dns',
  DNS_NO_ANSWER: 'dns',
  DNS_MISMATCH: 'dns',
  DNS_DNSSEC_INVALID: 'dns',
  DNS_DNSSEC_EXPIRING: 'dns',
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
  HTTP_VERSION_UNSUPPORTED: 'application',
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

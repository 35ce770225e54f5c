/**
 * Node socket, resolver and TLS errors → the ERROR_CODES taxonomy, with one plain sentence naming the
 * address. Shared by the TCP and HTTP probers so the same broken network reads the same in both.
 */
import type { ErrorCode, Layer, ProbeError } from './types.ts';

/** A classified failure: what broke (code, message) and at which layer triage should look. */
export interface NetFailure extends ProbeError {
  layer: Layer;
}

/** The phase an error happened in decides the fallback code when Node's code is not a known one. */
export type NetPhase = 'dns' | 'connect' | 'tls' | 'io';

/** What a packet refused locally for want of any route says (ENETUNREACH): the mark of a machine offline. */
export const NO_NETWORK = 'network is unreachable from here';

const TRANSPORT: Readonly<Record<string, { code: ErrorCode; says: string }>> = {
  ECONNREFUSED: { code: 'TCP_REFUSED', says: 'refused the connection (nothing listening on that port)' },
  ETIMEDOUT: { code: 'TCP_TIMEOUT', says: 'did not answer in time (the OS gave up on the connection)' },
  ECONNRESET: { code: 'TCP_RESET', says: 'reset the connection' },
  EPIPE: { code: 'TCP_RESET', says: 'closed the connection while we were still writing' },
  ECONNABORTED: { code: 'TCP_RESET', says: 'aborted the connection' },
  EHOSTUNREACH: { code: 'TCP_UNREACHABLE', says: 'is unreachable: no route to host' },
  EHOSTDOWN: { code: 'TCP_UNREACHABLE', says: 'is unreachable: host is down' },
  ENETUNREACH: { code: 'TCP_UNREACHABLE', says: `is unreachable: ${NO_NETWORK}` },
  ENETDOWN: { code: 'TCP_UNREACHABLE', says: 'is unreachable: the local network is down' },
  EADDRNOTAVAIL: { code: 'TCP_UNREACHABLE', says: 'is unreachable: no local address can reach it' },
  EACCES: { code: 'TCP_UNREACHABLE', says: 'is unreachable: the connection was blocked locally (EACCES)' },
  EPERM: { code: 'TCP_UNREACHABLE', says: 'is unreachable: the connection was blocked locally (EPERM)' },
};

/** OpenSSL verification codes (socket.authorizationError) that mean "expired" or "wrong name"; every other one means "not trusted". */
const CERT_EXPIRED = new Set(['CERT_HAS_EXPIRED']);
const HOSTNAME_MISMATCH = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'IP_ADDRESS_MISMATCH',
]);

/** Human wording for the verification codes SREs meet most; unknown ones are shown as the raw code. */
const CERT_WORDS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'chains to a self-signed root that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is signed by an unknown issuer (missing intermediate or untrusted CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by an issuer not in the trust store (missing intermediate?)',
  UNABLE_TO_GET_ISSUER_CERT: 'is signed by an issuer that could not be found',
  CERT_UNTRUSTED: 'is not trusted for server authentication',
  CERT_REVOKED: 'has been revoked',
  CERT_SIGNATURE_FAILURE: 'has an invalid signature',
  ERR_TLS_CERT_ALTNAME_INVALID: 'does not cover this host name',
};

/** OpenSSL X509_V_ERR_* names as Node reports them (node/src/crypto/crypto_common.cc), for errors raised with rejectUnauthorized. */
const VERIFY_CODES = new Set([
  ...Object.keys(CERT_WORDS),
  ...HOSTNAME_MISMATCH,
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_REJECTED',
]);

/**
 * Classifies an error thrown or emitted by net/tls sockets. `address` is what the message names,
 * e.g. "127.0.0.1:443" or "db.internal (10.0.0.7:5432)".
 */
export function classifyNetError(err: unknown, where: { phase: NetPhase; address: string }): NetFailure {
  const { address, phase } = where;
  if (phase === 'dns') return classifyLookupError(err, address);
  const { code, message, syscall } = errorParts(err);

  // Node raises ECONNRESET without a syscall when the peer closes (even cleanly, with FIN) before the
  // TLS handshake completes: a server that refuses the ClientHello, not a transport RST.
  if (phase === 'tls' && code === 'ECONNRESET' && syscall === undefined) {
    return {
      code: 'TLS_HANDSHAKE_FAILED',
      layer: 'tls',
      message: `TLS handshake with ${address} failed: the server closed the connection before the handshake completed`,
    };
  }
  const transport = code === undefined ? undefined : TRANSPORT[code];
  if (transport) {
    const during = phase === 'tls' ? ' during the TLS handshake' : '';
    return { code: transport.code, layer: 'transport', message: `${address} ${transport.says}${during}` };
  }
  if (code !== undefined && isCertificateCode(code)) return certificateFailure(code, address);
  if (phase === 'tls' || code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
    return {
      code: 'TLS_HANDSHAKE_FAILED',
      layer: 'tls',
      message: `TLS handshake with ${address} failed: ${tlsReason(code, message)}`,
    };
  }
  // Unknown socket errors leave the host unreachable from here; the raw code keeps the evidence.
  return {
    code: 'TCP_UNREACHABLE',
    layer: 'transport',
    message: `${address} could not be reached: ${code ? `${code} ` : ''}${message}`.trim(),
  };
}

/**
 * The verdict for an OpenSSL/Node verification code (`socket.authorizationError`, or
 * ERR_TLS_CERT_ALTNAME_INVALID from `tls.checkServerIdentity`).
 */
export function certificateFailure(validationCode: string, address: string): NetFailure {
  const words = CERT_WORDS[validationCode] ?? `failed verification (${validationCode})`;
  const message = `certificate of ${address} ${words}`;
  if (CERT_EXPIRED.has(validationCode)) return { code: 'TLS_CERT_EXPIRED', layer: 'tls', message };
  if (HOSTNAME_MISMATCH.has(validationCode)) return { code: 'TLS_HOSTNAME_MISMATCH', layer: 'tls', message };
  return { code: 'TLS_CERT_UNTRUSTED', layer: 'tls', message };
}

/** The failure for a phase that did not finish before the deadline (the caller's signal fired). */
export function timeoutFailure(phase: NetPhase, address: string, waitedMs: number): NetFailure {
  const ms = Math.round(waitedMs);
  switch (phase) {
    case 'dns':
      return {
        code: 'DNS_TIMEOUT',
        layer: 'dns',
        message: `resolving ${address} did not finish within ${ms} ms`,
      };
    case 'connect':
      return {
        code: 'TCP_TIMEOUT',
        layer: 'transport',
        message: `TCP connect to ${address} got no answer within ${ms} ms (filtered port, or host down)`,
      };
    case 'tls':
      return {
        code: 'TLS_HANDSHAKE_FAILED',
        layer: 'tls',
        message: `TLS handshake with ${address} did not complete within ${ms} ms`,
      };
    case 'io':
      return {
        code: 'TCP_TIMEOUT',
        layer: 'transport',
        message: `${address} did not finish the exchange within ${ms} ms`,
      };
  }
}

/** Resolver (dns.lookup / dns.promises) error → DNS code, naming the host. */
export function classifyLookupError(err: unknown, host: string): NetFailure {
  const { code, message } = errorParts(err);
  switch (code) {
    case 'ENOTFOUND':
      return { code: 'DNS_NXDOMAIN', layer: 'dns', message: `${host} does not resolve (no such name)` };
    case 'ENODATA':
      return { code: 'DNS_NO_ANSWER', layer: 'dns', message: `${host} exists but has no address records` };
    case 'ESERVFAIL':
      return { code: 'DNS_SERVFAIL', layer: 'dns', message: `resolver answered SERVFAIL for ${host}` };
    case 'EREFUSED':
      return { code: 'DNS_REFUSED', layer: 'dns', message: `resolver refused to resolve ${host}` };
    case 'EAI_AGAIN':
    case 'ETIMEOUT':
      return {
        code: 'DNS_TIMEOUT',
        layer: 'dns',
        message: `resolving ${host} failed temporarily (resolver timeout)`,
      };
    default:
      return {
        code: 'DNS_SERVFAIL',
        layer: 'dns',
        message: `resolving ${host} failed: ${code ? `${code} ` : ''}${message}`.trim(),
      };
  }
}

/** Address as people write it: IPv6 in brackets so the port stays readable. */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function isCertificateCode(code: string): boolean {
  return VERIFY_CODES.has(code);
}

function tlsReason(code: string | undefined, message: string): string {
  // OpenSSL messages look like "...:SSL routines:ssl3_get_record:wrong version number:../deps/..."; keep the reason.
  const reason =
    /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? /alert (.+)$/m.exec(message)?.[0] ?? message;
  const hint =
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/.test(reason);
  return hint ? `${reason} (the port does not speak TLS?)` : reason;
}

function errorParts(err: unknown): { code?: string; message: string; syscall?: string } {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    return { code: e.code, message: e.message, syscall: e.syscall };
  }
  return { message: String(err) };
}

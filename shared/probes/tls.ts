/**
 * TLS handshake and certificate inspection over an already-connected socket, shared by the TCP and
 * HTTP probers. The handshake always runs with `rejectUnauthorized: false` and the certificate is
 * judged here, so a failing (or insecure) probe still reports which certificate it was shown.
 */
import { X509Certificate } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';
import { daysLeftAt, daysLeftWords, type ExpiryLevel, expiryLevel } from './cert-expiry.ts';
import { certificateFailure, classifyNetError, type NetFailure, timeoutFailure } from './net-errors.ts';
import type { TlsOptions } from './spec.ts';
import type { CertificateInfo, Status, TlsInfo } from './types.ts';

/** Distinct `ca` bundles kept as ready secure contexts: building one over ~270 roots costs ~20 ms. */
const SECURE_CONTEXT_CACHE_SIZE = 16;

export interface TlsHandshakeOptions {
  tls: TlsOptions;
  /** The target host: used for SNI (unless an IP literal) and for verification, unless tls.serverName is set. */
  host: string;
  /** Printed in messages, e.g. "127.0.0.1:443" or "example.com (93.184.216.34:443)". */
  address: string;
  /** ALPN protocols to offer, e.g. ['http/1.1']. None offered when absent. */
  alpn?: string[];
  /** Aborts the handshake (deadline): the socket is destroyed and a timeout failure returned. */
  signal: AbortSignal;
}

/** The certificate judged against TlsOptions: up, degraded (expiring) or down (expired/untrusted/wrong name). */
export interface TlsVerdict {
  status: Status;
  error: NetFailure | null;
}

export type TlsHandshakeResult =
  | { ok: true; socket: tls.TLSSocket; info: TlsInfo; verdict: TlsVerdict; durationMs: number }
  | { ok: false; failure: NetFailure; durationMs: number };

/**
 * Runs the client handshake over `socket` (which the caller connected and timed). Never rejects.
 * On success the caller owns the returned TLSSocket (and must destroy it); on failure both are destroyed.
 */
export function tlsHandshake(socket: Socket, opts: TlsHandshakeOptions): Promise<TlsHandshakeResult> {
  const started = performance.now();
  const serverName = opts.tls.serverName ?? opts.host;
  let secureContext: tls.SecureContext | undefined;
  try {
    secureContext = opts.tls.ca === undefined ? undefined : secureContextWithExtraCa(opts.tls.ca);
  } catch (err) {
    socket.destroy();
    const reason = err instanceof Error ? err.message : String(err);
    const message = `TLS to ${opts.address} not attempted: the configured ca bundle is not usable PEM (${reason})`;
    return Promise.resolve({
      ok: false,
      failure: { code: 'TLS_HANDSHAKE_FAILED', layer: 'tls', message },
      durationMs: 0,
    });
  }
  return new Promise((resolve) => {
    const fail = (failure: NetFailure) => {
      cleanup();
      secure.destroy();
      socket.destroy();
      resolve({ ok: false, failure, durationMs: performance.now() - started });
    };
    const onAbort = () => fail(timeoutFailure('tls', opts.address, performance.now() - started));
    const onError = (err: Error) => fail(classifyNetError(err, { phase: 'tls', address: opts.address }));
    const onSecure = () => {
      const durationMs = performance.now() - started;
      cleanup();
      const info = describeSession(secure, serverName);
      resolve({
        ok: true,
        socket: secure,
        info,
        verdict: judgeCertificate(info, opts.tls, opts.address),
        durationMs,
      });
    };
    const cleanup = () => {
      opts.signal.removeEventListener('abort', onAbort);
      secure.off('error', onError);
      secure.off('secureConnect', onSecure);
      // A late error on a socket nobody listens to would crash the process; the owner reads state instead.
      secure.on('error', () => {});
    };

    const secure = tls.connect({
      socket,
      // SNI must be a DNS name (RFC 6066); Node warns when given an IP literal.
      servername: isIP(serverName) === 0 ? serverName : undefined,
      rejectUnauthorized: false,
      // Node would check the name against `host`/'localhost' (we hand it a socket, not a host) and fold the
      // result into authorizationError; describeSession checks the right name itself.
      checkServerIdentity: () => undefined,
      ALPNProtocols: opts.alpn,
      secureContext,
    });
    secure.once('secureConnect', onSecure);
    secure.once('error', onError);
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** What the session negotiated and whom it talks to; `authorized` also requires the name to match. */
export function describeSession(secure: tls.TLSSocket, serverName: string): TlsInfo {
  const peer = secure.getPeerCertificate();
  const hasCert = peer !== null && typeof peer === 'object' && 'raw' in peer && peer.raw !== undefined;
  const nameError = hasCert ? tls.checkServerIdentity(serverName, peer) : undefined;
  const chainError = secure.authorizationError ? String(secure.authorizationError) : undefined;
  const validationError = chainError ?? (nameError ? 'ERR_TLS_CERT_ALTNAME_INVALID' : undefined);
  const alpn = secure.alpnProtocol;
  return {
    protocol: secure.getProtocol() ?? undefined,
    cipher: secure.getCipher()?.name,
    alpn: typeof alpn === 'string' ? alpn : undefined,
    authorized: secure.authorized && nameError === undefined,
    validationError,
    certificate: hasCert ? inspectCertificate(peer.raw) : undefined,
  };
}

/** Subject, issuer, names, validity and fingerprint of a DER (or PEM) certificate. */
export function inspectCertificate(certificate: Buffer | string, now = Date.now()): CertificateInfo {
  const cert = new X509Certificate(certificate);
  const notAfter = new Date(cert.validTo);
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    sans: parseSubjectAltName(cert.subjectAltName),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: daysLeftAt(notAfter.toISOString(), now),
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * The policy. Without `insecure`, a failed verification is down with the code of the check that failed:
 * the chain (OpenSSL's authorizationError: expired, untrusted…) first, then the host name. With or
 * without `insecure`, fewer than certWarnDays left is degraded (TLS_CERT_EXPIRING, "critical" under
 * certCriticalDays): expiry is a countdown worth knowing even for a pinned or self-signed certificate,
 * and with `insecure` an already expired certificate stays degraded rather than down.
 */
export function judgeCertificate(
  info: TlsInfo,
  tlsOpts: TlsOptions,
  address: string,
  now = Date.now(),
): TlsVerdict {
  if (!tlsOpts.insecure && info.validationError !== undefined) {
    const failure = certificateFailure(info.validationError, address);
    return { status: 'down', error: withExpiryDate(failure, info.certificate) };
  }
  const cert = info.certificate;
  if (cert === undefined) return { status: 'up', error: null };
  const daysLeft = daysLeftAt(cert.notAfter, now);
  const level = expiryLevel(daysLeft, tlsOpts);
  if (level === 'ok') return { status: 'up', error: null };
  return { status: 'degraded', error: expiringFailure(address, cert, daysLeft, level, tlsOpts) };
}

/** A secure context trusting Node's default roots (bundled, system when enabled, NODE_EXTRA_CA_CERTS) plus `ca`. */
export function secureContextWithExtraCa(ca: string): tls.SecureContext {
  const cached = contexts.get(ca);
  if (cached) return cached;
  const context = tls.createSecureContext({
    ca: [...tls.getCACertificates('default'), ...parsePemBundle(ca)],
  });
  if (contexts.size >= SECURE_CONTEXT_CACHE_SIZE) {
    const oldest = contexts.keys().next().value;
    if (oldest !== undefined) contexts.delete(oldest);
  }
  contexts.set(ca, context);
  return context;
}
const contexts = new Map<string, tls.SecureContext>();

/** The certificates of a PEM bundle; throws naming the bad block, since OpenSSL silently skips garbage. */
function parsePemBundle(bundle: string): string[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no "-----BEGIN CERTIFICATE-----" block found');
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new Error(`certificate #${i + 1} does not parse: ${(err as Error).message}`);
    }
  });
  return blocks;
}

/**
 * Node prints SANs as `DNS:a, IP Address:1.2.3.4`, JSON-quoting values that contain separators.
 * DNS and IP entries become bare names (what people compare against); other kinds keep their type.
 */
export function parseSubjectAltName(altNames: string | undefined): string[] {
  if (!altNames) return [];
  const names: string[] = [];
  for (const m of altNames.matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const type = m[1] ?? '';
    const raw = m[2] ?? '';
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    names.push(type === 'DNS' || type === 'IP Address' ? value : `${type}:${value}`);
  }
  return names;
}

function expiringFailure(
  address: string,
  cert: CertificateInfo,
  daysLeft: number,
  level: Exclude<ExpiryLevel, 'ok'>,
  opts: TlsOptions,
): NetFailure {
  const when =
    daysLeft < 0 ? `expired on ${cert.notAfter}` : `expires on ${cert.notAfter} (${daysLeftWords(daysLeft)})`;
  const threshold =
    level === 'critical'
      ? `critical: under ${opts.certCriticalDays} days`
      : `under ${opts.certWarnDays} days`;
  return {
    code: 'TLS_CERT_EXPIRING',
    layer: 'tls',
    message: `certificate of ${address} ${when}, ${threshold}`,
  };
}

function withExpiryDate(failure: NetFailure, cert: CertificateInfo | undefined): NetFailure {
  if (failure.code !== 'TLS_CERT_EXPIRED' || cert === undefined) return failure;
  return { ...failure, message: `${failure.message} on ${cert.notAfter}` };
}

function oneLine(distinguishedName: string): string {
  return distinguishedName.split('\n').filter(Boolean).join(', ');
}

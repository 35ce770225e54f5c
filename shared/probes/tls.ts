/**
 * TLS handshake and certificate inspection over an already-connected socket, shared by the TCP and
 * HTTP probers. The handshake always runs with `rejectUnauthorized: false` and the certificate is
 * judged here, so a failing (or insecure) probe still reports which certificate it was shown.
 */
import { X509Certificate } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';
import {
  type ChainCertificate,
  certificateWords,
  daysLeftAt,
  daysLeftWords,
  type ExpiryLevel,
  expiryLevel,
  soonestExpiring,
} from './cert-expiry.ts';
import { certificateFailure, classifyNetError, type NetFailure, timeoutFailure } from './net-errors.ts';
import { parsePemBundle } from './pem.ts';
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
  | {
      ok: true;
      socket: tls.TLSSocket;
      info: TlsInfo;
      verdict: TlsVerdict;
      durationMs: number;
      /**
       * performance.now() when the handshake completed ('secureConnect'), before the certificate was
       * described and judged: curl's time_appconnect mark, so that work is not billed to the handshake.
       */
      completedAt: number;
    }
  | { ok: false; failure: NetFailure; durationMs: number };

/**
 * Runs the client handshake over `socket` (which the caller connected and timed). Never rejects.
 * On success the caller owns the returned TLSSocket (and must destroy it); on failure both are destroyed.
 */
export function tlsHandshake(socket: Socket, opts: TlsHandshakeOptions): Promise<TlsHandshakeResult> {
  const started = performance.now();
  const serverName = opts.tls.serverName ?? opts.host;
  const secureContext =
    opts.tls.ca === undefined
      ? { ok: true as const, context: defaultSecureContext() }
      : secureContextWithExtraCa(opts.tls.ca);
  if (!secureContext.ok) {
    socket.destroy();
    const message = `TLS to ${opts.address} not attempted: the configured ca bundle is not usable PEM (${secureContext.reason})`;
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
      const completedAt = performance.now();
      cleanup();
      const info = describeSession(secure, serverName, peer);
      resolve({
        ok: true,
        socket: secure,
        info,
        verdict: judgeCertificate(info, opts.tls, opts.address),
        durationMs: completedAt - started,
        completedAt,
      });
    };
    const cleanup = () => {
      opts.signal.removeEventListener('abort', onAbort);
      secure.off('error', onError);
      secure.off('secureConnect', onSecure);
      // A late error on a socket nobody listens to would crash the process; the owner reads state instead.
      secure.on('error', () => {});
    };

    // The peer certificate as Node decoded it for checkServerIdentity (called only when the chain verified).
    let peer: tls.DetailedPeerCertificate | undefined;
    const secure = tls.connect({
      socket,
      // SNI must be a DNS name (RFC 6066); Node warns when given an IP literal.
      servername: isIP(serverName) === 0 ? serverName : undefined,
      rejectUnauthorized: false,
      // Node would check the name against `host`/'localhost' (we hand it a socket, not a host) and fold the
      // result into authorizationError; describeSession checks the right name itself. Node builds the
      // certificate object for this call whatever we do (~0.2 ms): keep it rather than decode it again.
      checkServerIdentity: (_host, cert) => {
        // Node hands over getPeerCertificate(true): the issuers come with it.
        peer = cert as tls.DetailedPeerCertificate;
        return undefined;
      },
      ALPNProtocols: opts.alpn,
      secureContext: secureContext.context,
    });
    secure.once('secureConnect', onSecure);
    secure.once('error', onError);
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * What the session negotiated and whom it talks to; `authorized` also requires the name to match.
 * `peer` is the certificate object, with its issuers, that Node already built during the handshake when
 * it did (a verified chain); otherwise it is read from the socket here. Either way the chain is decoded once.
 */
export function describeSession(
  secure: tls.TLSSocket,
  serverName: string,
  peer: tls.DetailedPeerCertificate = secure.getPeerCertificate(true),
): TlsInfo {
  const hasCert = peer !== null && typeof peer === 'object' && 'raw' in peer && peer.raw !== undefined;
  const nameError = hasCert ? tls.checkServerIdentity(serverName, peer) : undefined;
  const chainError = secure.authorizationError ? String(secure.authorizationError) : undefined;
  const validationError = chainError ?? (nameError ? 'ERR_TLS_CERT_ALTNAME_INVALID' : undefined);
  const alpn = secure.alpnProtocol;
  const info: TlsInfo = {
    protocol: secure.getProtocol() ?? undefined,
    cipher: secure.getCipher()?.name,
    alpn: typeof alpn === 'string' ? alpn : undefined,
    authorized: secure.authorized && nameError === undefined,
    validationError,
    certificate: hasCert ? certificateInfo(peer) : undefined,
  };
  const intermediates = hasCert ? issuersOf(peer) : [];
  if (intermediates.length > 0) info.intermediates = intermediates;
  return info;
}

/** Chains longer than this are cut: no real chain comes close, and a finding must stay small. */
const MAX_INTERMEDIATES = 8;

/**
 * The issuers above the leaf, in order, as Node links them from the certificates the server sent (and,
 * past those, from the trust store). A self-signed certificate ends the walk and is left out: it is a
 * root, which a client takes from its own trust store whatever the server sends.
 */
function issuersOf(leaf: tls.DetailedPeerCertificate): CertificateInfo[] {
  const issuers: CertificateInfo[] = [];
  let cert = leaf;
  while (issuers.length < MAX_INTERMEDIATES) {
    const issuer = cert.issuerCertificate;
    // Node points a self-signed certificate's issuerCertificate at itself.
    if (issuer === undefined || issuer === null || issuer === cert || issuer.issuerCertificate === issuer)
      break;
    issuers.push(certificateInfo(issuer));
    cert = issuer;
  }
  return issuers;
}

/** Subject, issuer, names, validity and fingerprint of a DER (or PEM) certificate. */
export function inspectCertificate(certificate: Buffer | string, now = Date.now()): CertificateInfo {
  return certificateInfo(new X509Certificate(certificate).toLegacyObject(), now);
}

/**
 * CertificateInfo from Node's certificate object (getPeerCertificate's shape): no second decode. Its
 * subjectaltname, validity and fingerprint strings are the ones X509Certificate prints; names come as
 * objects and are printed as X509Certificate would (see distinguishedName).
 */
function certificateInfo(cert: tls.PeerCertificate, now = Date.now()): CertificateInfo {
  const notAfter = new Date(cert.valid_to).toISOString();
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    sans: parseSubjectAltName(cert.subjectaltname),
    notBefore: new Date(cert.valid_from).toISOString(),
    notAfter,
    daysLeft: daysLeftAt(notAfter, now),
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
  const soonest = soonestExpiring(info);
  if (!tlsOpts.insecure && info.validationError !== undefined) {
    const failure = certificateFailure(info.validationError, address);
    return { status: 'down', error: withExpiryDate(failure, soonest, address, now) };
  }
  if (soonest === undefined) return { status: 'up', error: null };
  const daysLeft = daysLeftAt(soonest.certificate.notAfter, now);
  const level = expiryLevel(daysLeft, tlsOpts);
  if (level === 'ok') return { status: 'up', error: null };
  return { status: 'degraded', error: expiringFailure(address, soonest, daysLeft, level, tlsOpts) };
}

/**
 * The context for targets without an extra `ca`. Handed none, tls.connect builds a fresh one per
 * connection (~0.5 ms of CPU each, ~8 ms the first time); the same one serves every handshake. It holds
 * no session cache (Node's contexts never store client sessions), so every handshake stays a full one.
 */
export function defaultSecureContext(): tls.SecureContext {
  defaultContext ??= tls.createSecureContext();
  return defaultContext;
}
let defaultContext: tls.SecureContext | undefined;

/**
 * A secure context trusting Node's default roots (bundled, system when enabled, NODE_EXTRA_CA_CERTS) plus
 * `ca`, or the reason `ca` is unusable (read by pem.ts, the same reader and words as the config checks).
 */
export function secureContextWithExtraCa(
  ca: string,
): { ok: true; context: tls.SecureContext } | { ok: false; reason: string } {
  const cached = contexts.get(ca);
  if (cached) return { ok: true, context: cached };
  const bundle = parsePemBundle(ca);
  if (!bundle.ok) return bundle;
  const context = tls.createSecureContext({
    ca: [...tls.getCACertificates('default'), ...bundle.certificates],
  });
  if (contexts.size >= SECURE_CONTEXT_CACHE_SIZE) {
    const oldest = contexts.keys().next().value;
    if (oldest !== undefined) contexts.delete(oldest);
  }
  contexts.set(ca, context);
  return { ok: true, context };
}
const contexts = new Map<string, tls.SecureContext>();

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
  soonest: ChainCertificate,
  daysLeft: number,
  level: Exclude<ExpiryLevel, 'ok'>,
  opts: TlsOptions,
): NetFailure {
  const { notAfter } = soonest.certificate;
  const when =
    daysLeft < 0 ? `expired on ${notAfter}` : `expires on ${notAfter} (${daysLeftWords(daysLeft)})`;
  const threshold =
    level === 'critical'
      ? `critical: under ${opts.certCriticalDays} days`
      : `under ${opts.certWarnDays} days`;
  return {
    code: 'TLS_CERT_EXPIRING',
    layer: 'tls',
    message: `${certificateWords(soonest, address)} ${when}, ${threshold}`,
  };
}

/** An expiry failure names the certificate that lapsed: the leaf, or the intermediate OpenSSL tripped on. */
function withExpiryDate(
  failure: NetFailure,
  soonest: ChainCertificate | undefined,
  address: string,
  now: number,
): NetFailure {
  if (failure.code !== 'TLS_CERT_EXPIRED' || soonest === undefined) return failure;
  const { notAfter } = soonest.certificate;
  if (soonest.depth === 0 || daysLeftAt(notAfter, now) >= 0)
    return { ...failure, message: `${failure.message} on ${notAfter}` };
  return { ...failure, message: `${certificateWords(soonest, address)} expired on ${notAfter}` };
}

/**
 * "C=US, O=Acme\, Inc., CN=a.example": X509Certificate#subject on one line (OpenSSL's RFC 2253 escaping).
 * Node's object groups a repeated attribute under one key, so the string is the same unless the name
 * interleaves repeats (OU=a, O=x, OU=b prints OU=a, OU=b, O=x) or has a multi-valued RDN (CN=a + O=b
 * prints CN=a, O=b): rare in server certificates, and every value is still there.
 */
function distinguishedName(name: tls.Certificate | undefined): string {
  if (name === undefined) return '';
  const parts: string[] = [];
  for (const [attribute, values] of Object.entries(name as Record<string, string | string[]>)) {
    for (const value of Array.isArray(values) ? values : [values]) {
      parts.push(`${attribute}=${escapeDnValue(value)}`);
    }
  }
  return parts.join(', ');
}

/** RFC 2253 specials, a leading '#' or space and a trailing space get a backslash; control characters \XX. */
function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (
      ',+"\\<>;'.includes(c) ||
      (i === 0 && (c === '#' || c === ' ')) ||
      (i === value.length - 1 && c === ' ')
    )
      out += `\\${c}`;
    else out += c;
  }
  return out;
}

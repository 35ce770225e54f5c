/**
 * TLS handshake and certificate inspection over an already-connected socket, shared by the TCP and
 * HTTP probers. The handshake always runs with `rejectUnauthorized: false` and the certificate is
 * judged here, so a failing (or insecure) probe still reports which certificate it was shown.
 */
import type { X509Certificate } from 'node:crypto';
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
import { describeServed, namesHost } from './certificate.ts';
import { certificateFailure, classifyNetError, type NetFailure, timeoutFailure } from './net-errors.ts';
import { parsePemBundle } from './pem.ts';
import type { TlsOptions } from './spec.ts';
import type { Status, TlsInfo } from './types.ts';

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
      durationMs: number;
      /**
       * performance.now() once the chain and the name are checked: curl's time_appconnect (OpenSSL checks
       * both inside curl's handshake). Describing the certificate is not part of it.
       */
      completedAt: number;
      /** The protocol the server chose in ALPN, if any. */
      alpn: string | undefined;
      /**
       * The chain or the name failed and `insecure` is not set: the verdict is down and, as curl does,
       * the caller sends nothing. Known without describing the certificate.
       */
      refused: boolean;
      /**
       * The session and its certificates described and judged (memoized). It decodes and formats names
       * (~0.1 ms for a certificate not met before), so a caller runs it once nothing is timed: after its
       * exchange, or at once when `refused`.
       */
      describe: () => { info: TlsInfo; verdict: TlsVerdict };
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
      ? { ok: true as const, context: defaultSecureContext(), extraCa: [] }
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
      cleanup();
      // Read once: a client's getPeerX509Certificate takes the certificates out of the session
      // (nodejs/node#65579), and a second call gets nothing.
      const leaf = secure.getPeerX509Certificate();
      const nameMatches = leaf === undefined || namesHost(leaf, serverName);
      const completedAt = performance.now();
      const session = sessionOf(secure, nameMatches);
      let judged: { info: TlsInfo; verdict: TlsVerdict } | undefined;
      resolve({
        ok: true,
        socket: secure,
        durationMs: completedAt - started,
        completedAt,
        alpn: session.alpn,
        refused: failingError(session.validationError, opts.tls) !== undefined,
        describe: () => {
          judged ??= describeSession(session, leaf, secureContext.extraCa, opts);
          return judged;
        },
      });
    };
    const cleanup = () => {
      restoreChainDecode();
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
      // result into authorizationError; onSecure checks the right name itself.
      checkServerIdentity: () => undefined,
      ALPNProtocols: opts.alpn,
      secureContext: secureContext.context,
    });
    const restoreChainDecode = skipNodesChainDecode(secure);
    secure.once('secureConnect', onSecure);
    secure.once('error', onError);
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Node's tls.connect decodes the server's whole chain (getPeerCertificate(true): every field and three
 * fingerprints per certificate, ~0.1 ms of CPU, a tenth of an HTTPS probe's) only to hand it to
 * checkServerIdentity, which tlsHandshake replaces with a no-op. Until the returned function is called
 * (the handshake settled), this socket answers that call with an empty object; the prober reads only the
 * fields a finding keeps, from X509Certificate, which decodes each on demand (certificate.ts). After, the
 * socket's owner gets Node's method. (A Node that stopped making the call would only lose the saving.) The stand-in
 * stays in place rather than being deleted: a delete would turn the socket into a slow dictionary object.
 */
function skipNodesChainDecode(secure: tls.TLSSocket): () => void {
  let handshaking = true;
  const nodes = tls.TLSSocket.prototype.getPeerCertificate;
  secure.getPeerCertificate = function (this: tls.TLSSocket, detailed?: boolean) {
    return handshaking ? ({} as tls.PeerCertificate) : nodes.call(this, detailed as true);
  } as typeof nodes;
  return () => {
    handshaking = false;
  };
}

type SessionInfo = Omit<TlsInfo, 'certificate' | 'intermediates'>;

/** What the session negotiated, read off the socket while it is open; `authorized` also requires the name. */
function sessionOf(secure: tls.TLSSocket, nameMatches: boolean): SessionInfo {
  const chainError = secure.authorizationError ? String(secure.authorizationError) : undefined;
  const alpn = secure.alpnProtocol;
  return {
    protocol: secure.getProtocol() ?? undefined,
    cipher: secure.getCipher()?.name,
    alpn: typeof alpn === 'string' ? alpn : undefined,
    authorized: secure.authorized && nameMatches,
    validationError: chainError ?? (nameMatches ? undefined : 'ERR_TLS_CERT_ALTNAME_INVALID'),
  };
}

/** The session with the certificates the server showed (certificate.ts), judged against TlsOptions. */
function describeSession(
  session: SessionInfo,
  leaf: X509Certificate | undefined,
  extraCa: readonly X509Certificate[],
  opts: Pick<TlsHandshakeOptions, 'tls' | 'address'>,
): { info: TlsInfo; verdict: TlsVerdict } {
  const served = leaf ? describeServed(leaf, extraCa) : undefined;
  const info: TlsInfo = { ...session, certificate: served?.certificate };
  if (served && served.intermediates.length > 0) info.intermediates = served.intermediates;
  return { info, verdict: judgeCertificate(info, opts.tls, opts.address) };
}

/**
 * The verification error (chain or name) that fails the probe: any, unless `insecure`. The one rule
 * behind the handshake's `refused` and the verdict.
 */
function failingError(validationError: string | undefined, tlsOpts: TlsOptions): string | undefined {
  return tlsOpts.insecure ? undefined : validationError;
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
  const failing = failingError(info.validationError, tlsOpts);
  if (failing !== undefined) {
    const failure = certificateFailure(failing, address);
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

/** A secure context trusting the default roots plus a `ca` bundle, and that bundle's certificates. */
interface ExtraCaContext {
  context: tls.SecureContext;
  extraCa: readonly X509Certificate[];
}

/**
 * A secure context trusting Node's default roots (bundled, system when enabled, NODE_EXTRA_CA_CERTS) plus
 * `ca`, or the reason `ca` is unusable (read by pem.ts, the same reader and words as the config checks).
 */
export function secureContextWithExtraCa(
  ca: string,
): ({ ok: true } & ExtraCaContext) | { ok: false; reason: string } {
  const cached = contexts.get(ca);
  if (cached) return { ok: true, ...cached };
  const bundle = parsePemBundle(ca);
  if (!bundle.ok) return bundle;
  const context = tls.createSecureContext({
    ca: [...tls.getCACertificates('default'), ...bundle.certificates.map((c) => c.toString())],
  });
  if (contexts.size >= SECURE_CONTEXT_CACHE_SIZE) {
    const oldest = contexts.keys().next().value;
    if (oldest !== undefined) contexts.delete(oldest);
  }
  const entry = { context, extraCa: bundle.certificates };
  contexts.set(ca, entry);
  return { ok: true, ...entry };
}
const contexts = new Map<string, ExtraCaContext>();

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

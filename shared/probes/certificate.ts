/**
 * What a finding says of the certificates a server showed: the leaf and the issuers above it
 * (CertificateInfo), and whether the leaf names the host. Read from X509Certificate, which decodes each
 * field on demand, so only what a finding keeps is decoded. A monitor meets the same certificate run after
 * run, so what a certificate says (all but daysLeft) and its name checks are kept by its SHA-256
 * fingerprint: a probe then hashes each certificate and decodes nothing else. The name check (namesHost)
 * is the only part a probe needs before it sends its request; the rest waits until nothing is timed.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { daysLeftAt } from './cert-expiry.ts';
import type { CertificateInfo } from './types.ts';

/** Chains longer than this are cut: no real chain comes close, and a finding must stay small. */
const MAX_INTERMEDIATES = 8;
/** Certificates remembered: a runner's monitors, redirects included, with room to spare. */
const CERTIFICATES_REMEMBERED = 1024;
/** Host names remembered per certificate: a wildcard certificate may serve many. */
const NAMES_PER_CERTIFICATE = 64;

export interface ServedCertificates {
  certificate: CertificateInfo;
  /** The issuers above the leaf, its own issuer first; empty when there are none. */
  intermediates: CertificateInfo[];
}

/**
 * The leaf a server showed (X509Certificate, with the certificates it sent after it as
 * issuerCertificate) and the issuers above it; `extraCa` is the configured `ca` bundle, where an issuer
 * the server left out may be found.
 */
export function describeServed(
  leaf: X509Certificate,
  extraCa: readonly X509Certificate[],
  now = Date.now(),
): ServedCertificates {
  return {
    certificate: withDaysLeft(infoOf(leaf), now),
    intermediates: issuersOf(leaf, extraCa).map((issuer) => withDaysLeft(infoOf(issuer), now)),
  };
}

/** Subject, issuer, names, validity and fingerprint of a DER (or PEM) certificate. */
export function inspectCertificate(certificate: Buffer | string, now = Date.now()): CertificateInfo {
  return withDaysLeft(infoOf(new X509Certificate(certificate)), now);
}

/** A certificate met before: its SANs, its name checks per host name, and, once described, its info. */
interface Remembered {
  subjectAltName: string | undefined;
  names: Map<string, boolean>;
  info?: Omit<CertificateInfo, 'daysLeft'>;
}

const remembered = new Map<string, Remembered>();

function rememberedOf(cert: X509Certificate): Remembered {
  const fingerprint256 = cert.fingerprint256;
  const known = remembered.get(fingerprint256);
  if (known) return known;
  const entry: Remembered = { subjectAltName: cert.subjectAltName, names: new Map() };
  if (remembered.size >= CERTIFICATES_REMEMBERED) {
    const oldest = remembered.keys().next().value;
    if (oldest !== undefined) remembered.delete(oldest);
  }
  remembered.set(fingerprint256, entry);
  return entry;
}

function infoOf(cert: X509Certificate): Omit<CertificateInfo, 'daysLeft'> {
  const entry = rememberedOf(cert);
  entry.info ??= {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    sans: parseSubjectAltName(entry.subjectAltName),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
  };
  return entry.info;
}

/** A fresh CertificateInfo (a finding owns its copy), in the field order findings have always had. */
function withDaysLeft(info: Omit<CertificateInfo, 'daysLeft'>, now: number): CertificateInfo {
  return {
    subject: info.subject,
    issuer: info.issuer,
    sans: [...info.sans],
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    daysLeft: daysLeftAt(info.notAfter, now),
    fingerprint256: info.fingerprint256,
  };
}

/**
 * Whether the leaf names `serverName`: tls.checkServerIdentity (Node's rules), handed only what they
 * read. They fall back to the subject's CN only for a host name (not an IP address; trailing dot dropped,
 * as Node drops it) checked against a certificate without DNS names: only then is the subject decoded.
 */
export function namesHost(leaf: X509Certificate, serverName: string): boolean {
  const entry = rememberedOf(leaf);
  const known = entry.names.get(serverName);
  if (known !== undefined) return known;
  const subjectaltname = entry.subjectAltName;
  const readsSubject =
    isIP(serverName.replace(/\.$/, '')) === 0 &&
    !subjectAltNameEntries(subjectaltname).some((entry) => entry.type === 'DNS');
  const identity = readsSubject ? leaf.toLegacyObject() : ({ subjectaltname } as tls.PeerCertificate);
  const matches = tls.checkServerIdentity(serverName, identity) === undefined;
  if (entry.names.size < NAMES_PER_CERTIFICATE) entry.names.set(serverName, matches);
  return matches;
}

/**
 * The issuers above the leaf, in order, linked as OpenSSL (and Node's getPeerCertificate) links them:
 * each one's issuer is looked for among the certificates the server sent, then in the configured `ca`
 * bundle. A self-signed certificate ends the walk and is left out: it is a root, which a client takes
 * from its own trust store whatever the server sends.
 */
function issuersOf(leaf: X509Certificate, extraCa: readonly X509Certificate[]): X509Certificate[] {
  const candidates: X509Certificate[] = [];
  for (let sent = leaf.issuerCertificate; sent !== undefined; sent = sent.issuerCertificate) {
    candidates.push(sent);
  }
  candidates.push(...extraCa);
  const issuers: X509Certificate[] = [];
  let cert = leaf;
  while (issuers.length < MAX_INTERMEDIATES) {
    const issued = cert;
    const issuer = candidates.find((candidate) => issued.checkIssued(candidate));
    if (issuer === undefined || issuer.checkIssued(issuer)) break;
    issuers.push(issuer);
    cert = issuer;
  }
  return issuers;
}

/**
 * "C=US, O=Acme\, Inc., CN=a.example". X509Certificate prints a name an attribute per line, values
 * escaped as RFC 2253 says, control characters included: no line break sits inside a value.
 */
function oneLine(name: string): string {
  return name.replaceAll('\n', ', ');
}

/**
 * Node prints SANs as `DNS:a, IP Address:1.2.3.4`, JSON-quoting values that contain separators.
 * DNS and IP entries become bare names (what people compare against); other kinds keep their type.
 */
export function parseSubjectAltName(altNames: string | undefined): string[] {
  return subjectAltNameEntries(altNames).map(({ type, value }) =>
    type === 'DNS' || type === 'IP Address' ? value : `${type}:${value}`,
  );
}

/**
 * The entries of Node's SAN string (`TYPE:value, TYPE:"quoted, value"`), split as tls.checkServerIdentity
 * splits them, quoted values unquoted. One pass, left to right: the string comes from a certificate any
 * server may send, so no step may look at a character twice (a scanning regex took 5.5 s on 100 KB).
 * A quoted value that is not valid JSON is kept as sent rather than thrown on.
 */
function subjectAltNameEntries(altNames: string | undefined): { type: string; value: string }[] {
  const entries: { type: string; value: string }[] = [];
  if (!altNames) return entries;
  let at = 0;
  while (at < altNames.length) {
    const colon = altNames.indexOf(':', at);
    if (colon < 0) break;
    let end: number;
    let value: string;
    if (altNames.charAt(colon + 1) === '"') {
      end = colon + 2;
      while (end < altNames.length && altNames.charAt(end) !== '"')
        end += altNames.charAt(end) === '\\' ? 2 : 1;
      end = Math.min(end + 1, altNames.length);
      value = unquoted(altNames.slice(colon + 1, end));
    } else {
      end = altNames.indexOf(', ', colon + 1);
      if (end < 0) end = altNames.length;
      value = altNames.slice(colon + 1, end);
    }
    entries.push({ type: altNames.slice(at, colon), value });
    const separator = altNames.indexOf(', ', end);
    at = separator < 0 ? altNames.length : separator + 2;
  }
  return entries;
}

function unquoted(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}

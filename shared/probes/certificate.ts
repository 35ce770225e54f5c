/**
 * What a finding says of the certificates a server showed: the leaf and the issuers above it
 * (CertificateInfo), and whether the leaf names the host. Read from X509Certificate, which decodes each
 * field on demand, so only what a finding keeps is decoded. A monitor meets the same certificate run after
 * run, so what a certificate says (all but daysLeft) is kept by its SHA-256 fingerprint: a probe then
 * hashes each certificate and decodes nothing else.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { daysLeftAt } from './cert-expiry.ts';
import type { CertificateInfo } from './types.ts';

/** Chains longer than this are cut: no real chain comes close, and a finding must stay small. */
const MAX_INTERMEDIATES = 8;
/** Certificates remembered: a runner's monitors, redirects included, with room to spare. */
const FACTS_CACHE_SIZE = 1024;
/** Host names remembered per certificate: a wildcard certificate may serve many. */
const NAMES_PER_CERTIFICATE = 64;

export interface ServedCertificates {
  certificate: CertificateInfo;
  /** The issuers above the leaf, its own issuer first; empty when there are none. */
  intermediates: CertificateInfo[];
  /** Whether the leaf names `serverName`, by Node's rules (tls.checkServerIdentity). */
  nameMatches: boolean;
}

/**
 * The leaf a server showed (X509Certificate, with the certificates it sent after it as
 * issuerCertificate), judged for `serverName`; `extraCa` is the configured `ca` bundle, where an issuer
 * the server left out may be found.
 */
export function describeServed(
  leaf: X509Certificate,
  serverName: string,
  extraCa: readonly X509Certificate[],
  now = Date.now(),
): ServedCertificates {
  const facts = factsOf(leaf);
  return {
    certificate: withDaysLeft(facts, now),
    intermediates: issuersOf(leaf, extraCa).map((issuer) => withDaysLeft(factsOf(issuer), now)),
    nameMatches: namesHost(facts, leaf, serverName),
  };
}

/** Subject, issuer, names, validity and fingerprint of a DER (or PEM) certificate. */
export function inspectCertificate(certificate: Buffer | string, now = Date.now()): CertificateInfo {
  return withDaysLeft(factsOf(new X509Certificate(certificate)), now);
}

/** What a certificate says, once decoded; `names` memoizes the name check per host name. */
interface CertificateFacts {
  info: Omit<CertificateInfo, 'daysLeft'>;
  subjectAltName: string | undefined;
  names: Map<string, boolean>;
}

const factsCache = new Map<string, CertificateFacts>();

function factsOf(cert: X509Certificate): CertificateFacts {
  const fingerprint256 = cert.fingerprint256;
  const cached = factsCache.get(fingerprint256);
  if (cached) return cached;
  const subjectAltName = cert.subjectAltName;
  const facts: CertificateFacts = {
    info: {
      subject: oneLine(cert.subject),
      issuer: oneLine(cert.issuer),
      sans: parseSubjectAltName(subjectAltName),
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
      fingerprint256,
    },
    subjectAltName,
    names: new Map(),
  };
  if (factsCache.size >= FACTS_CACHE_SIZE) {
    const oldest = factsCache.keys().next().value;
    if (oldest !== undefined) factsCache.delete(oldest);
  }
  factsCache.set(fingerprint256, facts);
  return facts;
}

/** A fresh CertificateInfo (a finding owns its copy), in the field order findings have always had. */
function withDaysLeft({ info }: CertificateFacts, now: number): CertificateInfo {
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
 * tls.checkServerIdentity (Node's rules), handed only what they read. They fall back to the subject's CN
 * only for a host name (not an IP address; trailing dot dropped, as Node drops it) checked against a
 * certificate without DNS names: only then is the subject decoded.
 */
function namesHost(facts: CertificateFacts, leaf: X509Certificate, serverName: string): boolean {
  const known = facts.names.get(serverName);
  if (known !== undefined) return known;
  const subjectaltname = facts.subjectAltName;
  const readsSubject =
    isIP(serverName.replace(/\.$/, '')) === 0 &&
    !subjectAltNameEntries(subjectaltname).some((entry) => entry.type === 'DNS');
  const identity = readsSubject ? leaf.toLegacyObject() : ({ subjectaltname } as tls.PeerCertificate);
  const matches = tls.checkServerIdentity(serverName, identity) === undefined;
  if (facts.names.size < NAMES_PER_CERTIFICATE) facts.names.set(serverName, matches);
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

/** The entries of Node's SAN string, quoted values unquoted (as tls.checkServerIdentity splits them). */
function subjectAltNameEntries(altNames: string | undefined): { type: string; value: string }[] {
  if (!altNames) return [];
  const entries: { type: string; value: string }[] = [];
  for (const m of altNames.matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const raw = m[2] ?? '';
    entries.push({ type: m[1] ?? '', value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return entries;
}

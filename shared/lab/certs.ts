/**
 * Test and demo-lab certificates: a throwaway CA and leaf certificates for loopback servers.
 * ECDSA P-256 through WebCrypto because key generation takes ~1 ms (RSA-2048 takes ~100 ms),
 * which keeps test suites that mint a certificate per case fast. Keys are PKCS#8 PEM,
 * the form node:tls `createServer({ key, cert })` accepts directly.
 */
// First, before @peculiar/x509: its DI container (tsyringe) throws at import time without the Reflect
// metadata API. ESM evaluates imports in source order, so this side-effect import must stay on top.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Backdated so a certificate issued "now" is already valid on a host whose clock runs a little behind. */
const DEFAULT_BACKDATE_MS = HOUR_MS;
const DEFAULT_LEAF_DAYS = 30;
const DEFAULT_CA_DAYS = 365;

export interface Ca {
  readonly commonName: string;
  /** PEM of the CA certificate: what a client passes as `ca` to trust leaves issued by it. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly cert: x509.X509Certificate;
  readonly privateKey: webcrypto.CryptoKey;
}

export interface CertOptions {
  /** DNS names and IP literals; each becomes a subjectAltName entry of the matching type. */
  hosts: string[];
  /** Default: one hour ago. */
  notBefore?: Date;
  /** Default: 30 days after now. A date in the past yields an expired certificate. */
  notAfter?: Date;
  /** Default: the first host. */
  commonName?: string;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** The issuing CA's certificate, to hand to clients as their trust anchor. */
  caPem: string;
}

export interface SelfSignedCert {
  certPem: string;
  keyPem: string;
}

/**
 * A CA certificate: self-signed (a root) by default, or an intermediate signed by `issuer`, which a
 * server sends after its leaf. `notAfter` (default a year from now) makes an expiring or expired one.
 */
export async function createCa(
  opts: { commonName?: string; issuer?: Ca; notAfter?: Date } = {},
): Promise<Ca> {
  const commonName = opts.commonName ?? 'netprobe test CA';
  const keys = await generateKeys();
  const now = Date.now();
  const notBefore = new Date(now - DEFAULT_BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(now + DEFAULT_CA_DAYS * DAY_MS);
  const extensions = [
    // A root may sign intermediates (no path length limit); an intermediate signs leaves only.
    new x509.BasicConstraintsExtension(true, opts.issuer === undefined ? undefined : 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const cert =
    opts.issuer === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned({
          name: distinguishedName(commonName),
          keys,
          notBefore,
          notAfter,
          signingAlgorithm: SIGNING,
          extensions,
        })
      : await x509.X509CertificateGenerator.create({
          subject: distinguishedName(commonName),
          issuer: opts.issuer.cert.subject,
          publicKey: keys.publicKey,
          signingKey: opts.issuer.privateKey,
          notBefore,
          notAfter,
          signingAlgorithm: SIGNING,
          extensions: [
            ...extensions,
            await x509.AuthorityKeyIdentifierExtension.create(opts.issuer.cert.publicKey),
          ],
        });
  return {
    commonName,
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
    cert,
    privateKey: keys.privateKey,
  };
}

/** A leaf certificate for `hosts`, signed by `ca`. */
export async function issueCert(ca: Ca, opts: CertOptions): Promise<IssuedCert> {
  const keys = await generateKeys();
  const { notBefore, notAfter } = validity(opts);
  const cert = await x509.X509CertificateGenerator.create({
    subject: distinguishedName(leafCommonName(opts)),
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [
      ...(await leafExtensions(opts.hosts, keys.publicKey)),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey), caPem: ca.certPem };
}

/** A leaf certificate signed by its own key: clients reject it (DEPTH_ZERO_SELF_SIGNED_CERT) unless pinned as `ca`. */
export async function selfSigned(opts: CertOptions): Promise<SelfSignedCert> {
  const keys = await generateKeys();
  const { notBefore, notAfter } = validity(opts);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: distinguishedName(leafCommonName(opts)),
    keys,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: await leafExtensions(opts.hosts, keys.publicKey),
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function validity(opts: CertOptions): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - DEFAULT_BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(now + DEFAULT_LEAF_DAYS * DAY_MS);
  if (notAfter.getTime() <= notBefore.getTime()) {
    // An expired certificate needs notBefore earlier than its past notAfter: say so instead of minting garbage.
    throw new RangeError(
      `certificate validity is empty: notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`,
    );
  }
  return { notBefore, notAfter };
}

function leafCommonName(opts: CertOptions): string {
  const name = opts.commonName ?? opts.hosts[0];
  if (name === undefined) throw new RangeError('certificate needs at least one host (or a commonName)');
  return name;
}

async function leafExtensions(hosts: string[], publicKey: webcrypto.CryptoKey): Promise<x509.Extension[]> {
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
  // Modern clients (Node included) check only SANs, never the CN, so every host must be a SAN.
  if (hosts.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) => ({ type: isIP(host) === 0 ? 'dns' : 'ip', value: host })),
      ),
    );
  }
  return extensions;
}

function distinguishedName(commonName: string): x509.JsonName {
  return [{ CN: [commonName] }];
}

/** `days` from now (negative for the past): reads better at call sites than millisecond arithmetic. */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}

/**
 * What a finding says of a certificate (shared/probes/certificate.ts): names as X509Certificate prints
 * them, SANs, validity, the name check by Node's rules, and each certificate decoded once per process.
 */
// Before @peculiar/x509 (used here for names the lab's certificates do not have): it needs the Reflect API.
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCa, daysFromNow, issueCert } from '../../shared/lab/certs.ts';
import {
  describeServed,
  inspectCertificate,
  namesHost,
  parseSubjectAltName,
} from '../../shared/probes/certificate.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a certificate met again', () => {
  it('is decoded once: later probes hash it and reuse what it says, with their own daysLeft', async () => {
    const leaf = await issueCert(await createCa({ commonName: 'Cache CA' }), {
      hosts: ['a.example'],
      notAfter: daysFromNow(10.5),
    });
    const subjects = vi.spyOn(X509Certificate.prototype, 'subject', 'get');
    const now = Date.now();

    const first = describeServed(new X509Certificate(leaf.certPem), [], now);
    const again = describeServed(new X509Certificate(leaf.certPem), [], now + 3 * 86_400_000);

    expect(subjects).toHaveBeenCalledTimes(1);
    expect(first.certificate).toMatchObject({ subject: 'CN=a.example', sans: ['a.example'], daysLeft: 10 });
    expect(again.certificate).toEqual({ ...first.certificate, daysLeft: 7 });
    // Each finding owns its certificate: changing one changes no other.
    first.certificate.sans.push('changed');
    expect(again.certificate.sans).toEqual(['a.example']);
  });

  it('checks each host name it is shown for: a remembered answer is per name', async () => {
    const leaf = await issueCert(await createCa(), { hosts: ['*.b.example'] });
    const cert = () => new X509Certificate(leaf.certPem);

    expect(namesHost(cert(), 'a.b.example')).toBe(true);
    expect(namesHost(cert(), 'b.example')).toBe(false);
    expect(namesHost(cert(), 'a.b.example')).toBe(true);
  });
});

describe('certificate parsing', () => {
  it('reads subject, issuer, SANs and validity from PEM', async () => {
    const ca = await createCa({ commonName: 'Parse CA' });
    const leaf = await issueCert(ca, {
      hosts: ['a.example', '10.0.0.1', '::1'],
      notAfter: daysFromNow(10.5),
    });

    const cert = inspectCertificate(leaf.certPem);

    expect(cert).toMatchObject({
      subject: 'CN=a.example',
      issuer: 'CN=Parse CA',
      sans: ['a.example', '10.0.0.1', '0:0:0:0:0:0:0:1'],
      daysLeft: 10,
    });
  });

  it('prints subject and issuer as X509Certificate does, RFC 2253 escapes included', async () => {
    const leaf = await issueCert(await createCa({ commonName: 'Names CA' }), { hosts: ['a.example'] });
    const special = await certificateNamed([
      { CN: [' Acme, Inc. <x>; a+b tab\t\u0001 ünï ✓ '] },
      { L: ['a"quote'] },
    ]);
    const named = await certificateNamed('C=US, O=Acme\\, Inc., OU=ops, OU=web, L=\\#1, CN=svc.example');
    const oneLine = (name: string) => name.split('\n').join(', ');

    for (const pem of [leaf.certPem, special, named]) {
      const reference = new X509Certificate(pem);
      const cert = inspectCertificate(pem);
      expect(cert.subject).toBe(oneLine(reference.subject));
      expect(cert.issuer).toBe(oneLine(reference.issuer));
    }
    expect(inspectCertificate(leaf.certPem)).toMatchObject({
      subject: 'CN=a.example',
      issuer: 'CN=Names CA',
    });
    expect(inspectCertificate(special).subject).toBe(
      'CN=\\ Acme\\, Inc. \\<x\\>\\; a\\+b tab\\09\\01 ünï ✓\\ , L=a\\"quote',
    );
    expect(inspectCertificate(named).subject).toBe(
      'C=US, O=Acme\\, Inc., OU=ops, OU=web, L=\\#1, CN=svc.example',
    );
  });

  it('keeps a name that interleaves a repeated attribute in its order', async () => {
    const pem = await certificateNamed('OU=a, O=x, OU=b, CN=y');

    expect(new X509Certificate(pem).subject).toBe('OU=a\nO=x\nOU=b\nCN=y');
    expect(inspectCertificate(pem).subject).toBe('OU=a, O=x, OU=b, CN=y');
  });

  it('parses any SAN string a server can cause in one pass, and never throws', () => {
    // A certificate is the server's to write: 100 KB with no separator, or a quote never closed.
    const started = performance.now();
    expect(parseSubjectAltName('a'.repeat(100_000))).toEqual([]);
    expect(parseSubjectAltName('a '.repeat(50_000))).toEqual([]);
    expect(parseSubjectAltName(`DNS:"${'\\a'.repeat(50_000)}`)).toHaveLength(1);
    expect(parseSubjectAltName('DNS:"unterminated, DNS:b')).toEqual(['"unterminated, DNS:b']);
    expect(parseSubjectAltName('DNS:a, '.repeat(14_000))).toHaveLength(14_000);
    // The old scanning regex took 5.5 s on the first string alone.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('parses Node subjectAltName strings, quoted values included', () => {
    expect(parseSubjectAltName(undefined)).toEqual([]);
    expect(parseSubjectAltName('DNS:a.example, DNS:*.b.example, IP Address:192.0.2.1')).toEqual([
      'a.example',
      '*.b.example',
      '192.0.2.1',
    ]);
    expect(parseSubjectAltName('DNS:"x, y", URI:https://svc/, email:ops@example.com')).toEqual([
      'x, y',
      'URI:https://svc/',
      'email:ops@example.com',
    ]);
  });
});

/** A self-signed certificate with the given subject, for names the lab does not mint. */
async function certificateNamed(name: string | x509.JsonName): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name, keys, signingAlgorithm: alg });
  return cert.toString('pem');
}

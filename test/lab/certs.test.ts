import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Ca, createCa, daysFromNow, issueCert, selfSigned } from '../../shared/lab/certs.ts';

const servers: tls.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(keyPem: string, certPem: string): Promise<number> {
  const server = tls.createServer({ key: keyPem, cert: certPem }, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A strict node:tls client: resolves 'ok' when Node itself accepts the chain and the name, else the error code. */
function verify(port: number, opts: { ca?: string; servername?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: true, ...opts }, () => {
      socket.destroy();
      resolve('ok');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(err.code ?? err.message);
    });
  });
}

describe('lab certificates', () => {
  let ca: Ca;
  beforeAll(async () => {
    ca = await createCa({ commonName: 'certs test CA' });
  });

  it('issues a leaf that node:tls trusts through the CA, for an IP and a DNS name', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1', 'localhost'] });
    const port = await serve(leaf.keyPem, leaf.certPem);

    expect(await verify(port, { ca: leaf.caPem })).toBe('ok');
    expect(await verify(port, { ca: leaf.caPem, servername: 'localhost' })).toBe('ok');
    // Without the CA the same leaf is unknown: proves trust really comes from `ca`, not from the system store.
    expect(await verify(port, { servername: 'localhost' })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('writes PKCS#8 keys, typed SANs, the common name and the requested validity', async () => {
    const notBefore = daysFromNow(-2);
    const notAfter = daysFromNow(3);
    const leaf = await issueCert(ca, {
      hosts: ['localhost', '127.0.0.1', '::1'],
      commonName: 'svc',
      notBefore,
      notAfter,
    });
    const cert = new X509Certificate(leaf.certPem);

    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.subject).toBe('CN=svc');
    expect(cert.issuer).toBe('CN=certs test CA');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(Math.abs(new Date(cert.validTo).getTime() - notAfter.getTime())).toBeLessThan(1000);
    expect(Math.abs(new Date(cert.validFrom).getTime() - notBefore.getTime())).toBeLessThan(1000);
  });

  it('makes expired certificates that node:tls rejects as CERT_HAS_EXPIRED', async () => {
    const leaf = await issueCert(ca, {
      hosts: ['127.0.0.1'],
      notBefore: daysFromNow(-30),
      notAfter: daysFromNow(-1),
    });
    const port = await serve(leaf.keyPem, leaf.certPem);

    expect(await verify(port, { ca: leaf.caPem })).toBe('CERT_HAS_EXPIRED');
  });

  it('makes wrong-host certificates that node:tls rejects on the name', async () => {
    const leaf = await issueCert(ca, { hosts: ['other.example'] });
    const port = await serve(leaf.keyPem, leaf.certPem);

    expect(await verify(port, { ca: leaf.caPem, servername: 'localhost' })).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });

  it('makes self-signed certificates: rejected by default, trusted when pinned as ca', async () => {
    const self = await selfSigned({ hosts: ['127.0.0.1', 'localhost'] });
    const port = await serve(self.keyPem, self.certPem);

    expect(await verify(port, {})).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(await verify(port, { ca: self.certPem, servername: 'localhost' })).toBe('ok');
  });

  it('refuses an empty validity window and a certificate without any name', async () => {
    await expect(
      issueCert(ca, { hosts: ['localhost'], notBefore: daysFromNow(1), notAfter: daysFromNow(-1) }),
    ).rejects.toThrow(/validity is empty: notAfter .* is not after notBefore/);
    await expect(selfSigned({ hosts: [] })).rejects.toThrow(/at least one host/);
  });
});

describe('lab certificates outside vitest', () => {
  it('load and mint under plain node (the reflect-metadata import runs before @peculiar/x509)', async () => {
    // `npm start` and the bench load certs.ts with node itself, not through vitest's module loader.
    const certsUrl = new URL('../../shared/lab/certs.ts', import.meta.url).href;
    const script = `const m = await import(${JSON.stringify(certsUrl)});
const ca = await m.createCa();
const leaf = await m.issueCert(ca, { hosts: ['127.0.0.1'] });
console.log(ca.certPem.split('\\n')[0], leaf.certPem.length > 0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe('-----BEGIN CERTIFICATE----- true');
  });
});

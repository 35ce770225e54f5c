import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pemBundleError } from '../../shared/config/validate.ts';
import { type Ca, createCa, daysFromNow, issueCert, selfSigned } from '../../shared/lab/certs.ts';
import { inspectCertificate } from '../../shared/probes/certificate.ts';
import type { TlsOptions } from '../../shared/probes/spec.ts';
import { connectTcp } from '../../shared/probes/tcp.ts';
import { judgeCertificate, type TlsHandshakeResult, tlsHandshake } from '../../shared/probes/tls.ts';
import type { TlsInfo } from '../../shared/probes/types.ts';
import { deferred } from '../fixtures/deferred.ts';
import { trackServers } from '../fixtures/net-servers.ts';
import { slowSubject } from '../fixtures/slow-subject.ts';
import { tlsOptions } from '../fixtures/specs.ts';

const DEADLINE_MS = 3000;
const servers = trackServers();

afterEach(servers.closeAll);

function tlsServer(cert: { keyPem: string; certPem: string }, extra: tls.TlsOptions = {}): Promise<number> {
  return servers.listen(tls.createServer({ key: cert.keyPem, cert: cert.certPem, ...extra }, (s) => s.end()));
}

/** Connects with the TCP helper, then hands the socket to tlsHandshake, as the HTTP prober does. */
async function handshake(
  port: number,
  tlsOpts: TlsOptions,
  extra: { host?: string; alpn?: string[]; signal?: AbortSignal } = {},
): Promise<TlsHandshakeResult> {
  const signal = extra.signal ?? AbortSignal.timeout(DEADLINE_MS);
  const tcp = await connectTcp('127.0.0.1', port, signal);
  if (!tcp.ok) throw new Error(`test server not reachable: ${tcp.failure.message}`);
  const result = await tlsHandshake(tcp.socket, {
    tls: tlsOpts,
    host: extra.host ?? 'localhost',
    address: `127.0.0.1:${port}`,
    alpn: extra.alpn,
    signal,
  });
  if (result.ok) result.socket.destroy();
  return result;
}

/** A completed handshake, described (as its caller does once nothing is timed). */
function succeeded(result: TlsHandshakeResult) {
  if (!result.ok)
    throw new Error(`expected a completed handshake, got ${result.failure.code}: ${result.failure.message}`);
  return { ...result, ...result.describe() };
}

function failed(result: TlsHandshakeResult) {
  if (result.ok) throw new Error('expected the handshake to fail');
  expect(result.durationMs).toBeLessThan(DEADLINE_MS);
  return result;
}

describe('tlsHandshake over a caller-connected socket', () => {
  let ca: Ca;
  beforeAll(async () => {
    ca = await createCa();
  });

  it('trusts a certificate issued by the extra ca and reports the session', async () => {
    const leaf = await issueCert(ca, { hosts: ['localhost', '127.0.0.1'] });
    const port = await tlsServer(leaf, { ALPNProtocols: ['h2', 'http/1.1'] });

    const result = succeeded(await handshake(port, tlsOptions({ ca: leaf.caPem }), { alpn: ['http/1.1'] }));

    expect(result.verdict).toEqual({ status: 'up', error: null });
    expect(result.info).toMatchObject({ authorized: true, alpn: 'http/1.1', protocol: 'TLSv1.3' });
    expect(result.info.validationError).toBeUndefined();
    expect(result.info.cipher).toMatch(/^TLS_/);
    expect(result.info.certificate).toMatchObject({
      subject: 'CN=localhost',
      sans: ['localhost', '127.0.0.1'],
    });
    expect(result.info.certificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('never builds Node’s whole-chain certificate object, verified or not; the socket keeps Node’s method', async () => {
    const leaf = await issueCert(ca, { hosts: ['localhost'] });
    const untrusted = await selfSigned({ hosts: ['localhost'] });
    const verified = await tlsServer(leaf);
    const unverified = await tlsServer(untrusted);
    const reads = vi.spyOn(tls.TLSSocket.prototype, 'getPeerCertificate');
    try {
      // getPeerCertificate(true) decodes every field of every certificate, three fingerprints each:
      // Node calls it for checkServerIdentity when the chain verified, and the prober never needs it.
      const trusted = succeeded(await handshake(verified, tlsOptions({ ca: leaf.caPem })));
      const selfSignedResult = succeeded(await handshake(unverified, tlsOptions()));

      expect(reads).not.toHaveBeenCalled();
      expect(trusted.info.certificate).toEqual(inspectCertificate(leaf.certPem));
      expect(selfSignedResult.info.certificate).toEqual(inspectCertificate(untrusted.certPem));

      // The socket's owner gets Node's method (the stand-in answers only Node's call in the handshake).
      // Node's getPeerX509Certificate has taken the certificate out of the session (nodejs/node#65579),
      // so what reaches Node's method is checked by its argument.
      trusted.socket.getPeerCertificate(true);
      expect(reads.mock.calls).toEqual([[true]]);
    } finally {
      reads.mockRestore();
    }
  });

  it.each([
    { sans: [], commonName: 'localhost', host: 'localhost', matches: true },
    { sans: [], commonName: 'localhost', host: 'localhost.', matches: true },
    { sans: [], commonName: 'localhost', host: 'other.example', matches: false },
    { sans: ['*.a.example'], commonName: 'localhost', host: 'b.a.example', matches: true },
    { sans: ['*.a.example'], commonName: 'localhost', host: 'localhost', matches: false },
    { sans: ['*.a.example'], commonName: 'localhost', host: 'c.b.a.example', matches: false },
    { sans: ['*.example'], commonName: 'localhost', host: 'a.example', matches: false },
    { sans: ['127.0.0.1'], commonName: 'localhost', host: '127.0.0.1', matches: true },
    { sans: ['127.0.0.1'], commonName: 'localhost', host: 'localhost', matches: true },
    { sans: ['127.0.0.1'], commonName: 'localhost', host: '::1', matches: false },
  ])('checks $host against SANs $sans, CN $commonName as Node does: $matches', async (c) => {
    const leaf = await issueCert(ca, { hosts: c.sans, commonName: c.commonName });
    const port = await tlsServer(leaf);

    const result = succeeded(await handshake(port, tlsOptions({ ca: ca.certPem }), { host: c.host }));

    const node = tls.checkServerIdentity(c.host, new X509Certificate(leaf.certPem).toLegacyObject());
    expect(node === undefined).toBe(c.matches);
    expect(result.info.authorized).toBe(c.matches);
    expect(result.info.validationError).toBe(c.matches ? undefined : 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('marks completion once the chain and the name are checked, and describes the certificate only when asked', async () => {
    const leaf = await issueCert(ca, { hosts: ['localhost'] });
    const port = await tlsServer(leaf);
    const SLOW_MS = 200;
    const subject = slowSubject(SLOW_MS);
    try {
      const started = performance.now();
      const result = await handshake(port, tlsOptions({ ca: leaf.caPem }));
      const returned = performance.now();
      if (!result.ok) throw new Error(result.failure.message);

      expect(subject).not.toHaveBeenCalled();
      expect(result.refused).toBe(false);
      expect(result.completedAt).toBeGreaterThan(started);
      expect(returned - started).toBeLessThan(SLOW_MS);
      const described = result.describe();
      expect(subject).toHaveBeenCalled();
      expect(performance.now() - returned).toBeGreaterThanOrEqual(SLOW_MS);
      expect(described.info.certificate?.subject).toBe('CN=localhost');
      expect(result.describe()).toBe(described);
    } finally {
      subject.mockRestore();
    }
  });

  it('the name check is handshake time, as in curl (OpenSSL checks the name inside curl’s handshake)', async () => {
    const leaf = await issueCert(ca, { hosts: ['localhost'] });
    const port = await tlsServer(leaf);
    const SLOW_MS = 200;
    const original = tls.checkServerIdentity;
    const check = vi.spyOn(tls, 'checkServerIdentity').mockImplementation((host, cert) => {
      const until = performance.now() + SLOW_MS;
      while (performance.now() < until);
      return original(host, cert);
    });
    try {
      const result = succeeded(await handshake(port, tlsOptions({ ca: leaf.caPem })));

      expect(check).toHaveBeenCalledOnce();
      expect(result.durationMs).toBeGreaterThanOrEqual(SLOW_MS);
    } finally {
      check.mockRestore();
    }
  });

  it('verifies an IP target against IP SANs and sends no SNI for it', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    // TLS 1.2: the server completes its side before the client does, so its view is ready when we look.
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem, maxVersion: 'TLSv1.2' }, (s) =>
      s.end(),
    );
    const sni = new Promise<unknown>((resolve) =>
      server.on('secureConnection', (s: tls.TLSSocket) => resolve(s.servername)),
    );
    const port = await servers.listen(server);

    const result = succeeded(await handshake(port, tlsOptions({ ca: leaf.caPem }), { host: '127.0.0.1' }));

    expect(result.verdict.status).toBe('up');
    expect(result.info.protocol).toBe('TLSv1.2');
    expect(await sni).toBe(false);
  });

  it.each([
    {
      name: 'self-signed',
      make: () => selfSigned({ hosts: ['localhost'] }),
      code: 'TLS_CERT_UNTRUSTED',
      validationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    },
    {
      name: 'issued by an unknown CA',
      make: async () => issueCert(await createCa({ commonName: 'stranger CA' }), { hosts: ['localhost'] }),
      code: 'TLS_CERT_UNTRUSTED',
      validationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    },
    {
      name: 'expired',
      make: () =>
        issueCert(ca, { hosts: ['localhost'], notBefore: daysFromNow(-40), notAfter: daysFromNow(-2) }),
      code: 'TLS_CERT_EXPIRED',
      validationError: 'CERT_HAS_EXPIRED',
    },
    {
      name: 'for another host',
      make: () => issueCert(ca, { hosts: ['other.example'] }),
      code: 'TLS_HOSTNAME_MISMATCH',
      validationError: 'ERR_TLS_CERT_ALTNAME_INVALID',
    },
  ])('a certificate $name is down with $code and still reported', async ({ make, code, validationError }) => {
    const cert = await make();
    const port = await tlsServer(cert);

    const result = succeeded(await handshake(port, tlsOptions({ ca: ca.certPem })));

    expect(result.refused).toBe(true);
    expect(result.verdict.status).toBe('down');
    expect(result.verdict.error).toMatchObject({ code, layer: 'tls' });
    expect(result.verdict.error?.message).toContain(`127.0.0.1:${port}`);
    expect(result.info).toMatchObject({ authorized: false, validationError });
    expect(result.info.certificate?.subject).toBeTruthy();
    expect(result.durationMs).toBeLessThan(DEADLINE_MS);
  });

  it('insecure mode completes and reports what was wrong without failing', async () => {
    const self = await selfSigned({ hosts: ['other.example'] });
    const port = await tlsServer(self);

    const result = succeeded(await handshake(port, tlsOptions({ insecure: true })));

    expect(result.refused).toBe(false);
    expect(result.verdict).toEqual({ status: 'up', error: null });
    expect(result.info).toMatchObject({ authorized: false, validationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(result.info.certificate?.sans).toEqual(['other.example']);
  });

  it('a certificate expiring in 5 days is degraded and flagged critical', async () => {
    const leaf = await issueCert(ca, { hosts: ['localhost'], notAfter: daysFromNow(5.5) });
    const port = await tlsServer(leaf);

    const result = succeeded(await handshake(port, tlsOptions({ ca: leaf.caPem })));

    expect(result.verdict.status).toBe('degraded');
    expect(result.verdict.error).toMatchObject({ code: 'TLS_CERT_EXPIRING', layer: 'tls' });
    expect(result.verdict.error?.message).toMatch(/\(5 days left\), critical: under 7 days/);
    expect(result.info.authorized).toBe(true);
    expect(result.info.certificate?.daysLeft).toBe(5);
  });

  describe('the whole chain the server sends', () => {
    /** A server sending leaf + intermediate (+ the root when asked), the client trusting the root only. */
    async function chainServer(intermediateNotAfter: Date, opts: { sendRoot?: boolean } = {}) {
      const intermediate = await createCa({
        commonName: 'Lab Intermediate',
        issuer: ca,
        notAfter: intermediateNotAfter,
      });
      const leaf = await issueCert(intermediate, { hosts: ['localhost'] });
      const chain = [leaf.certPem, intermediate.certPem, ...(opts.sendRoot ? [ca.certPem] : [])].join('\n');
      return tlsServer({ keyPem: leaf.keyPem, certPem: chain });
    }

    it('reports every intermediate, not the root, and the first to expire decides the verdict', async () => {
      const port = await chainServer(daysFromNow(4.5), { sendRoot: true });

      const result = succeeded(await handshake(port, tlsOptions({ ca: ca.certPem })));

      expect(result.info.authorized).toBe(true);
      expect(result.info.certificate?.daysLeft).toBe(29);
      expect(result.info.intermediates?.map((c) => [c.subject, c.issuer, c.daysLeft])).toEqual([
        ['CN=Lab Intermediate', `CN=${ca.commonName}`, 4],
      ]);
      expect(result.verdict.status).toBe('degraded');
      expect(result.verdict.error).toMatchObject({ code: 'TLS_CERT_EXPIRING', layer: 'tls' });
      expect(result.verdict.error?.message).toMatch(
        /^intermediate certificate CN=Lab Intermediate of 127\.0\.0\.1:\d+ expires on .* \(4 days left\), critical: under 7 days$/,
      );
    });

    it('an expired intermediate is TLS_CERT_EXPIRED naming the intermediate', async () => {
      const port = await chainServer(daysFromNow(-2.5));

      const result = succeeded(await handshake(port, tlsOptions({ ca: ca.certPem })));

      expect(result.info.validationError).toBe('CERT_HAS_EXPIRED');
      expect(result.info.intermediates?.[0]?.daysLeft).toBe(-3);
      expect(result.verdict.status).toBe('down');
      expect(result.verdict.error?.code).toBe('TLS_CERT_EXPIRED');
      expect(result.verdict.error?.message).toMatch(
        /^intermediate certificate CN=Lab Intermediate of 127\.0\.0\.1:\d+ expired on /,
      );
    });

    it('an untrusted chain still lists what the server sent', async () => {
      const port = await chainServer(daysFromNow(100));

      const result = succeeded(await handshake(port, tlsOptions()));

      expect(result.info.authorized).toBe(false);
      expect(result.info.intermediates?.map((c) => c.subject)).toEqual(['CN=Lab Intermediate']);
    });

    it('an intermediate the server leaves out but the configured ca holds is listed, as OpenSSL links it', async () => {
      const intermediate = await createCa({
        commonName: 'Lab Intermediate',
        issuer: ca,
        notAfter: daysFromNow(3.5),
      });
      const leaf = await issueCert(intermediate, { hosts: ['localhost'] });
      const port = await tlsServer(leaf);

      const result = succeeded(
        await handshake(port, tlsOptions({ ca: `${intermediate.certPem}\n${ca.certPem}` })),
      );

      expect(result.info.authorized).toBe(true);
      expect(result.info.intermediates?.map((c) => [c.subject, c.daysLeft])).toEqual([
        ['CN=Lab Intermediate', 3],
      ]);
      expect(result.verdict.error?.code).toBe('TLS_CERT_EXPIRING');
    });

    it('a leaf-only server has no intermediates', async () => {
      const port = await tlsServer(await issueCert(ca, { hosts: ['localhost'] }));

      const result = succeeded(await handshake(port, tlsOptions({ ca: ca.certPem })));

      expect(result.info.intermediates).toBeUndefined();
      expect(result.verdict.status).toBe('up');
    });
  });

  it('fails a handshake with a server that does not speak TLS', async () => {
    const port = await servers.listen(net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));

    const result = failed(await handshake(port, tlsOptions()));

    expect(result.failure.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(result.failure.layer).toBe('tls');
    expect(result.failure.message).toContain(`127.0.0.1:${port}`);
  });

  it('fails a handshake the server closes without answering', async () => {
    const port = await servers.listen(net.createServer((s) => s.once('data', () => s.end())));

    const result = failed(await handshake(port, tlsOptions()));

    expect(result.failure).toMatchObject({ code: 'TLS_HANDSHAKE_FAILED', layer: 'tls' });
    expect(result.failure.message).toContain('closed the connection before the handshake completed');
  });

  it('reports a reset during the handshake as a transport reset', async () => {
    const port = await servers.listen(net.createServer((s) => s.once('data', () => s.resetAndDestroy())));

    const result = failed(await handshake(port, tlsOptions()));

    expect(result.failure).toMatchObject({ code: 'TCP_RESET', layer: 'transport' });
    expect(result.failure.message).toContain('during the TLS handshake');
  });

  it('gives up on a silent server when the signal aborts and destroys the socket', async () => {
    const { promise: serverSideClosed, resolve } = deferred<void>();
    // resume(): read (and ignore) the ClientHello so the client's close is noticed.
    const port = await servers.listen(net.createServer((s) => s.resume().once('close', () => resolve())));
    const controller = new AbortController();
    const abortAfterMs = 300;
    setTimeout(() => controller.abort(), abortAfterMs);
    const started = performance.now();

    const result = failed(await handshake(port, tlsOptions(), { signal: controller.signal }));
    const returnedAfterAbortMs = performance.now() - started - abortAfterMs;

    expect(result.failure).toMatchObject({ code: 'TLS_HANDSHAKE_FAILED', layer: 'tls' });
    expect(result.failure.message).toMatch(/did not complete within \d+ ms/);
    // Promptly: the contract asks ~50 ms; the bound is generous for a loaded 2-core CI machine.
    expect(returnedAfterAbortMs).toBeLessThan(250);
    await serverSideClosed; // the server sees the client go away: the socket was destroyed, not leaked
  });

  it('reports an unusable ca bundle instead of throwing', async () => {
    const port = await servers.listen(net.createServer((s) => s.end()));

    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';

    const result = failed(await handshake(port, tlsOptions({ ca: broken })));

    expect(result.failure.code).toBe('TLS_HANDSHAKE_FAILED');
    // The config check's words (pem.ts reads the bundle for both).
    expect(result.failure.message).toMatch(/ca bundle is not usable PEM \(certificate does not parse/);
    expect(result.failure.message).toContain(pemBundleError(broken));
    const none = failed(await handshake(port, tlsOptions({ ca: 'just text' })));
    expect(none.failure.message).toContain(
      'expected PEM text (-----BEGIN CERTIFICATE----- …), not a file name',
    );
  });
});

describe('judgeCertificate', () => {
  const NOW = Date.parse('2026-06-01T00:00:00Z');
  const info = (notAfter: string, extra: Partial<TlsInfo> = {}): TlsInfo => ({
    authorized: true,
    certificate: {
      subject: 'CN=svc',
      issuer: 'CN=ca',
      sans: ['svc'],
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter,
      daysLeft: Math.floor((Date.parse(notAfter) - NOW) / 86_400_000),
    },
    ...extra,
  });

  it.each([
    { notAfter: '2026-07-01T00:00:00.000Z', status: 'up', code: undefined, critical: false },
    { notAfter: '2026-06-15T00:00:00.000Z', status: 'degraded', code: 'TLS_CERT_EXPIRING', critical: false },
    { notAfter: '2026-06-03T00:00:00.000Z', status: 'degraded', code: 'TLS_CERT_EXPIRING', critical: true },
  ])('$notAfter → $status', ({ notAfter, status, code, critical }) => {
    const verdict = judgeCertificate(info(notAfter), tlsOptions(), 'svc:443', NOW);

    expect(verdict.status).toBe(status);
    expect(verdict.error?.code).toBe(code);
    if (verdict.error) expect(verdict.error.message.includes('critical')).toBe(critical);
  });

  it('keeps an expired certificate degraded, not down, in insecure mode', () => {
    const expired = info('2026-05-20T00:00:00.000Z', {
      authorized: false,
      validationError: 'CERT_HAS_EXPIRED',
    });

    expect(judgeCertificate(expired, tlsOptions(), 'svc:443', NOW).error?.code).toBe('TLS_CERT_EXPIRED');
    const insecure = judgeCertificate(expired, tlsOptions({ insecure: true }), 'svc:443', NOW);
    expect(insecure.status).toBe('degraded');
    expect(insecure.error?.message).toContain('expired on 2026-05-20T00:00:00.000Z, critical');
  });
});

import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Ca, createCa, daysFromNow, issueCert, selfSigned } from '../../shared/lab/certs.ts';
import { targetOf } from '../../shared/probes/index.ts';
import type { TcpSpec } from '../../shared/probes/spec.ts';
import { createTcpProbe, type LookupAll, tcpProbe, tcpTarget } from '../../shared/probes/tcp.ts';
import type { ErrorCode, Layer, Probe, ProbeResult, TcpDetails } from '../../shared/probes/types.ts';
import { deferred } from '../fixtures/deferred.ts';
import { closedPort, filteredPort, trackServers } from '../fixtures/net-servers.ts';
import { ipv6Loopback, skipUnless } from '../fixtures/requirements.ts';
import { slowSubject } from '../fixtures/slow-subject.ts';
import { tcpSpec, tlsOptions } from '../fixtures/specs.ts';

/** The contract asks for ~50 ms after the deadline; CI machines are slow and shared, so allow more. */
const LATE_MS = 250;
const servers = trackServers();
const { listen } = servers;
const ipv6 = await ipv6Loopback();

afterEach(servers.closeAll);

async function run(
  s: TcpSpec,
  opts: { signal?: AbortSignal; deadlineMs?: number; probe?: Probe<TcpSpec> } = {},
): Promise<ProbeResult & { details: TcpDetails }> {
  const started = performance.now();
  const ctx = {
    signal: opts.signal ?? new AbortController().signal,
    deadline: started + (opts.deadlineMs ?? s.timeoutMs),
  };
  const result = await (opts.probe ?? tcpProbe)(s, ctx);
  if (result.details.kind !== 'tcp') throw new Error('expected tcp details');
  return result as ProbeResult & { details: TcpDetails };
}

/** Down with `code` at `layer`, measured to have returned by its deadline (plus scheduling slack). */
function expectDown(result: ProbeResult, code: ErrorCode, layer: Layer, deadlineMs: number): void {
  expect(result.status).toBe('down');
  expect(result.error?.code).toBe(code);
  expect(result.layer).toBe(layer);
  expect(result.error?.message).toBeTruthy();
  expect(result.timings.total).toBeLessThan(deadlineMs + LATE_MS);
}

function activeTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWrap').length;
}

describe('tcpTarget', () => {
  it.each([
    [{ host: '127.0.0.1', port: 22 }, 'tcp://127.0.0.1:22'],
    [{ host: '::1', port: 5432 }, 'tcp://[::1]:5432'],
    [{ host: 'db.internal', port: 6379 }, 'tcp://db.internal:6379'],
    [{ host: 'mail.example.com', port: 465, tls: tlsOptions() }, 'tls://mail.example.com:465'],
    [{ host: '::1', port: 443, tls: tlsOptions() }, 'tls://[::1]:443'],
  ] as [Pick<TcpSpec, 'host' | 'port' | 'tls'>, string][])(
    '%j → %s, as the runner writes it too',
    (fields, target) => {
      expect(tcpTarget(fields)).toBe(target);
      expect(targetOf(tcpSpec(fields.port, fields))).toBe(target);
    },
  );
});

describe('tcpProbe: connect', () => {
  it('reports an open port as up, with the attempt timed', async () => {
    const port = await listen(net.createServer());

    const result = await run(tcpSpec(port));

    expect(result).toMatchObject({
      probe: 'tcp',
      target: `tcp://127.0.0.1:${port}`,
      status: 'up',
      error: null,
    });
    expect(result.layer).toBeNull();
    expect(result.timings.dns).toBe(0);
    expect(result.timings.connect).toBeGreaterThan(0);
    expect(result.timings.total).toBeGreaterThanOrEqual(result.timings.connect ?? 0);
    expect(result.details.addresses).toEqual(['127.0.0.1']);
    expect(result.details.attempts).toEqual([
      { address: '127.0.0.1', family: 4, port, connectMs: expect.any(Number) },
    ]);
  });

  it('connects over IPv6 to ::1', async (ctx) => {
    skipUnless(ctx, ipv6);
    const port = await listen(net.createServer(), '::1');

    const result = await run(tcpSpec(port, { host: '::1' }));

    expect(result.status).toBe('up');
    expect(result.target).toBe(`tcp://[::1]:${port}`);
    expect(result.details.attempts[0]).toMatchObject({ address: '::1', family: 6 });
  });

  it('tells a closed port apart: TCP_REFUSED, fast', async () => {
    const port = await closedPort();

    const result = await run(tcpSpec(port));

    expectDown(result, 'TCP_REFUSED', 'transport', 3000);
    expect(result.error?.message).toContain(`127.0.0.1:${port} refused the connection`);
    expect(result.timings.connect).toBeDefined();
    expect(result.details.attempts[0]?.error?.code).toBe('TCP_REFUSED');
  });

  it('tells a filtered port apart: TCP_TIMEOUT at the deadline, not before', async () => {
    const filtered = await filteredPort();
    try {
      const result = await run(tcpSpec(filtered.port, { timeoutMs: 1000 }));

      expectDown(result, 'TCP_TIMEOUT', 'transport', 1000);
      expect(result.timings.total).toBeGreaterThanOrEqual(990);
      expect(result.error?.message).toMatch(/got no answer within \d+ ms \(filtered port/);
    } finally {
      await filtered.close();
    }
  });

  it('honours ctx.deadline when it comes before spec.timeoutMs', async () => {
    const filtered = await filteredPort();
    try {
      const result = await run(tcpSpec(filtered.port, { timeoutMs: 10_000 }), { deadlineMs: 500 });

      expectDown(result, 'TCP_TIMEOUT', 'transport', 500);
    } finally {
      await filtered.close();
    }
  });

  it('returns promptly when ctx.signal aborts, with every socket destroyed', async () => {
    const filtered = await filteredPort();
    try {
      const before = activeTcpHandles();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);

      const result = await run(tcpSpec(filtered.port, { timeoutMs: 10_000 }), { signal: controller.signal });

      expectDown(result, 'TCP_TIMEOUT', 'transport', 200);
      // A destroyed handle leaves the active list once libuv has closed it, a loop turn or two later.
      for (let i = 0; i < 20 && activeTcpHandles() > before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(activeTcpHandles()).toBe(before);
    } finally {
      await filtered.close();
    }
  });

  it('with allAddresses, connects to every address and fails on the one that refuses', async (ctx) => {
    skipUnless(ctx, ipv6);
    const port = await listen(net.createServer());
    const lookup: LookupAll = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    const probe = createTcpProbe({ lookup });

    const one = await run(tcpSpec(port, { host: 'svc.test' }), { probe });
    const all = await run(tcpSpec(port, { host: 'svc.test', allAddresses: true }), { probe });

    expect(one.status).toBe('up');
    expect(one.details.attempts).toHaveLength(1);
    expectDown(all, 'TCP_REFUSED', 'transport', 3000);
    expect(all.error?.message).toContain(`svc.test ([::1]:${port})`);
    expect(all.details.addresses).toEqual(['127.0.0.1', '::1']);
    expect(all.details.attempts.map((a) => [a.address, a.connectMs !== undefined, a.error?.code])).toEqual([
      ['127.0.0.1', true, undefined],
      ['::1', false, 'TCP_REFUSED'],
    ]);
  });

  it('resolves names with the system resolver and times the lookup', async () => {
    const port = await listen(net.createServer());
    if (ipv6.met) await listen(net.createServer(), '::1', port).catch(() => undefined);

    const result = await run(tcpSpec(port, { host: 'localhost' }));

    expect(result.details.addresses.length).toBeGreaterThan(0);
    for (const address of result.details.addresses) expect(['127.0.0.1', '::1']).toContain(address);
    expect(result.timings.dns).toBeGreaterThan(0);
    expect(result.target).toBe(`tcp://localhost:${port}`);
  });

  it('rejects a port outside 1-65535 as data, not a throw', async () => {
    const result = await run(tcpSpec(70_000));

    expectDown(result, 'TCP_UNREACHABLE', 'transport', 3000);
    expect(result.error?.message).toBe('port 70000 is not a TCP port (1-65535)');
  });
});

describe('tcpProbe: name resolution failures', () => {
  const failingLookup =
    (code: string): LookupAll =>
    () =>
      Promise.reject(Object.assign(new Error(`getaddrinfo ${code} nowhere.test`), { code }));

  it.each([
    { code: 'ENOTFOUND', expected: 'DNS_NXDOMAIN', says: 'nowhere.test does not resolve' },
    { code: 'EAI_AGAIN', expected: 'DNS_TIMEOUT', says: 'resolving nowhere.test failed temporarily' },
    { code: 'ENODATA', expected: 'DNS_NO_ANSWER', says: 'nowhere.test exists but has no address records' },
  ] as const)('$code → $expected at the dns layer', async ({ code, expected, says }) => {
    const probe = createTcpProbe({ lookup: failingLookup(code) });

    const result = await run(tcpSpec(80, { host: 'nowhere.test' }), { probe });

    expectDown(result, expected, 'dns', 3000);
    expect(result.error?.message).toContain(says);
    expect(result.timings.dns).toBeDefined();
    expect(result.timings.connect).toBeUndefined();
    expect(result.details.attempts).toEqual([]);
  });

  it('gives up on a resolver that never answers at the deadline: DNS_TIMEOUT', async () => {
    const probe = createTcpProbe({ lookup: () => new Promise(() => {}) });

    const result = await run(tcpSpec(80, { host: 'slow.test', timeoutMs: 300 }), { probe });

    expectDown(result, 'DNS_TIMEOUT', 'dns', 300);
    expect(result.timings.total).toBeGreaterThanOrEqual(290);
  });

  it('treats an empty address list as no answer', async () => {
    const probe = createTcpProbe({ lookup: async () => [] });

    const result = await run(tcpSpec(80, { host: 'empty.test' }), { probe });

    expectDown(result, 'DNS_NO_ANSWER', 'dns', 3000);
  });
});

describe('tcpProbe: send and expect', () => {
  it('matches a banner the server sends first', async () => {
    const port = await listen(net.createServer((s) => s.write('SSH-2.0-netprobe_test\r\n')));

    const result = await run(tcpSpec(port, { expect: { regex: '^SSH-2\\.0-' } }));

    expect(result.status).toBe('up');
    expect(result.details.banner).toBe('SSH-2.0-netprobe_test\r\n');
    expect(result.timings.ttfb).toBeGreaterThan(0);
    expect(result.timings.transfer).toBeGreaterThanOrEqual(0);
  });

  it('sends a request and matches the reply exactly (line ending ignored)', async () => {
    const port = await listen(
      net.createServer((s) => s.on('data', (d) => s.write(`${d.toString().trim().toUpperCase()}\r\n`))),
    );

    const result = await run(tcpSpec(port, { send: 'ping\n', expect: { equals: 'PING' } }));

    expect(result.status).toBe('up');
    expect(result.details.banner).toBe('PING\r\n');
  });

  it('delivers `send` without an expectation', async () => {
    const { promise: delivered, resolve } = deferred<string>();
    const port = await listen(net.createServer((s) => s.setEncoding('utf8').once('data', resolve)));

    const result = await run(tcpSpec(port, { send: 'hello\n' }));

    expect(result.status).toBe('up');
    expect(await delivered).toBe('hello\n');
  });

  it('fails as soon as the server closes without the expected reply', async () => {
    const port = await listen(net.createServer((s) => s.end('220 smtp.example ESMTP\r\n')));

    const result = await run(tcpSpec(port, { expect: { contains: 'SSH' } }));

    expectDown(result, 'ASSERTION_FAILED', 'application', 3000);
    expect(result.timings.total).toBeLessThan(1500); // did not wait for the deadline
    expect(result.error?.message).toBe(
      `127.0.0.1:${port} closed the connection; expected the reply to contain "SSH", received "220 smtp.example ESMTP\\r\\n"`,
    );
    expect(result.details.banner).toBe('220 smtp.example ESMTP\r\n');
  });

  it('fails at the deadline when the reply never matches', async () => {
    const port = await listen(net.createServer((s) => s.write('hello\r\n')));

    const result = await run(tcpSpec(port, { timeoutMs: 600, expect: { equals: 'bye' } }));

    expectDown(result, 'ASSERTION_FAILED', 'application', 600);
    expect(result.timings.total).toBeGreaterThanOrEqual(590);
    expect(result.error?.message).toMatch(
      /sent nothing matching within \d+ ms; expected the reply to equal "bye", received "hello\\r\\n"/,
    );
  });

  it('reports a server that accepts then resets as TCP_RESET', async () => {
    const port = await listen(net.createServer((s) => s.resetAndDestroy()));

    const result = await run(tcpSpec(port, { expect: { contains: 'x' } }));

    expectDown(result, 'TCP_RESET', 'transport', 3000);
    expect(result.error?.message).toContain(`127.0.0.1:${port} reset the connection`);
  });

  it('returns promptly on abort while waiting for a banner, and closes the connection', async () => {
    const { promise: serverSideClosed, resolve } = deferred<void>();
    const port = await listen(net.createServer((s) => s.resume().once('close', () => resolve())));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);

    const result = await run(tcpSpec(port, { timeoutMs: 10_000, expect: { contains: 'x' } }), {
      signal: controller.signal,
    });

    expectDown(result, 'ASSERTION_FAILED', 'application', 200);
    await serverSideClosed;
  });

  it('fails an invalid expect.regex (config validation rejects it first) as data, naming it', async () => {
    const port = await listen(net.createServer((s) => s.write('anything\n')));

    const result = await run(tcpSpec(port, { timeoutMs: 300, expect: { regex: '([' } }));

    expectDown(result, 'ASSERTION_FAILED', 'application', 300);
    expect(result.error?.message).toContain('match /([/ (invalid regular expression)');
  });
});

describe('tcpProbe: thresholds', () => {
  it('is degraded with LATENCY_HIGH when a phase crosses its threshold', async () => {
    const port = await listen(net.createServer((s) => setTimeout(() => s.write('ready\n'), 150)));

    const slow = await run(tcpSpec(port, { expect: { contains: 'ready' }, thresholds: { ttfb: 50 } }));
    const fine = await run(tcpSpec(port, { expect: { contains: 'ready' }, thresholds: { ttfb: 5000 } }));

    expect(slow.status).toBe('degraded');
    expect(slow.error?.code).toBe('LATENCY_HIGH');
    expect(slow.layer).toBe('application');
    expect(slow.error?.message).toMatch(/^ttfb took \d+(\.\d)? ms, over the 50 ms threshold$/);
    expect(fine.status).toBe('up');
  });
});

describe('tcpProbe: TLS', () => {
  let ca: Ca;
  beforeAll(async () => {
    ca = await createCa({ commonName: 'tcp probe test CA' });
  });

  async function tlsServer(cert: { keyPem: string; certPem: string }, onSecure?: (s: tls.TLSSocket) => void) {
    return listen(tls.createServer({ key: cert.keyPem, cert: cert.certPem }, onSecure ?? (() => {})));
  }

  it('handshakes with a certificate trusted through tls.ca and reports it', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const port = await tlsServer(leaf, (s) => s.write('* OK imap ready\r\n'));

    const result = await run(
      tcpSpec(port, { tls: tlsOptions({ ca: leaf.caPem }), expect: { contains: 'OK' } }),
    );

    expect(result.status).toBe('up');
    expect(result.target).toBe(`tls://127.0.0.1:${port}`);
    expect(result.timings.tls).toBeGreaterThan(0);
    expect(result.details.banner).toBe('* OK imap ready\r\n');
    expect(result.details.tls).toMatchObject({ authorized: true, protocol: 'TLSv1.3' });
    expect(result.details.tls?.certificate).toMatchObject({
      subject: 'CN=127.0.0.1',
      issuer: 'CN=tcp probe test CA',
    });
  });

  it('describes the certificate after the clock stops: it is in no phase and not in total', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const port = await tlsServer(leaf, (s) => s.write('* OK imap ready\r\n'));
    const SLOW_MS = 300;
    const subject = slowSubject(SLOW_MS);
    try {
      const started = performance.now();
      const result = await run(
        tcpSpec(port, { tls: tlsOptions({ ca: leaf.caPem }), expect: { contains: 'OK' } }),
      );
      expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_MS);
      expect(result.status).toBe('up');
      expect(result.details.tls?.certificate?.subject).toBe('CN=127.0.0.1');
      expect(result.timings.tls).toBeLessThan(SLOW_MS);
      expect(result.timings.total).toBeLessThan(SLOW_MS);
    } finally {
      subject.mockRestore();
    }
  });

  it('verifies tls.serverName instead of the host when given', async () => {
    const leaf = await issueCert(ca, { hosts: ['svc.internal'] });
    const port = await tlsServer(leaf);

    const result = await run(
      tcpSpec(port, { tls: tlsOptions({ ca: leaf.caPem, serverName: 'svc.internal' }) }),
    );

    expect(result.status).toBe('up');
  });

  it.each([
    {
      name: 'self-signed',
      make: () => selfSigned({ hosts: ['127.0.0.1'] }),
      code: 'TLS_CERT_UNTRUSTED',
    },
    {
      name: 'expired',
      make: () =>
        issueCert(ca, { hosts: ['127.0.0.1'], notBefore: daysFromNow(-30), notAfter: daysFromNow(-3) }),
      code: 'TLS_CERT_EXPIRED',
    },
    {
      name: 'for another host',
      make: () => issueCert(ca, { hosts: ['other.example'] }),
      code: 'TLS_HOSTNAME_MISMATCH',
    },
  ] as const)(
    'a $name certificate is down with $code, certificate still reported',
    async ({ make, code }) => {
      const port = await tlsServer(await make());

      const result = await run(
        tcpSpec(port, { tls: tlsOptions({ ca: ca.certPem }), expect: { contains: 'never read' } }),
      );

      expectDown(result, code, 'tls', 3000);
      expect(result.error?.message).toContain(`certificate of 127.0.0.1:${port}`);
      expect(result.details.tls?.authorized).toBe(false);
      expect(result.details.tls?.certificate?.fingerprint256).toBeTruthy();
      expect(result.timings.tls).toBeDefined();
      expect(result.timings.ttfb).toBeUndefined(); // the banner phase never ran
    },
  );

  it('fails the handshake against a server that does not speak TLS', async () => {
    const port = await listen(net.createServer((s) => s.end('SSH-2.0-not_tls\r\n')));

    const result = await run(tcpSpec(port, { tls: tlsOptions() }));

    expectDown(result, 'TLS_HANDSHAKE_FAILED', 'tls', 3000);
    expect(result.details.tls).toBeUndefined();
  });

  it('fails the handshake at the deadline when the server never answers the ClientHello', async () => {
    const port = await listen(net.createServer((s) => s.resume()));

    const result = await run(tcpSpec(port, { timeoutMs: 500, tls: tlsOptions() }));

    expectDown(result, 'TLS_HANDSHAKE_FAILED', 'tls', 500);
    expect(result.error?.message).toMatch(/did not complete within \d+ ms/);
  });

  it('is degraded when the certificate expires in 5 days, flagged critical', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'], notAfter: daysFromNow(5.5) });
    const port = await tlsServer(leaf, (s) => setTimeout(() => s.write('hi\n'), 100));

    // A latency threshold is crossed too: the certificate warning is the one reported.
    const result = await run(
      tcpSpec(port, {
        tls: tlsOptions({ ca: leaf.caPem }),
        expect: { contains: 'hi' },
        thresholds: { ttfb: 10 },
      }),
    );

    expect(result.status).toBe('degraded');
    expect(result.error?.code).toBe('TLS_CERT_EXPIRING');
    expect(result.layer).toBe('tls');
    expect(result.error?.message).toContain('(5 days left), critical: under 7 days');
    expect(result.details.tls?.certificate?.daysLeft).toBe(5);
  });

  it('in insecure mode passes an untrusted certificate and still returns it', async () => {
    const port = await tlsServer(await selfSigned({ hosts: ['other.example'] }));

    const result = await run(tcpSpec(port, { tls: tlsOptions({ insecure: true }) }));

    expect(result.status).toBe('up');
    expect(result.details.tls).toMatchObject({
      authorized: false,
      validationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(result.details.tls?.certificate?.sans).toEqual(['other.example']);
  });
});

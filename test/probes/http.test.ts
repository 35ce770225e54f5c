import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Ca, createCa, daysFromNow, issueCert, selfSigned } from '../../shared/lab/certs.ts';
import { httpProbe } from '../../shared/probes/http.ts';
import { redactHeaders, redactUrl } from '../../shared/probes/http-redact.ts';
import type { HttpSpec } from '../../shared/probes/spec.ts';
import type { HttpDetails, ProbeResult } from '../../shared/probes/types.ts';
import {
  type Handler,
  sleep,
  startHttpServer,
  startRawServer,
  streamBody,
  type TestServer,
  type TlsFixture,
} from '../fixtures/http-servers.ts';
import { command, skipUnless } from '../fixtures/requirements.ts';
import { slowSubject } from '../fixtures/slow-subject.ts';
import { httpSpec, TEST_TIMEOUT_MS, tlsOptions } from '../fixtures/specs.ts';

/** The timeoutMs of every spec httpSpec() builds: what "within its deadline" is measured against. */
const DEADLINE_MS = TEST_TIMEOUT_MS;
/** Slack for "returned within its deadline" on a 2-core machine shared by several test runs. */
const LATE_MS = 400;

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler, tls?: TlsFixture): Promise<TestServer> {
  const server = await startHttpServer(handler, { tls });
  servers.push(server);
  return server;
}

async function serveRaw(onSocket: (socket: net.Socket) => void, tls?: TlsFixture): Promise<TestServer> {
  const server = await startRawServer(onSocket, { tls });
  servers.push(server);
  return server;
}

/** Runs the probe with a caller deadline of `deadlineMs`; returns the result and how long it took. */
async function probe(
  s: HttpSpec,
  deadlineMs = s.timeoutMs,
): Promise<{ r: ProbeResult; d: HttpDetails; ms: number }> {
  const started = performance.now();
  const r = await httpProbe(s, { signal: AbortSignal.timeout(deadlineMs), deadline: started + deadlineMs });
  const ms = performance.now() - started;
  // Every probe, passing or failing, returns within its deadline (plus scheduling slack).
  expect(ms).toBeLessThan(deadlineMs + LATE_MS);
  expect(r.details.kind).toBe('http');
  return { r, d: r.details as HttpDetails, ms };
}

const ok: Handler = (_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello');
};

function phaseSum(r: ProbeResult): number {
  const t = r.timings;
  return (t.dns ?? 0) + (t.connect ?? 0) + (t.tls ?? 0) + (t.ttfb ?? 0) + (t.transfer ?? 0);
}

describe('httpProbe over plain HTTP', () => {
  it('times every phase of a 200 and reports what was exchanged', async () => {
    const server = await serve(ok);
    const { r, d } = await probe(httpSpec(`${server.origin}/health?x=1`));

    expect(r).toMatchObject({
      probe: 'http',
      target: `${server.origin}/health?x=1`,
      status: 'up',
      error: null,
    });
    expect(r.layer).toBeNull();
    expect(r.timings.dns).toBe(0); // IP literal: no lookup, as curl's time_namelookup
    expect(r.timings.tls).toBeUndefined();
    for (const phase of ['connect', 'ttfb', 'transfer'] as const)
      expect(r.timings[phase]).toBeGreaterThanOrEqual(0);
    // Cumulative marks: the phases add up to the hop, and total is the hop (curl's time_total), so URL
    // parsing, header building and the checks on the result are outside it.
    expect(phaseSum(r)).toBeLessThanOrEqual(r.timings.total);
    expect(r.timings.total - phaseSum(r)).toBeLessThan(1e-6);
    expect(d).toMatchObject({
      url: `${server.origin}/health?x=1`,
      method: 'GET',
      remoteAddress: `127.0.0.1:${server.port}`,
      httpVersion: '1.1',
      statusCode: 200,
      bodyBytes: 5,
      redirects: [],
    });
    expect(d.headers?.['content-type']).toBe('text/plain');
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/health?x=1' });
    expect(server.requests[0]?.headers).toMatchObject({
      host: `127.0.0.1:${server.port}`,
      connection: 'close',
      'user-agent': 'netprobe',
    });
  });

  it('opens a fresh connection for every probe', async () => {
    let connections = 0;
    const server = await serve(ok);
    const raw = await serveRaw((socket) => {
      connections++;
      const upstream = net.connect(server.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('close', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    for (let i = 0; i < 3; i++) expect((await probe(httpSpec(`${raw.origin}/`))).r.status).toBe('up');
    expect(connections).toBe(3);
  });

  it('sends method, headers and body as configured', async () => {
    const server = await serve(ok);
    const body = JSON.stringify({ ping: 'pong', n: 1 });
    const { r } = await probe(
      httpSpec(`${server.origin}/api`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Probe': 'netprobe-test', 'User-Agent': 'custom/1' },
        body,
      }),
    );
    expect(r.status).toBe('up');
    expect(server.requests).toHaveLength(1);
    const got = server.requests[0];
    expect(got?.method).toBe('POST');
    expect(got?.body).toBe(body);
    expect(got?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-probe': 'netprobe-test',
      'user-agent': 'custom/1',
      'content-length': String(Buffer.byteLength(body)),
    });
    expect((r.details as HttpDetails).requestHeaders).toMatchObject({ 'x-probe': 'netprobe-test' });
  });

  it('honours a Host header override (virtual host on an IP)', async () => {
    const server = await serve(ok);
    await probe(httpSpec(`${server.origin}/`, { headers: { Host: 'vhost.example.test' } }));
    expect(server.requests[0]?.headers.host).toBe('vhost.example.test');
  });

  it('measures a slow TTFB: server waits 200 ms before its headers', async () => {
    const server = await serve(async (_req, res) => {
      await sleep(200);
      res.end('late');
    });
    const { r } = await probe(httpSpec(`${server.origin}/slow`));
    expect(r.status).toBe('up');
    expect(r.timings.ttfb).toBeGreaterThanOrEqual(199); // timers may fire up to 1 ms early
    expect(r.timings.ttfb).toBeLessThanOrEqual(240);
    expect(r.timings.transfer).toBeLessThan(50);
  });

  it('measures a slow body in transfer, not in ttfb', async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk;');
      await sleep(150);
      res.write('second chunk;');
      await sleep(150);
      res.end('done');
    });
    const { r, d } = await probe(httpSpec(`${server.origin}/slow-body`));
    expect(r.status).toBe('up');
    expect(r.timings.ttfb).toBeLessThan(100);
    expect(r.timings.transfer).toBeGreaterThanOrEqual(295);
    expect(r.timings.transfer).toBeLessThan(600);
    expect(d.bodyBytes).toBe('first chunk;second chunk;done'.length);
  });

  it('a body delimited by close ends at the EOF, not at its last byte', async () => {
    const server = await serveRaw((socket) => {
      socket.once('data', async () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nall of it');
        await sleep(150);
        socket.end();
      });
    });
    const { r, d } = await probe(httpSpec(`${server.origin}/`));
    expect(r.status).toBe('up');
    expect(d.bodyBytes).toBe('all of it'.length);
    // Only the close says the body is over: curl's time_total ends there too.
    expect(r.timings.transfer).toBeGreaterThanOrEqual(145);
    expect(r.timings.transfer).toBeLessThan(600);
  });

  it('5xx → HTTP_STATUS at the application layer', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 503;
      res.end('maintenance');
    });
    const { r, d, ms } = await probe(httpSpec(`${server.origin}/`));
    expect(r).toMatchObject({ status: 'down', layer: 'application', error: { code: 'HTTP_STATUS' } });
    expect(r.error?.message).toBe('HTTP status 503, expected 200-399');
    expect(d.statusCode).toBe(503);
    expect(ms).toBeLessThan(DEADLINE_MS + LATE_MS);
  });

  it('accepts the statuses the spec lists, codes and ranges', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    expect(
      (await probe(httpSpec(`${server.origin}/`, { assert: { status: [200, [400, 404]] } }))).r.status,
    ).toBe('up');
    const { r } = await probe(httpSpec(`${server.origin}/`, { assert: { status: [[200, 299], 410] } }));
    expect(r.error).toEqual({ code: 'HTTP_STATUS', message: 'HTTP status 404, expected 200-299, 410' });
  });

  it('body over the cap → HTTP_BODY_TOO_LARGE; stops reading instead of buffering', async () => {
    const cap = 256 * 1024;
    const endless = 256 * 1024 * 1024;
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked: no length to refuse early
      await streamBody(res, endless);
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const { r, d, ms } = await probe(
      httpSpec(`${server.origin}/big`, { maxBodyBytes: cap, assert: { body: [{ contains: 'x' }] } }),
    );
    expect(r).toMatchObject({ status: 'down', layer: 'application', error: { code: 'HTTP_BODY_TOO_LARGE' } });
    expect(d.bodyBytes).toBeGreaterThan(cap);
    expect(d.bodyBytes).toBeLessThanOrEqual(cap + 64 * 1024); // one socket read past the cap at most
    await sleep(50);
    // The server could push only what loopback socket buffers hold once we stopped: far from 256 MiB.
    expect(server.bytesWritten()).toBeLessThan(cap + 32 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      await streamBody(res, 10 * 1024 * 1024);
    });
    const { r, d } = await probe(httpSpec(`${server.origin}/big`, { maxBodyBytes: 1024 }));
    expect(r.error?.code).toBe('HTTP_BODY_TOO_LARGE');
    expect(r.error?.message).toContain('declares 10485760 bytes, over the 1024-byte limit');
    expect(d.bodyBytes).toBe(0);
  });

  it('HEAD: a declared length over the cap is not a body', async () => {
    const server = await serve((_req, res) =>
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }).end(),
    );
    const { r, d } = await probe(httpSpec(`${server.origin}/`, { method: 'HEAD', maxBodyBytes: 1024 }));
    expect(r.status).toBe('up');
    expect(d.bodyBytes).toBe(0);
    expect(server.requests[0]?.method).toBe('HEAD');
  });

  it('follows redirects, records each hop with its timings, and sums phases over hops', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(301, { location: `http://127.0.0.1:${server.port}/c` }).end();
      else ok(req, res);
    });
    const { r, d } = await probe(httpSpec(`${server.origin}/a`));
    expect(r.status).toBe('up');
    expect(d.url).toBe(`${server.origin}/c`);
    expect(d.statusCode).toBe(200);
    expect(d.redirects.map((h) => [h.url, h.status, h.location])).toEqual([
      [`${server.origin}/a`, 302, `${server.origin}/b`],
      [`${server.origin}/b`, 301, `${server.origin}/c`],
    ]);
    expect(server.requests.map((q) => q.url)).toEqual(['/a', '/b', '/c']);
    const hopConnect = d.redirects.reduce((n, h) => n + (h.timings.connect ?? 0), 0);
    expect(r.timings.connect).toBeGreaterThan(hopConnect); // plus the final hop's own connect
    expect(phaseSum(r)).toBeLessThanOrEqual(r.timings.total);
  });

  it('turns POST into GET on 303, keeps it on 307', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/submit') res.writeHead(303, { location: '/see-other' }).end();
      else if (req.url === '/temp') res.writeHead(307, { location: '/again' }).end();
      else ok(req, res);
    });
    await probe(httpSpec(`${server.origin}/submit`, { method: 'POST', body: 'a=1' }));
    await probe(httpSpec(`${server.origin}/temp`, { method: 'POST', body: 'a=1' }));
    expect(server.requests.map((q) => [q.method, q.url, q.body])).toEqual([
      ['POST', '/submit', 'a=1'],
      ['GET', '/see-other', ''],
      ['POST', '/temp', 'a=1'],
      ['POST', '/again', 'a=1'],
    ]);
  });

  it('does not hand credentials to another origin on redirect', async () => {
    const other = await serve(ok);
    const server = await serve((_req, res) =>
      res.writeHead(302, { location: `${other.origin}/landing` }).end(),
    );
    const { r } = await probe(
      httpSpec(`${server.origin}/`, {
        headers: { Authorization: 'Bearer hop-secret', 'X-Trace': 'keep-me' },
      }),
    );
    expect(r.status).toBe('up');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer hop-secret');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(other.requests[0]?.headers['x-trace']).toBe('keep-me');
    expect(other.requests[0]?.headers.host).toBe(`127.0.0.1:${other.port}`);
  });

  it('redirect loop → HTTP_TOO_MANY_REDIRECTS with every hop recorded', async () => {
    const server = await serve((req, res) => {
      res.writeHead(302, { location: req.url === '/ping' ? '/pong' : '/ping' }).end();
    });
    const { r, d, ms } = await probe(httpSpec(`${server.origin}/ping`, { maxRedirects: 3 }));
    expect(r).toMatchObject({
      status: 'down',
      layer: 'application',
      error: { code: 'HTTP_TOO_MANY_REDIRECTS' },
    });
    expect(r.error?.message).toBe(`more than 3 redirects (last: 302 to ${server.origin}/ping)`);
    expect(d.redirects.map((h) => h.url.replace(server.origin, ''))).toEqual([
      '/ping',
      '/pong',
      '/ping',
      '/pong',
    ]);
    for (const hop of d.redirects) expect(hop.timings.ttfb).toBeGreaterThanOrEqual(0);
    expect(server.requests).toHaveLength(4);
    expect(ms).toBeLessThan(DEADLINE_MS + LATE_MS);
  });

  it('maxRedirects 0 reports the redirect itself instead of following it', async () => {
    const server = await serve((_req, res) =>
      res.writeHead(301, { location: 'https://elsewhere.test/' }).end(),
    );
    const { r, d } = await probe(
      httpSpec(`${server.origin}/`, { maxRedirects: 0, assert: { status: [301] } }),
    );
    expect(r.status).toBe('up');
    expect(d.statusCode).toBe(301);
    expect(d.headers?.location).toBe('https://elsewhere.test/');
    expect(d.redirects).toEqual([]);
  });

  it('redirect to a non-HTTP scheme → HTTP_PROTOCOL_ERROR', async () => {
    const server = await serve((_req, res) => res.writeHead(302, { location: 'ftp://files.test/x' }).end());
    const { r, d } = await probe(httpSpec(`${server.origin}/`));
    expect(r.error?.code).toBe('HTTP_PROTOCOL_ERROR');
    expect(r.error?.message).toContain('unsupported URL scheme ftp:');
    expect(d.redirects).toHaveLength(1);
  });

  it('garbage instead of HTTP → HTTP_PROTOCOL_ERROR naming what came back', async () => {
    const server = await serveRaw((socket) => {
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    });
    const { r, ms } = await probe(httpSpec(`${server.origin}/`));
    expect(r).toMatchObject({ status: 'down', layer: 'application', error: { code: 'HTTP_PROTOCOL_ERROR' } });
    expect(r.error?.message).toContain('did not answer with valid HTTP');
    expect(r.error?.message).toContain('SSH-2.0');
    expect(ms).toBeLessThan(DEADLINE_MS + LATE_MS);
  });

  it('a server that closes without answering → HTTP_PROTOCOL_ERROR (empty reply)', async () => {
    const server = await serveRaw((socket) => socket.once('data', () => socket.end()));
    const { r, ms } = await probe(httpSpec(`${server.origin}/`));
    expect(r.error).toEqual({
      code: 'HTTP_PROTOCOL_ERROR',
      message: `127.0.0.1:${server.port} closed the connection without sending a response`,
    });
    expect(ms).toBeLessThan(DEADLINE_MS + LATE_MS);
  });

  it('a body cut short of its Content-Length → HTTP_PROTOCOL_ERROR', async () => {
    const server = await serveRaw((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b'));
    });
    const { r, d } = await probe(httpSpec(`${server.origin}/`));
    expect(r.error?.code).toBe('HTTP_PROTOCOL_ERROR');
    expect(r.error?.message).toContain('after 10 body bytes');
    expect(d.statusCode).toBe(200);
  });

  it('server never responds → HTTP_TIMEOUT within the deadline', async () => {
    const server = await serveRaw(() => {});
    const { r, ms } = await probe(httpSpec(`${server.origin}/`, { timeoutMs: 600 }));
    expect(r).toMatchObject({ status: 'down', layer: 'application', error: { code: 'HTTP_TIMEOUT' } });
    expect(r.error?.message).toMatch(
      /^no response from 127\.0\.0\.1:\d+: no first byte \d+\.\d ms after the request \(ttfb\)$/,
    );
    expect(r.timings.ttfb).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(590);
    expect(ms).toBeLessThan(600 + LATE_MS);
  });

  it('a body that stalls → HTTP_TIMEOUT mentioning what was read', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
    });
    const { r, ms } = await probe(httpSpec(`${server.origin}/`, { timeoutMs: 500 }));
    expect(r.error?.code).toBe('HTTP_TIMEOUT');
    expect(r.error?.message).toMatch(/: 7 body bytes in \d+\.\d ms \(transfer\)$/);
    expect(ms).toBeLessThan(500 + LATE_MS);
  });

  it("returns promptly (~50 ms) when the caller's signal aborts, and destroys the socket", async () => {
    let peerClosed = false;
    const server = await serveRaw((socket) => {
      socket.resume(); // read the request, never answer
      socket.on('close', () => {
        peerClosed = true;
      });
    });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    const r = await httpProbe(httpSpec(`${server.origin}/`), {
      signal: controller.signal,
      deadline: started + 300,
    });
    const late = performance.now() - started - 300;
    expect(r.error?.code).toBe('HTTP_TIMEOUT');
    expect(late).toBeLessThan(100); // target ~50 ms; margin for a loaded shared machine
    await sleep(50);
    expect(peerClosed).toBe(true);
  });

  it('deadline already passed while resolving a name → DNS_TIMEOUT', async () => {
    const controller = new AbortController();
    controller.abort();
    const started = performance.now();
    const r = await httpProbe(httpSpec('http://localhost:9/'), {
      signal: controller.signal,
      deadline: started,
    });
    expect(performance.now() - started).toBeLessThan(100);
    expect(r).toMatchObject({ status: 'down', layer: 'dns', error: { code: 'DNS_TIMEOUT' } });
  });

  it('deadline already passed while connecting → TCP_TIMEOUT', async () => {
    const server = await serve(ok);
    const controller = new AbortController();
    controller.abort();
    const started = performance.now();
    const r = await httpProbe(httpSpec(`${server.origin}/`), {
      signal: controller.signal,
      deadline: started,
    });
    expect(performance.now() - started).toBeLessThan(100);
    expect(r).toMatchObject({ status: 'down', layer: 'transport', error: { code: 'TCP_TIMEOUT' } });
    expect(server.requests).toHaveLength(0);
  });

  it('closed port → TCP_REFUSED at the transport layer', async () => {
    const server = await serve(ok);
    const url = `${server.origin}/`;
    await server.close();
    const { r, ms } = await probe(httpSpec(url));
    expect(r).toMatchObject({ status: 'down', layer: 'transport', error: { code: 'TCP_REFUSED' } });
    // Until the refusal, as the TCP prober reports the same dead port.
    expect(r.timings.connect).toEqual(expect.any(Number));
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('unresolvable name → a DNS code at the dns layer', async () => {
    const { r, ms } = await probe(httpSpec('http://no-such-host.invalid/'));
    expect(r.layer).toBe('dns');
    expect(['DNS_NXDOMAIN', 'DNS_TIMEOUT', 'DNS_SERVFAIL']).toContain(r.error?.code);
    expect(ms).toBeLessThan(DEADLINE_MS + LATE_MS);
  });

  it('an invalid URL is reported, not thrown', async () => {
    const { r } = await probe(httpSpec('not a url'));
    expect(r).toMatchObject({ status: 'down', error: { code: 'PROBE_ERROR' } });
    expect(r.error?.message).toContain('invalid URL "not a url"');
    const ftp = await probe(httpSpec('ftp://files.test/'));
    expect(ftp.r.error?.message).toContain('unsupported URL scheme ftp:');
  });

  it('a header value with a newline is reported as bad input, not thrown', async () => {
    const server = await serve(ok);
    const { r } = await probe(httpSpec(`${server.origin}/`, { headers: { 'x-bad': 'a\r\nInjected: 1' } }));
    expect(r.status).toBe('down');
    expect(r.error?.code).toBe('HTTP_PROTOCOL_ERROR');
    expect(r.error?.message).toContain('x-bad');
    expect(server.requests).toHaveLength(0);
  });
});

describe('httpProbe assertions and thresholds', () => {
  const json: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-version': '2.4.1' });
    res.end(JSON.stringify({ status: 'ok', checks: [{ name: 'db', ok: true }], build: 42 }));
  };

  it('passes when headers, body and JSON paths match', async () => {
    const server = await serve(json);
    const { r } = await probe(
      httpSpec(`${server.origin}/`, {
        assert: {
          headers: { 'Content-Type': { contains: 'json' }, 'x-version': { regex: '^2\\.' } },
          body: [{ contains: '"status":"ok"' }, { regex: 'checks' }],
          json: [
            { path: '$.status', match: { equals: 'ok' } },
            { path: '$.checks[0].name', match: { equals: 'db' } },
            { path: '$.build', match: { equals: '42' } },
          ],
        },
      }),
    );
    expect(r.status).toBe('up');
  });

  it.each([
    [
      { headers: { 'x-version': { equals: '3.0.0' } } },
      'header x-version does not equal "3.0.0": got "2.4.1"',
    ],
    [{ headers: { 'x-missing': { contains: 'a' } } }, 'header x-missing does not contain "a": header absent'],
    [{ body: [{ contains: 'degraded' }] }, 'body does not contain "degraded"'],
    [{ body: [{ regex: '(' }] }, 'body does not match /(/ (invalid regular expression)'],
    [
      { json: [{ path: '$.status', match: { equals: 'down' } }] },
      'JSON path $.status does not equal "down": got "ok"',
    ],
    [{ json: [{ path: '$.nope', match: { equals: 'x' } }] }, 'JSON path $.nope matched nothing'],
  ] as [HttpSpec['assert'], string][])('fails with ASSERTION_FAILED: %j', async (assert, message) => {
    const server = await serve(json);
    const { r } = await probe(httpSpec(`${server.origin}/`, { assert }));
    expect(r).toMatchObject({ status: 'down', layer: 'application' });
    expect(r.error).toEqual({ code: 'ASSERTION_FAILED', message });
  });

  it('JSON assertions on a non-JSON body fail clearly', async () => {
    const server = await serve(ok);
    const { r } = await probe(
      httpSpec(`${server.origin}/`, { assert: { json: [{ path: '$.a', match: { equals: '1' } }] } }),
    );
    expect(r.error?.message).toBe('body is not valid JSON, so JSON path assertions cannot be checked');
  });

  it('a phase over its threshold is degraded LATENCY_HIGH, at that phase’s layer', async () => {
    const server = await serve(async (_req, res) => {
      await sleep(120);
      res.end('x');
    });
    const { r } = await probe(httpSpec(`${server.origin}/`, { thresholds: { connect: 5_000, ttfb: 50 } }));
    expect(r).toMatchObject({ status: 'degraded', layer: 'application', error: { code: 'LATENCY_HIGH' } });
    expect(r.error?.message).toMatch(/^ttfb took \d+\.\d ms, over the 50 ms threshold$/);
    const fast = await probe(httpSpec(`${server.origin}/`, { thresholds: { ttfb: 5_000, total: 5_000 } }));
    expect(fast.r.status).toBe('up');
  });
});

describe('httpProbe CDN and secrets', () => {
  it('parses CDN cache headers of the final response', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'cf-cache-status': 'HIT', 'cf-ray': '8e5b6d7c9a1f2b3c-AMS', age: '42' }).end('x');
    });
    const { d } = await probe(httpSpec(`${server.origin}/`));
    expect(d.cdn).toEqual({
      source: 'cf-cache-status',
      cache: 'hit',
      raw: 'HIT',
      provider: 'cloudflare',
      pop: 'AMS',
      ageSeconds: 42,
    });
  });

  it('joins repeated cache headers before parsing them', async () => {
    const server = await serveRaw((socket) => {
      socket.once('data', () =>
        socket.end(
          'HTTP/1.1 200 OK\r\nx-cache: MISS\r\nx-cache: HIT\r\nx-served-by: cache-a-IAD, cache-b-LHR\r\ncontent-length: 0\r\n\r\n',
        ),
      );
    });
    const { d } = await probe(httpSpec(`${server.origin}/`));
    expect(d.cdn).toMatchObject({ cache: 'hit', provider: 'fastly', pop: 'LHR', raw: 'MISS, HIT' });
  });

  it('never lets a secret reach the result: request headers, response headers, URL, messages', async () => {
    const secrets = [
      'S3cr3t-Bearer',
      'c00kie-val',
      'api-k3y',
      'tok-123',
      'qs-s3cret',
      'pa55word',
      'set-c00kie',
      'resp-t0ken',
    ];
    const server = await serve((_req, res) => {
      res.setHeader('set-cookie', ['session=set-c00kie; HttpOnly', 'other=set-c00kie']);
      res.setHeader('x-auth-token', 'resp-t0ken');
      res.writeHead(302, { location: '/next?access_token=qs-s3cret' }).end();
    });
    const { r, d } = await probe(
      httpSpec(`http://user:pa55word@127.0.0.1:${server.port}/start?api_key=qs-s3cret&page=1`, {
        maxRedirects: 1,
        headers: {
          Authorization: 'Bearer S3cr3t-Bearer',
          Cookie: 'sid=c00kie-val',
          'X-Api-Key': 'api-k3y',
          'X-Session-Token': 'tok-123',
        },
        // Fails on purpose: a failing assertion on a secret header must not quote it either.
        assert: { headers: { 'x-auth-token': { equals: 'resp-t0ken-other' } } },
      }),
    );
    // They were sent as configured…
    expect(server.requests[0]?.headers.authorization).toBe('Bearer S3cr3t-Bearer');
    expect(server.requests[0]?.headers['x-api-key']).toBe('api-k3y');
    // …and appear nowhere in what the probe returns.
    const text = JSON.stringify(r);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(r.target).toBe(`http://user:[redacted]@127.0.0.1:${server.port}/start?api_key=[redacted]&page=1`);
    expect(d.requestHeaders).toMatchObject({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'x-api-key': '[redacted]',
    });
    // Resolved against the target, so it keeps (redacted) userinfo, as the next request would.
    expect(d.redirects[0]?.location).toBe(
      `http://user:[redacted]@127.0.0.1:${server.port}/next?access_token=[redacted]`,
    );
    expect(d.headers?.location).toBe('/next?access_token=[redacted]');
  });
});

describe('redaction', () => {
  it.each([
    ['https://example.com/health', 'https://example.com/health'],
    [
      'https://u:pw@example.com:8443/p?x=1&api_key=abc',
      'https://u:[redacted]@example.com:8443/p?x=1&api_key=[redacted]',
    ],
    ['https://example.com/?access%5Ftoken=zz&q=a+b', 'https://example.com/?access%5Ftoken=[redacted]&q=a+b'],
    [
      '/next?X-Amz-Security-Token=t&X-Amz-Signature=s&part=2',
      '/next?X-Amz-Security-Token=[redacted]&X-Amz-Signature=[redacted]&part=2',
    ],
    [
      'https://app.example/cb#access_token=abc&state=1',
      'https://app.example/cb#access_token=[redacted]&state=1',
    ],
    ['https://user@example.com/', 'https://user@example.com/'],
    ['not a url', 'not a url'],
  ])('redactUrl(%s)', (raw, expected) => {
    expect(redactUrl(raw)).toBe(expected);
  });

  it('redacts secret-looking headers by name and URLs in Location', () => {
    expect(
      redactHeaders({
        Authorization: 'Basic x',
        'Proxy-Authorization': 'x',
        cookie: 'a=b',
        'set-cookie': ['a=b', 'c=d'],
        'x-api-key': 'k',
        'x-upstream-secret': 's',
        'x-csrf-token': 't',
        location: '/x?token=t',
        'x-cache': ['MISS', 'HIT'],
        'content-length': 5,
        keepalive: undefined,
      }),
    ).toEqual({
      authorization: '[redacted]',
      'proxy-authorization': '[redacted]',
      cookie: '[redacted]',
      'set-cookie': '[redacted]',
      'x-api-key': '[redacted]',
      'x-upstream-secret': '[redacted]',
      'x-csrf-token': '[redacted]',
      location: '/x?token=[redacted]',
      'x-cache': 'MISS, HIT',
      'content-length': '5',
    });
  });
});

describe('httpProbe over HTTPS', () => {
  let ca: Ca;
  beforeAll(async () => {
    ca = await createCa({ commonName: 'http probe test CA' });
  });

  it('trusted via the spec ca: tls phase timed, session described', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1', 'web.example.test'] });
    const server = await serve(ok, leaf);
    const { r, d } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, { tls: tlsOptions({ ca: leaf.caPem }) }),
    );
    expect(r.status).toBe('up');
    expect(r.timings.tls).toBeGreaterThan(0);
    expect(phaseSum(r)).toBeLessThanOrEqual(r.timings.total);
    expect(r.timings.total - phaseSum(r)).toBeLessThan(1e-6);
    expect(d.tls).toMatchObject({ authorized: true, alpn: 'http/1.1' });
    expect(d.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(d.tls?.certificate?.sans).toEqual(['127.0.0.1', 'web.example.test']);
  });

  it('describing the certificate is in no phase: the request goes out first, and the name check is tls time', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const server = await serve(ok, leaf);
    const SLOW_MS = 300;
    const subject = slowSubject(SLOW_MS);
    try {
      const { r, d, ms } = await probe(
        httpSpec(`https://127.0.0.1:${server.port}/`, { tls: tlsOptions({ ca: leaf.caPem }) }),
      );
      expect(r.status).toBe('up');
      expect(subject).toHaveBeenCalled();
      expect(d.tls?.certificate?.subject).toBe('CN=127.0.0.1');
      expect(ms).toBeGreaterThanOrEqual(SLOW_MS);
      expect(r.timings.tls).toBeLessThan(SLOW_MS);
      expect(r.timings.ttfb).toBeLessThan(SLOW_MS);
      expect(r.timings.total).toBeLessThan(SLOW_MS);
    } finally {
      subject.mockRestore();
    }

    // The name check, as curl's (OpenSSL runs it inside the handshake), is billed to tls.
    const other = await serve(ok, await issueCert(ca, { hosts: ['127.0.0.1'] }));
    const original = tls.checkServerIdentity;
    const check = vi.spyOn(tls, 'checkServerIdentity').mockImplementation((host, cert) => {
      const until = performance.now() + SLOW_MS;
      while (performance.now() < until);
      return original(host, cert);
    });
    try {
      const { r } = await probe(
        httpSpec(`https://127.0.0.1:${other.port}/`, { tls: tlsOptions({ ca: leaf.caPem }) }),
      );
      expect(r.status).toBe('up');
      expect(check).toHaveBeenCalledOnce();
      expect(r.timings.tls).toBeGreaterThanOrEqual(SLOW_MS);
      expect(r.timings.ttfb).toBeLessThan(SLOW_MS);
    } finally {
      check.mockRestore();
    }
  });

  it('serverName verifies another name on the same address', async () => {
    const leaf = await issueCert(ca, { hosts: ['web.example.test'] });
    const server = await serve(ok, leaf);
    const { r } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, {
        tls: tlsOptions({ ca: leaf.caPem, serverName: 'web.example.test' }),
      }),
    );
    expect(r.status).toBe('up');
  });

  it('self-signed → TLS_CERT_UNTRUSTED, and no request is sent', async () => {
    const cert = await selfSigned({ hosts: ['127.0.0.1'] });
    const server = await serve(ok, cert);
    const { r, d, ms } = await probe(httpSpec(`https://127.0.0.1:${server.port}/`));
    expect(r).toMatchObject({ status: 'down', layer: 'tls', error: { code: 'TLS_CERT_UNTRUSTED' } });
    expect(d.tls).toMatchObject({ authorized: false, validationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(server.requests).toHaveLength(0);
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('insecure accepts the self-signed certificate but still describes it', async () => {
    const cert = await selfSigned({ hosts: ['127.0.0.1'] });
    const server = await serve(ok, cert);
    const { r, d } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, { tls: tlsOptions({ insecure: true }) }),
    );
    expect(r.status).toBe('up');
    expect(d.tls?.authorized).toBe(false);
    expect(d.tls?.certificate?.sans).toEqual(['127.0.0.1']);
  });

  it('expired → TLS_CERT_EXPIRED', async () => {
    const leaf = await issueCert(ca, {
      hosts: ['127.0.0.1'],
      notBefore: daysFromNow(-30),
      notAfter: daysFromNow(-1),
    });
    const server = await serve(ok, leaf);
    const { r, ms } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, { tls: tlsOptions({ ca: leaf.caPem }) }),
    );
    expect(r).toMatchObject({ status: 'down', layer: 'tls', error: { code: 'TLS_CERT_EXPIRED' } });
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('wrong host → TLS_HOSTNAME_MISMATCH', async () => {
    const leaf = await issueCert(ca, { hosts: ['other.example.test'] });
    const server = await serve(ok, leaf);
    const { r, ms } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, { tls: tlsOptions({ ca: leaf.caPem }) }),
    );
    expect(r).toMatchObject({ status: 'down', layer: 'tls', error: { code: 'TLS_HOSTNAME_MISMATCH' } });
    expect(server.requests).toHaveLength(0);
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('a certificate close to expiry → degraded TLS_CERT_EXPIRING, the request still made', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'], notAfter: daysFromNow(5) });
    const server = await serve(ok, leaf);
    const { r, d } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, { tls: tlsOptions({ ca: leaf.caPem }) }),
    );
    expect(r).toMatchObject({ status: 'degraded', layer: 'tls', error: { code: 'TLS_CERT_EXPIRING' } });
    expect(r.error?.message).toContain('critical');
    expect(d.statusCode).toBe(200);
  });

  it('TLS server that never answers the ClientHello → TLS_HANDSHAKE_FAILED within the deadline', async () => {
    const server = await serveRaw(() => {});
    const { r, ms } = await probe(httpSpec(`https://127.0.0.1:${server.port}/`, { timeoutMs: 500 }));
    expect(r).toMatchObject({ status: 'down', layer: 'tls', error: { code: 'TLS_HANDSHAKE_FAILED' } });
    expect(r.error?.message).toContain('did not complete within');
    expect(r.timings.connect).toBeGreaterThanOrEqual(0);
    expect(r.timings.tls).toBeUndefined();
    expect(ms).toBeLessThan(500 + LATE_MS);
  });

  it('https:// to a plain HTTP port → TLS_HANDSHAKE_FAILED', async () => {
    const server = await serve(ok);
    const { r } = await probe(httpSpec(`https://127.0.0.1:${server.port}/`));
    expect(r).toMatchObject({ status: 'down', layer: 'tls', error: { code: 'TLS_HANDSHAKE_FAILED' } });
  });

  it('TLS up but no HTTP response → HTTP_TIMEOUT after a timed handshake', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const server = await serveRaw(() => {}, leaf);
    const { r, ms } = await probe(
      httpSpec(`https://127.0.0.1:${server.port}/`, { timeoutMs: 500, tls: tlsOptions({ ca: leaf.caPem }) }),
    );
    expect(r.error?.code).toBe('HTTP_TIMEOUT');
    expect(r.timings.tls).toBeGreaterThan(0);
    expect(ms).toBeLessThan(500 + LATE_MS);
  });
});

// ------------------------------------------------------------------ against curl -w on the same target

const curl = await command('curl', ['--version'], 'apt-get install curl');

describe('phases agree with curl -w', () => {
  beforeEach((ctx) => skipUnless(ctx, curl));
  const run = promisify(execFile);
  const FORMAT = '%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}';
  let dir: string;
  let ca: Ca;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netprobe-http-'));
    ca = await createCa({ commonName: 'curl comparison CA' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** curl's cumulative times → our phase durations, in ms (docs/timings.md). */
  async function curlPhases(url: string, caFile?: string): Promise<Record<string, number>> {
    const args = ['-s', '-o', '/dev/null', '--max-time', '5', '-w', FORMAT, url];
    if (caFile) args.unshift('--cacert', caFile);
    const { stdout } = await run('curl', args);
    const [namelookup = 0, connect = 0, appconnect = 0, starttransfer = 0, total = 0] = stdout
      .trim()
      .split(' ')
      .map((s) => Number(s) * 1000);
    const sent = appconnect > 0 ? appconnect : connect;
    return {
      dns: namelookup,
      connect: connect - namelookup,
      ...(appconnect > 0 ? { tls: appconnect - connect } : {}),
      ttfb: starttransfer - sent,
      transfer: total - starttransfer,
      total,
    };
  }

  function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  }

  async function compare(url: string, s: HttpSpec, caFile?: string) {
    const ours: Record<string, number>[] = [];
    const theirs: Record<string, number>[] = [];
    for (let i = 0; i < 5; i++) {
      theirs.push(await curlPhases(url, caFile));
      ours.push((await probe(s)).r.timings as Record<string, number>);
    }
    const phases = Object.keys(theirs[0] ?? {});
    return Object.fromEntries(
      phases.map((p) => [
        p,
        { ours: median(ours.map((t) => t[p] ?? 0)), curl: median(theirs.map((t) => t[p] ?? 0)) },
      ]),
    );
  }

  const slowBody: Handler = async (_req, res) => {
    await sleep(100);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('part one;');
    await sleep(50);
    res.end('part two');
  };

  it('plain HTTP: ttfb, transfer and total within a few ms of curl', async () => {
    const server = await serve(slowBody);
    const url = `${server.origin}/compare`;
    const m = await compare(url, httpSpec(url));
    expect(m.dns?.ours).toBe(0);
    expect(m.dns?.curl).toBeLessThan(5);
    // Generous bounds: curl runs as a separate process on a shared 2-core machine.
    expect(Math.abs((m.ttfb?.ours ?? 0) - (m.ttfb?.curl ?? 0))).toBeLessThan(25);
    expect(Math.abs((m.transfer?.ours ?? 0) - (m.transfer?.curl ?? 0))).toBeLessThan(25);
    expect(Math.abs((m.total?.ours ?? 0) - (m.total?.curl ?? 0))).toBeLessThan(40);
    expect(m.connect?.ours).toBeLessThan(25);
  });

  it('HTTPS: the tls phase is there and the later phases agree with curl', async () => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, leaf.caPem);
    const server = await serve(slowBody, leaf);
    const url = `https://127.0.0.1:${server.port}/compare`;
    const m = await compare(
      url,
      httpSpec(url, { tls: { insecure: false, ca: leaf.caPem, certWarnDays: 21, certCriticalDays: 7 } }),
      caFile,
    );
    expect(m.tls?.ours).toBeGreaterThan(0);
    expect(m.tls?.curl).toBeGreaterThan(0);
    expect(Math.abs((m.tls?.ours ?? 0) - (m.tls?.curl ?? 0))).toBeLessThan(40);
    expect(Math.abs((m.ttfb?.ours ?? 0) - (m.ttfb?.curl ?? 0))).toBeLessThan(25);
    expect(Math.abs((m.transfer?.ours ?? 0) - (m.transfer?.curl ?? 0))).toBeLessThan(25);
  });
});

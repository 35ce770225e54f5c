/**
 * httpVersion on https monitors: h2 through ALPN over the socket the prober already timed, real
 * node:http2 and node:https servers on loopback, and the phases checked against curl --http2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTargetUrl } from '../../shared/config/url.ts';
import { createCa, issueCert } from '../../shared/lab/certs.ts';
import { httpProbe } from '../../shared/probes/http.ts';
import type { HttpSpec } from '../../shared/probes/spec.ts';
import type { HttpDetails, ProbeResult } from '../../shared/probes/types.ts';
import { sleep } from '../fixtures/http-servers.ts';
import { trackServers } from '../fixtures/net-servers.ts';
import { command, type Requirement, skipUnless } from '../fixtures/requirements.ts';
import { httpSpec, tlsOptions } from '../fixtures/specs.ts';

const servers = trackServers();
afterEach(servers.closeAll);
let leaf: { certPem: string; keyPem: string; caPem: string };
beforeAll(async () => {
  leaf = await issueCert(await createCa({ commonName: 'h2 test CA' }), { hosts: ['127.0.0.1'] });
});

/** Answers after 50 ms, then a body in two writes 30 ms apart: phases worth comparing. */
interface Response {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(chunk: string): unknown;
}

async function slowAnswer(res: Response): Promise<void> {
  await sleep(50);
  res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': 'h2-test' });
  res.write('part one;');
  await sleep(30);
  res.end('part two');
}

function h2Server(allowHTTP1 = false): Promise<number> {
  const server = http2.createSecureServer(
    { cert: leaf.certPem, key: leaf.keyPem, allowHTTP1 },
    (_req, res) => {
      void slowAnswer(res);
    },
  );
  return servers.listen(server);
}

function h1Server(): Promise<number> {
  return servers.listen(
    https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => void slowAnswer(res)),
  );
}

function spec(port: number, httpVersion?: HttpSpec['httpVersion']): HttpSpec {
  return httpSpec(`https://127.0.0.1:${port}/h2`, {
    tls: tlsOptions({ ca: leaf.caPem }),
    ...(httpVersion && { httpVersion }),
  });
}

function run(s: HttpSpec): Promise<ProbeResult> {
  return httpProbe(s, {
    signal: AbortSignal.timeout(s.timeoutMs),
    deadline: performance.now() + s.timeoutMs,
  });
}

describe("httpVersion: '2'", () => {
  it('speaks h2 through ALPN and times every phase', async () => {
    const port = await h2Server();
    const r = await run(spec(port, '2'));
    const d = r.details as HttpDetails;

    expect(r.status).toBe('up');
    expect(d).toMatchObject({ httpVersion: '2.0', statusCode: 200, bodyBytes: 17, tls: { alpn: 'h2' } });
    expect(d.headers?.['x-served-by']).toBe('h2-test');
    expect(Object.keys(r.timings)).toEqual(['dns', 'connect', 'tls', 'ttfb', 'transfer', 'total']);
    // ttfb is the response's HEADERS (after the 50 ms wait), not the server's SETTINGS frame.
    expect(r.timings.ttfb).toBeGreaterThanOrEqual(45);
    expect(r.timings.transfer).toBeGreaterThanOrEqual(25);
    // The headers as HTTP/2 sent them: no Connection or Host (forbidden in h2), :authority instead.
    expect(d.requestHeaders).toEqual({
      ':method': 'GET',
      ':path': '/h2',
      ':scheme': 'https',
      ':authority': `127.0.0.1:${port}`,
      'user-agent': 'netprobe',
      accept: '*/*',
    });
  });

  it('a server that does not negotiate h2 is HTTP_VERSION_UNSUPPORTED naming what it chose', async () => {
    const r = await run(spec(await h1Server(), '2'));

    expect(r).toMatchObject({
      status: 'down',
      layer: 'application',
      error: { code: 'HTTP_VERSION_UNSUPPORTED' },
    });
    expect(r.error?.message).toMatch(
      /^127\.0\.0\.1:\d+ does not speak HTTP\/2: offered h2 in ALPN, the server chose http\/1\.1$/,
    );
    // Nothing was requested: the hop ended after the handshake.
    expect((r.details as HttpDetails).statusCode).toBeUndefined();
  });
});

describe("httpVersion: 'auto' and the default", () => {
  it("'auto' records the version used", async () => {
    const h2 = await run(spec(await h2Server(true), 'auto'));
    const h1 = await run(spec(await h1Server(), 'auto'));

    expect((h2.details as HttpDetails).httpVersion).toBe('2.0');
    expect((h1.details as HttpDetails).httpVersion).toBe('1.1');
    expect((h2.details as HttpDetails).requestHeaders).not.toHaveProperty('connection');
    expect((h1.details as HttpDetails).requestHeaders).toMatchObject({ connection: 'close' });
    expect([h2.status, h1.status]).toEqual(['up', 'up']);
  });

  it('the default stays HTTP/1.1, even against a server that prefers h2', async () => {
    const r = await run(spec(await h2Server(true)));

    expect((r.details as HttpDetails).httpVersion).toBe('1.1');
    expect((r.details as HttpDetails).tls?.alpn).toBe('http/1.1');
  });
});

describe('config', () => {
  it('refuses h2c: HTTP/2 on an http:// URL', () => {
    expect(() => parseTargetUrl('http://example.test/', { httpVersion: '2' })).toThrow(
      'httpVersion: HTTP/2 needs https:// (h2 is negotiated through TLS; h2c on http:// is not supported), got "2" for an http:// URL',
    );
    expect(parseTargetUrl('https://example.test/', { httpVersion: 'auto' })).toMatchObject({
      httpVersion: 'auto',
    });
    expect(parseTargetUrl('https://example.test/')).not.toHaveProperty('httpVersion');
  });
});

// ------------------------------------------------------------------ against curl --http2

let curlH2: Requirement = { met: false, reason: '' };
beforeAll(async () => {
  const curl = await command('curl', ['--version'], 'apt-get install curl');
  const features = curl.met ? (await promisify(execFile)('curl', ['--version'])).stdout : '';
  curlH2 = curl.met
    ? { met: /\bHTTP2\b/.test(features), reason: 'this curl has no HTTP/2 support (built without nghttp2)' }
    : curl;
});

describe('phases agree with curl --http2', () => {
  beforeEach((ctx) => skipUnless(ctx, curlH2));
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netprobe-h2-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tls, ttfb and transfer within a few ms of curl over the same h2 server', async () => {
    const port = await h2Server();
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, leaf.caPem);
    const url = `https://127.0.0.1:${port}/h2`;
    const FORMAT = '%{http_version} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}';
    const ours: number[][] = [];
    const theirs: number[][] = [];
    for (let i = 0; i < 5; i++) {
      const { stdout } = await promisify(execFile)('curl', [
        '--http2',
        '-s',
        '-o',
        '/dev/null',
        '--cacert',
        caFile,
        '--max-time',
        '5',
        '-w',
        FORMAT,
        url,
      ]);
      const [version, connect = 0, appconnect = 0, starttransfer = 0, total = 0] = stdout.trim().split(' ');
      expect(version).toBe('2');
      const [c, a, s, t] = [connect, appconnect, starttransfer, total].map((x) => Number(x) * 1000) as [
        number,
        number,
        number,
        number,
      ];
      theirs.push([a - c, s - a, t - s]);
      const r = await run(spec(port, '2'));
      ours.push([r.timings.tls ?? 0, r.timings.ttfb ?? 0, r.timings.transfer ?? 0]);
    }
    const median = (rows: number[][], i: number) => rows.map((r) => r[i] ?? 0).sort((a, b) => a - b)[2] ?? 0;
    const [tls, ttfb, transfer] = [0, 1, 2].map((i) => ({ ours: median(ours, i), curl: median(theirs, i) }));
    // Generous bounds: curl runs as a separate process on a shared 2-core machine.
    expect(Math.abs((tls?.ours ?? 0) - (tls?.curl ?? 0))).toBeLessThan(40);
    expect(Math.abs((ttfb?.ours ?? 0) - (ttfb?.curl ?? 0))).toBeLessThan(25);
    expect(Math.abs((transfer?.ours ?? 0) - (transfer?.curl ?? 0))).toBeLessThan(25);
  });
});

import * as https from 'node:https';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LAB_PATHS,
  type LabTargets,
  MAIL_BANNER,
  MAIL_CERT_DAYS,
  startLabTargets,
} from '../../shared/lab/targets.ts';

let lab: LabTargets;
beforeAll(async () => {
  lab = await startLabTargets({ slowMs: 150 });
});
afterAll(async () => {
  await lab.close();
});

async function get(origin: string, path: string) {
  const res = await fetch(`${origin}${path}`);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** fetch has no per-request CA option; node:https does. */
function httpsGet(origin: string, path: string, ca: string) {
  return new Promise<{ status: number }>((resolve, reject) => {
    const req = https.get(`${origin}${path}`, { ca, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
  });
}

describe('lab targets', () => {
  it('serves health, 503 and CDN endpoints over plain HTTP', async () => {
    expect(await get(lab.http.origin, LAB_PATHS.health)).toMatchObject({
      status: 200,
      body: '{"status":"ok"}\n',
    });
    const unavailable = await get(lab.http.origin, LAB_PATHS.unavailable);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('30');
    const cdn = await get(lab.http.origin, LAB_PATHS.cdn);
    expect(cdn.status).toBe(200);
    expect(cdn.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(cdn.headers.get('age')).toBe('42');
    expect(lab.hits(LAB_PATHS.health)).toBe(1);
  });

  it('really waits before answering /slow', async () => {
    const start = performance.now();
    expect((await get(lab.http.origin, LAB_PATHS.slow)).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);
  });

  it('serves HTTPS with a certificate the lab CA vouches for', async () => {
    expect(await httpsGet(lab.https.origin, LAB_PATHS.health, lab.caPem)).toMatchObject({ status: 200 });
    await expect(httpsGet(lab.https.origin, LAB_PATHS.health, '')).rejects.toThrow();
  });

  it('serves an expired certificate on the expired endpoint', async () => {
    await expect(httpsGet(lab.expired.origin, LAB_PATHS.health, lab.caPem)).rejects.toMatchObject({
      code: 'CERT_HAS_EXPIRED',
    });
  });

  it('redirects plain HTTP home to HTTPS, where the home page answers', async () => {
    const res = await fetch(`${lab.http.origin}/`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`${lab.https.origin}/`);
    expect(await httpsGet(lab.https.origin, LAB_PATHS.home, lab.caPem)).toMatchObject({ status: 200 });
  });

  it('greets over implicit TLS with a certificate that expires within the warning window', async () => {
    const { banner, validTo } = await new Promise<{ banner: string; validTo: string }>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: lab.mail.port,
        ca: lab.caPem,
        servername: 'mail.example.test',
      });
      let banner = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        banner += chunk;
      });
      socket.on('end', () => resolve({ banner, validTo: socket.getPeerCertificate().valid_to }));
      socket.on('error', reject);
    });
    expect(banner).toBe(`${MAIL_BANNER}\r\n`);
    const daysLeft = (Date.parse(validTo) - Date.now()) / 86_400_000;
    expect(daysLeft).toBeGreaterThan(MAIL_CERT_DAYS - 1);
    expect(daysLeft).toBeLessThanOrEqual(MAIL_CERT_DAYS);
  });

  it('refuses connections on the closed port', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = connect(lab.closedPort, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(new Error('connected') as NodeJS.ErrnoException);
      });
      socket.on('error', resolve);
    });
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('closes idempotently', async () => {
    const other = await startLabTargets();
    await Promise.all([other.close(), other.close()]);
    await expect(get(other.http.origin, LAB_PATHS.health)).rejects.toThrow();
  });
});

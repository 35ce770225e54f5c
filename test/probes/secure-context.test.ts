/**
 * The cached secure contexts of shared/probes/tls.ts: every handshake of targets without a `ca` shares
 * one context (Node would build one per connection, ~0.5 ms of CPU each), and sharing it never turns a
 * probe's handshake into a resumed one: each stays a full handshake, as curl --no-sessionid and
 * blackbox_exporter do, so the tls phase means the same thing on every probe.
 */
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Ca, createCa, issueCert } from '../../shared/lab/certs.ts';
import { runProbe } from '../../shared/probes/index.ts';
import { defaultSecureContext } from '../../shared/probes/tls.ts';
import { trackServers } from '../fixtures/net-servers.ts';
import { tlsOptions } from '../fixtures/specs.ts';

const servers = trackServers();
afterEach(servers.closeAll);

let ca: Ca;
beforeAll(async () => {
  ca = await createCa();
});

describe('the default secure context', () => {
  it('is built once', () => {
    expect(defaultSecureContext()).toBe(defaultSecureContext());
  });

  it.each(['TLSv1.3', 'TLSv1.2'] as const)('never resumes a session between probes (%s)', async (version) => {
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const reused: boolean[] = [];
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem, maxVersion: version }, (s) => {
      reused.push(s.isSessionReused());
      s.end('ok\n');
    });
    const port = await servers.listen(server);
    const spec = {
      kind: 'tcp' as const,
      host: '127.0.0.1',
      port,
      allAddresses: false,
      tls: tlsOptions({ insecure: true }),
      expect: { contains: 'ok' },
      timeoutMs: 5000,
      thresholds: {},
    };
    const results = [await runProbe(spec), await runProbe(spec), await runProbe(spec)];
    expect(results.map((r) => [r.status, r.details.kind === 'tcp' && r.details.tls?.protocol])).toEqual([
      ['up', version],
      ['up', version],
      ['up', version],
    ]);
    expect(reused).toEqual([false, false, false]);
  });
});

/**
 * A machine that reaches no network (issue 14, "evidence that does not mislead"): `netprobe check` run
 * inside a network namespace with only loopback up. There every packet to a non-loopback address is
 * refused by the namespace's own kernel (ENETUNREACH) before it leaves: nothing is ever sent from the
 * host's namespace. The finding must blame this machine, not the target, its resolver or its zone,
 * and nothing may crash (a failed UDP connect used to throw out of the DNS prober).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import type { Requirement } from '../fixtures/requirements.ts';
import { skipUnless } from '../fixtures/requirements.ts';

const run = promisify(execFile);
const NETNS = `np-test-${process.pid}`;
const NETPROBE = fileURLToPath(new URL('../../bin/netprobe', import.meta.url));

let namespace: Requirement = { met: false, reason: 'not checked yet' };

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    namespace = { met: false, reason: 'network namespaces need root (ip netns add)' };
    return;
  }
  try {
    await run('ip', ['netns', 'add', NETNS]);
    await run('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']);
    namespace = { met: true, reason: '' };
  } catch (err) {
    namespace = {
      met: false,
      reason: `ip netns is not available here (${(err as Error).message.split('\n')[0]})`,
    };
  }
});

afterAll(async () => {
  if (namespace.met) await run('ip', ['netns', 'delete', NETNS]);
});

/** `netprobe check <url> --json` inside the namespace; exit code, the finding and stderr. */
async function checkOffline(url: string): Promise<{ code: number; finding: Finding; stderr: string }> {
  const r = await run('ip', ['netns', 'exec', NETNS, NETPROBE, 'check', url, '--json', '--timeout', '3s'], {
    timeout: 20_000,
  }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  return { code: r.code, finding: JSON.parse(r.stdout) as Finding, stderr: r.stderr };
}

describe('a machine that reaches no network (netns with only loopback)', () => {
  beforeEach((ctx) => skipUnless(ctx, namespace));

  it.each([
    // A named resolver: its UDP connect fails locally (used to crash the DNS prober), TCP 53 too.
    'dns://192.0.2.53/www.example.com?type=A',
    // The system resolver (getaddrinfo) and the direct query to /etc/resolv.conf's nameserver.
    'https://www.example.com/',
    // An address literal: the connect itself is refused locally.
    'tcp://198.51.100.7:443',
  ])('%s: down, and the sentence says this machine reaches no network', async (url) => {
    const { code, finding, stderr } = await checkOffline(url);

    expect(stderr).not.toMatch(/^\s+at .+[:(]/m);
    expect(code).toBe(1);
    expect(finding.status).toBe('down');
    expect(finding.diagnosis).toMatch(/^This machine reaches no network: nothing outside answered \(/);
    expect(finding.diagnosis).toContain('network is unreachable from here');
    expect(finding.diagnosis).not.toMatch(/delegat|check that the record exists/);
  });
});

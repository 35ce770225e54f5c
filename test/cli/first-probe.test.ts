/**
 * The first probe of a fresh `netprobe check` (docs/timings.md "The first probe of a fresh process"):
 * while it is timed the process does nothing but probing. Start-up and the warm-up leave V8 a major
 * garbage collection due; before the warm-up ended with one of its own, it ran inside the first probe
 * in most fresh processes (a DNS query time 2–10 ms over dig's). The CLI runs here with a preload that
 * logs every collection (fixtures/gc-log.ts); none may start inside the probe's window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/domain/finding.ts';
import { type DnsServerHandle, startDnsServer } from '../../shared/lab/dns-server.ts';
import { GC_LOG_PREFIX, type LoggedGc } from './fixtures/gc-log.ts';
import { runCli } from './run-cli.ts';

const GC_LOG = new URL('./fixtures/gc-log.ts', import.meta.url).pathname;
/** Fresh processes: the old code had a collection in the window of about two in three. */
const RUNS = 3;

let dns: DnsServerHandle;

beforeAll(async () => {
  dns = await startDnsServer({
    records: [
      { name: 'first.test', type: 'SOA', ttl: 60, data: 'ns.first.test. h.first.test. 1 60 60 60 60' },
      { name: 'www.first.test', type: 'A', ttl: 60, data: '127.0.0.1' },
    ],
    // Long enough for a collection to land in the window, as it did against bench's 20 ms server.
    faults: { delayMs: 20 },
  });
});

afterAll(async () => {
  await dns?.close();
});

describe('netprobe check in a fresh process', () => {
  it('runs no garbage collection while its first probe is timed', async () => {
    for (let run = 0; run < RUNS; run++) {
      const r = await runCli(['check', `dns://127.0.0.1:${dns.port}/www.first.test?type=A`, '--json'], {
        env: { NODE_OPTIONS: `--import ${GC_LOG}` },
      });
      expect(r.code, r.stderr).toBe(0);
      const finding = JSON.parse(r.stdout) as Finding;
      const line = r.stderr.split('\n').find((l) => l.startsWith(GC_LOG_PREFIX));
      const collections = JSON.parse(line?.slice(GC_LOG_PREFIX.length) ?? 'null') as LoggedGc[];
      // The warm-up's own collection, before the clock.
      expect(collections.some((gc) => gc.kind === 'major')).toBe(true);
      // startedAt is taken just before the probe starts, in whole milliseconds: the probe surely runs
      // from 1 ms after it for `total` ms at least.
      const from = Date.parse(finding.startedAt) + 1;
      const to = from - 1 + (finding.timings.total ?? 0);
      expect(collections.filter((gc) => gc.at + gc.ms > from && gc.at < to)).toEqual([]);
    }
  });
});

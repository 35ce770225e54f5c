/**
 * POST /check answers within its body's `timeout` (+ 0.5 s in the contract, docs/api.md): the probe and
 * its triage share that one deadline, so a blackholed target (a listener whose accept queue is full)
 * costs the timeout, not the timeout plus triage's own budget, and the finding says triage was skipped.
 * Its numbers, like the CLI's JSON, carry at most 3 decimals.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/probe-api/handler.ts';
import { LocalMetricsPublisher } from '../../shared/adapters/local-metrics.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { closedPort, filteredPort } from '../fixtures/net-servers.ts';
import { captureLogger, lambdaContext, loadEvent } from './helpers.ts';

/** In-process, no Node start-up: what a loaded CI machine may add to the 0.5 s of the contract. */
const SLACK_MS = 1000;

let filtered: { port: number; close: () => Promise<void> };
beforeAll(async () => {
  filtered = await filteredPort();
});
afterAll(async () => {
  await filtered?.close();
});

function handler() {
  return createHandler(
    {
      config: parseConfig({
        homeRegion: 'eu-west-1',
        regions: ['eu-west-1'],
        allowPrivateTargets: ['127.0.0.1'],
        monitors: [],
      }),
      region: 'eu-west-1',
      store: new MemoryStore(),
      metrics: new LocalMetricsPublisher({ write: () => true }, { namespace: 'Netprobe' }),
    },
    { logger: captureLogger() },
  );
}

function checkEvent(body: unknown): APIGatewayProxyEventV2 {
  return { ...loadEvent<APIGatewayProxyEventV2>('apigw/check'), body: JSON.stringify(body) };
}

describe('POST /check answers', () => {
  it('with every number of the finding to the microsecond (3 decimals at most), triage included', async () => {
    const port = await closedPort();
    const response = await handler()(checkEvent({ url: `http://127.0.0.1:${port}/` }), lambdaContext(30_000));
    const { finding } = JSON.parse(response.body) as { finding: Finding };
    expect(finding.triage?.length).toBeGreaterThan(0);
    expect(response.body).not.toMatch(/\d\.\d{4,}/);
  });
});

describe('POST /check within its timeout', () => {
  it.each([
    ['http', (port: number) => `http://127.0.0.1:${port}/`],
    ['tcp', (port: number) => `tcp://127.0.0.1:${port}`],
  ])('answers a blackholed %s target at its 1 s timeout, triage skipped', async (_kind, url) => {
    const started = performance.now();
    const response = await handler()(
      checkEvent({ url: url(filtered.port), timeout: '1s' }),
      lambdaContext(30_000),
    );
    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(200);
    const { finding } = JSON.parse(response.body) as { finding: Finding };
    expect(finding.error?.code).toBe('TCP_TIMEOUT');
    expect(finding).not.toHaveProperty('triage');
    expect(finding.triageSkipped).toMatch(/^no time left/);
    expect(elapsed).toBeLessThan(1000 + SLACK_MS);
  });
});

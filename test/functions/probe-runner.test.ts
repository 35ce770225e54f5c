/**
 * probe-runner invoked in-process with the events/ samples: real probes against loopback servers,
 * findings in dynalite, metrics at the CloudWatch SDK boundary, and the invocation's time budget.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type ProbeRunnerDeps } from '../../functions/probe-runner/handler.ts';
import { MB_PER_VCPU } from '../../functions/shared/cpu-share.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { MonitorInput } from '../../shared/config/schema.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { PACE_UTILIZATION, START_COST_MS } from '../../shared/engine/pace.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';
import { captureLogger, type LoopbackServer, lambdaContext, loadEvent, startServer } from './helpers.ts';

const cw = mockClient(CloudWatchClient);
const dynalite = useDynalite('runner');
let fast: LoopbackServer;
let hung: LoopbackServer;

beforeAll(async () => {
  [fast, hung] = await Promise.all([startServer(true), startServer(false)]);
});
afterAll(async () => {
  await Promise.all([fast?.close(), hung?.close()]);
});
beforeEach(() => {
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
});

function config(monitors: MonitorInput[]): NetprobeConfig {
  return parseConfig(
    { homeRegion: 'us-east-1', regions: ['eu-west-1', 'us-east-1'], monitors },
    'test config',
  );
}

const CLOCK_START = new Date('2026-03-01T12:00:00.000Z');

async function deps(
  monitors: MonitorInput[],
  extra: Partial<ProbeRunnerDeps> = {},
): Promise<ProbeRunnerDeps> {
  return {
    config: config(monitors),
    region: 'eu-west-1',
    store: await dynalite.freshStore(),
    metrics: mockedCloudWatchPublisher(),
    clock: new ManualClock(CLOCK_START),
    ...extra,
  };
}

describe('probe-runner', () => {
  it('runs a shard of a dispatched run: exactly its monitors of this region and interval, naming ids it does not schedule', async () => {
    const d = await deps([
      { id: 'web', interval: '1m', timeout: '2s', url: `${fast.url}/health` },
      { id: 'port', interval: '1m', timeout: '2s', url: `tcp://127.0.0.1:${fast.port}` },
      { id: 'other-shard', interval: '1m', timeout: '2s', url: `${fast.url}/other` },
      { id: 'web-5m', interval: '5m', timeout: '2s', url: `${fast.url}/slowly` },
    ]);
    const logger = captureLogger();
    const event = loadEvent<{ detail: object }>('eventbridge/shard-1m');
    const summary = await createHandler(d, { logger })(
      {
        ...event,
        detail: {
          intervalMinutes: 1,
          shard: { index: 1, count: 2 },
          monitorIds: ['port', 'web', 'web-5m', 'gone'],
        },
      },
      lambdaContext(30_000),
    );
    expect(summary.results.map((r) => r.monitorId)).toEqual(['web', 'port']);
    expect(summary.stored).toBe(2);
    // One report of the shard for the sick-region rule, keyed by it: a retry replaces it.
    expect(summary.reports).toBe(1);
    const run = CLOCK_START.toISOString();
    expect(await d.store.readRunFailures(run)).toEqual(
      new Map([['eu-west-1', { reported: 2, failing: new Set() }]]),
    );
    expect(await d.store.readRunHealthy(run)).toEqual(new Map([['eu-west-1', new Set(['web', 'port'])]]));
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: 'shard names monitors this runner does not schedule here',
        unknown: ['web-5m', 'gone'],
      }),
    );
  });

  it("runs this region's monitors of the event's interval, stores their findings and publishes their metrics once", async () => {
    const d = await deps([
      { id: 'web', interval: '1m', timeout: '2s', url: `${fast.url}/health`, regions: ['eu-west-1'] },
      { id: 'port', interval: '1m', timeout: '2s', url: `tcp://127.0.0.1:${fast.port}` },
      { id: 'web-5m', interval: '5m', timeout: '2s', url: `${fast.url}/slowly` },
      { id: 'web-us-only', interval: '1m', timeout: '2s', url: `${fast.url}/us`, regions: ['us-east-1'] },
    ]);
    const logger = captureLogger();
    const summary = await createHandler(d, { logger })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(30_000),
    );

    expect(summary).toMatchObject({
      region: 'eu-west-1',
      intervalMinutes: 1,
      monitors: 2,
      skipped: [],
      stored: 2,
    });
    expect(summary.results.map((r) => [r.monitorId, r.status, r.code])).toEqual([
      ['web', 'up', null],
      ['port', 'up', null],
    ]);

    const stored = await d.store.queryFindings('web', { location: 'eu-west-1' });
    expect(stored.items).toHaveLength(1);
    expect(stored.items[0]).toMatchObject({
      monitorId: 'web',
      location: 'eu-west-1',
      startedAt: CLOCK_START.toISOString(),
    });
    expect((await d.store.queryFindings('web-5m')).items).toEqual([]);

    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
    const data = cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData ?? [];
    expect(data).toHaveLength(summary.datums);
    const up = data.filter((d) => d.MetricName === 'Up');
    expect(up.map((d) => [d.Dimensions, d.Value, d.Timestamp])).toEqual([
      [
        [
          { Name: 'Monitor', Value: 'web' },
          { Name: 'Probe', Value: 'http' },
          { Name: 'Region', Value: 'eu-west-1' },
        ],
        1,
        CLOCK_START,
      ],
      [
        [
          { Name: 'Monitor', Value: 'port' },
          { Name: 'Probe', Value: 'tcp' },
          { Name: 'Region', Value: 'eu-west-1' },
        ],
        1,
        CLOCK_START,
      ],
    ]);
    // middy runs 'after' middlewares in reverse: the flush happens before the closing line, inside durationMs.
    expect(logger.messages()).toEqual(['invocation', 'metrics published', 'done']);
  });

  it('stops starting probes as the deadline nears, cuts a hung one, and still writes what ran (1.5 s left)', async () => {
    const d = await deps([
      { id: 'fast', interval: '1m', timeout: '1s', url: `${fast.url}/` },
      { id: 'hung', interval: '1m', timeout: '1s', url: `${hung.url}/never` },
      { id: 'long', interval: '1m', timeout: '5s', url: `${fast.url}/long` },
    ]);
    const logger = captureLogger();
    const started = performance.now();
    const summary = await createHandler(d, { logger })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(1_500),
    );
    const elapsed = performance.now() - started;

    // Lambda would have killed the invocation at 1 500 ms (middy itself throws 5 ms before).
    expect(elapsed).toBeLessThan(1_500);
    expect(summary.skipped).toEqual(['long']);
    expect(summary.results.map((r) => [r.monitorId, r.status, r.code])).toEqual([
      ['fast', 'up', null],
      ['hung', 'down', 'HTTP_TIMEOUT'],
    ]);
    // Cut at its own 1 s deadline, not at the invocation's.
    expect(summary.results[1]?.totalMs).toBeGreaterThanOrEqual(990);
    expect(summary.results[1]?.totalMs).toBeLessThan(1_300);
    expect((await d.store.queryFindings('hung')).items.map((f) => f.error?.code)).toEqual(['HTTP_TIMEOUT']);
    expect((await d.store.queryFindings('fast')).items).toHaveLength(1);
    expect(
      logger.lines.find((l) => l.message === 'monitors skipped: not enough time left in the invocation'),
    ).toMatchObject({
      level: 'warn',
      skipped: ['long'],
    });
  });

  it('stores the findings when CloudWatch keeps refusing, and logs the lost datums', async () => {
    cw.reset();
    cw.on(PutMetricDataCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
    );
    const d = await deps([{ id: 'web', interval: '1m', timeout: '2s', url: `${fast.url}/` }]);
    const logger = captureLogger();
    const summary = await createHandler(d, { logger })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(),
    );

    expect(summary.stored).toBe(1);
    expect((await d.store.queryFindings('web')).items).toHaveLength(1);
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
    const failure = logger.lines.find((l) => l.message === 'metrics not published');
    // Counted where an alarm sees it without the API that failed: an EMF line.
    expect(failure).toMatchObject({
      level: 'error',
      datums: summary.datums,
      MetricDatumsDropped: summary.datums,
      Function: 'probe-runner',
    });
    expect((failure?.error as { message?: string } | undefined)?.message).toBe(
      `${summary.datums} of ${summary.datums} metric datums not published: Rate exceeded (Throttling)`,
    );
  });

  it('fails the invocation when the findings can be neither stored nor spilled, after logging them, counting them and publishing the metrics', async () => {
    // No spill queue here (test/functions/no-lost-finding.test.ts has one).
    const d = await deps([{ id: 'web', interval: '1m', timeout: '2s', url: `${fast.url}/` }], {
      store: dynalite.storeOn('no-such-table'),
    });
    const logger = captureLogger();
    await expect(
      createHandler(d, { logger })(loadEvent('eventbridge/scheduled-1m'), lambdaContext()),
    ).rejects.toMatchObject({
      name: 'FindingsLostError',
      message: '1 of 1 findings neither stored nor spilled',
    });

    const lost = logger.lines.find((l) => l.message === 'findings lost');
    expect(lost).toMatchObject({ level: 'error', FindingsLost: 1 });
    expect((lost?.findings as { monitorId: string }[] | undefined)?.map((f) => f.monitorId)).toEqual(['web']);
    expect(logger.lines.find((l) => l.message === 'failed')).toMatchObject({ level: 'error' });
    // Metrics are flushed on error too.
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
  });

  it('refuses a scheduled event without an interval, naming the field and the expected shape', async () => {
    const d = await deps([{ id: 'web', interval: '1m', timeout: '2s', url: `${fast.url}/` }]);
    await expect(
      createHandler(d, { logger: captureLogger() })(
        loadEvent('eventbridge/scheduled-no-interval'),
        lambdaContext(),
      ),
    ).rejects.toThrow(
      /^event\.detail\.intervalMinutes: .+; the schedule must send \{"detail": \{"intervalMinutes": <whole minutes ≥ 1>\}\}/,
    );
    expect(cw).not.toReceiveCommand(PutMetricDataCommand);
  });

  it('spreads its starts by the CPU its memory buys: at 128 MB about 7% of a vCPU, so a start every ~17 ms for HTTP', async () => {
    // Records when each connection arrives (same clock as the runner: it runs in this process).
    const accepted: number[] = [];
    const server = createServer((socket) => {
      accepted.push(performance.now());
      socket.on('error', () => {});
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const count = 6;
    const d = await deps(
      Array.from({ length: count }, (_, i) => ({
        id: `web-${i}`,
        interval: '1m',
        timeout: '2s',
        url: `http://127.0.0.1:${port}/${i}`,
      })),
    );
    const before = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '128';
    try {
      const summary = await createHandler(d, { logger: captureLogger() })(
        loadEvent('eventbridge/scheduled-1m'),
        lambdaContext(),
      );
      expect(summary.results.map((r) => r.status)).toEqual(Array(count).fill('up'));
    } finally {
      if (before === undefined) delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
      else process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = before;
      await new Promise((resolve) => server.close(resolve));
    }
    // cost 0.6 ms ÷ (0.5 utilization × 128/1769) ≈ 16.6 ms between starts; on a whole core it was 1.2 ms.
    const gap = START_COST_MS.http / (PACE_UTILIZATION * (128 / MB_PER_VCPU));
    expect(accepted).toHaveLength(count);
    expect(Math.max(...accepted) - Math.min(...accepted)).toBeGreaterThanOrEqual((count - 1) * gap - 2);
  });

  it('logs and returns nothing to do for a schedule with no monitors in this region', async () => {
    const d = await deps([
      { id: 'web', interval: '1m', timeout: '2s', url: `${fast.url}/`, regions: ['us-east-1'] },
    ]);
    const logger = captureLogger();
    const summary = await createHandler(d, { logger })(
      loadEvent('eventbridge/scheduled-5m'),
      lambdaContext(),
    );
    expect(summary).toMatchObject({ intervalMinutes: 5, monitors: 0, results: [], stored: 0, datums: 0 });
    expect(logger.messages()).toContain('no monitors for this schedule');
    expect(cw).not.toReceiveCommand(PutMetricDataCommand);
  });
});

/**
 * probe-dispatcher at the Lambda SDK boundary: the exact asynchronous Invoke requests one scheduled
 * event becomes, every monitor of the region and interval in exactly one accepted shard, a shard
 * whose send fails sent again on its own (never the whole run), one that cannot be sent reported.
 */
import { InvokeCommand, type InvokeCommandInput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type DispatcherDeps } from '../../functions/probe-dispatcher/handler.ts';
import { LambdaShardInvoker } from '../../shared/adapters/lambda-shard-invoker.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { MonitorInput } from '../../shared/config/schema.ts';
import type { ShardEvent } from '../../shared/ports/shard-invoker.ts';
import { captureLogger, lambdaContext, loadEvent } from './helpers.ts';

const lambda = mockClient(LambdaClient);
beforeEach(() => {
  lambda.reset();
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

const RUNNER = 'netprobe-probe-runner';
/** 1,000 monitors every minute in eu-west-1, and others that this run must leave alone. */
const MONITORS: MonitorInput[] = [
  ...Array.from({ length: 1000 }, (_, n) => ({
    id: `m${n}`,
    interval: '1m',
    url: `tcp://127.0.0.1:${1000 + n}`,
  })),
  { id: 'every-5m', interval: '5m', url: 'tcp://127.0.0.1:9' },
  { id: 'us-only', interval: '1m', url: 'tcp://127.0.0.1:9', regions: ['us-east-1'] },
];

function deps(): DispatcherDeps {
  return {
    config: parseConfig(
      { homeRegion: 'us-east-1', regions: ['eu-west-1', 'us-east-1'], concurrency: 50, monitors: MONITORS },
      'test config',
    ),
    region: 'eu-west-1',
    invoker: new LambdaShardInvoker({
      client: new LambdaClient({ region: 'eu-west-1' }),
      functionName: RUNNER,
    }),
    namespace: 'Netprobe',
  };
}

const shardOf = (input: InvokeCommandInput) =>
  JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as ShardEvent;
const sent = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
const expectedIds = MONITORS.filter((m) => m.interval === '1m' && !m.regions).map((m) => m.id);

describe('probe-dispatcher', () => {
  it('sends one asynchronous Invoke per shard of 50: every monitor of the region and interval exactly once', async () => {
    const logger = captureLogger();
    const summary = await createHandler(deps(), { logger })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(),
    );

    expect(summary).toEqual({
      region: 'eu-west-1',
      intervalMinutes: 1,
      monitors: 1000,
      shards: 20,
      dispatched: 20,
      undispatched: [],
    });
    const inputs = sent();
    expect(inputs).toHaveLength(20);
    for (const input of inputs) {
      expect(Object.keys(input).sort()).toEqual(['FunctionName', 'InvocationType', 'Payload']);
      expect(input).toMatchObject({ FunctionName: RUNNER, InvocationType: 'Event' });
    }
    const shards = inputs.map(shardOf).sort((a, b) => a.detail.shard.index - b.detail.shard.index);
    expect(shards[0]).toEqual({
      version: '0',
      'detail-type': 'netprobe shard',
      source: 'netprobe.dispatcher',
      time: '2026-03-01T12:00:00Z',
      region: 'eu-west-1',
      detail: {
        intervalMinutes: 1,
        shard: { index: 0, count: 20 },
        monitorIds: expectedIds.slice(0, 50),
      },
    });
    const ids = shards.flatMap((s) => s.detail.monitorIds);
    expect(ids).toEqual(expectedIds);
    expect(new Set(ids).size).toBe(1000);
    expect(logger.lines.find((l) => 'ShardsUndispatched' in l)).toMatchObject({
      ShardsUndispatched: 0,
      level: 'info',
    });
  });

  it('sends a shard whose Invoke was throttled again on its own: none lost, none sent twice', async () => {
    let refused = 0;
    lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => {
      if (shardOf(input).detail.shard.index === 7 && refused++ === 0) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }
      return { StatusCode: 202 };
    });
    const summary = await createHandler(deps(), { logger: captureLogger() })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(),
    );

    expect(summary).toMatchObject({ shards: 20, dispatched: 20, undispatched: [] });
    const indexes = sent().map((input) => shardOf(input).detail.shard.index);
    // 21 sends: shard 7 twice (refused, then accepted), every other shard once.
    expect(indexes).toHaveLength(21);
    expect(indexes.filter((i) => i === 7)).toHaveLength(2);
    expect(new Set(indexes).size).toBe(20);
    // The accepted sends hold every monitor once.
    const accepted = sent()
      .slice(0)
      .filter((_, n) => n !== indexes.indexOf(7));
    expect(accepted.flatMap((input) => shardOf(input).detail.monitorIds).sort()).toEqual(
      [...expectedIds].sort(),
    );
  });

  it('reports a shard no send was accepted for, counts it, and still succeeds (no second run of the rest)', async () => {
    lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => {
      if (shardOf(input).detail.shard.index === 3)
        throw Object.assign(new Error('Service unavailable'), { name: 'ServiceException' });
      return { StatusCode: 202 };
    });
    const logger = captureLogger();
    const summary = await createHandler(deps(), { logger })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(),
    );

    expect(summary.dispatched).toBe(19);
    expect(summary.undispatched).toEqual([
      { index: 3, monitorIds: expectedIds.slice(150, 200), error: 'Service unavailable' },
    ]);
    const indexes = sent().map((input) => shardOf(input).detail.shard.index);
    expect(indexes.filter((i) => i !== 3)).toHaveLength(19);
    expect(indexes.filter((i) => i === 3)).toHaveLength(2);
    expect(logger.lines.find((l) => 'ShardsUndispatched' in l)).toMatchObject({
      level: 'error',
      ShardsUndispatched: 1,
      Function: 'probe-dispatcher',
      message: 'shards not dispatched: their monitors miss this interval',
    });
  });

  it('treats an Invoke answered with anything but 202 Accepted as not sent', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    const summary = await createHandler(deps(), { logger: captureLogger() })(
      loadEvent('eventbridge/scheduled-1m'),
      lambdaContext(),
    );
    expect(summary.dispatched).toBe(0);
    expect(summary.undispatched[0]?.error).toBe('Invoke answered 200, not 202');
  });

  it('sends nothing for an interval with no monitors here, and refuses an event without an interval', async () => {
    const handler = createHandler(deps(), { logger: captureLogger() });
    const event = loadEvent<{ detail: object }>('eventbridge/scheduled-5m');
    const summary = await handler(
      { ...event, region: 'eu-west-1', detail: { intervalMinutes: 15 } },
      lambdaContext(),
    );
    expect(summary).toMatchObject({ monitors: 0, shards: 0, dispatched: 0 });
    expect(sent()).toEqual([]);
    await expect(handler(loadEvent('eventbridge/scheduled-no-interval'), lambdaContext())).rejects.toThrow(
      /event\.detail/,
    );
  });
});

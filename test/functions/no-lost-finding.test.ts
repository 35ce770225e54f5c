/**
 * No lost finding: the probe-runner against each write fault of issue 10, injected on the DynamoDB wire
 * (a proxy in front of dynalite), with the spill queue at the SQS SDK boundary (exact SendMessage
 * requests) and the finding-rewriter draining what was spilled. Each test counts:
 * findings produced = findings in the table + findings in the spill queue, and after the drain,
 * findings produced = findings in the table, each location's latest status a stored finding.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as rewriterHandler } from '../../functions/finding-rewriter/handler.ts';
import { type RunSummary, createHandler as runnerHandler } from '../../functions/probe-runner/handler.ts';
import type { DynamoDbStore } from '../../shared/adapters/dynamodb-store.ts';
import { parseSpillMessage, SqsFindingsSpill } from '../../shared/adapters/sqs-spill.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { MonitorInput } from '../../shared/config/schema.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import {
  type DynamoCall,
  dynamoFault,
  type FaultRule,
  type FaultyDynamo,
  startFaultyDynamo,
} from '../fixtures/dynamo-faults.ts';
import { MOCKED_CLIENT_CONFIG, mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';
import {
  type CapturedLogger,
  captureLogger,
  type LoopbackServer,
  lambdaContext,
  loadEvent,
  startServer,
} from './helpers.ts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/netprobe-findings-spill';
const sqs = mockClient(SQSClient);
const cw = mockClient(CloudWatchClient);
const dynalite = useDynalite('no-lost');

let target: LoopbackServer;
let hung: LoopbackServer;
let faulty: FaultyDynamo | undefined;

beforeAll(async () => {
  [target, hung] = await Promise.all([startServer(true), startServer(false)]);
});
afterAll(async () => {
  await Promise.all([target?.close(), hung?.close()]);
});
beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'spilled' });
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
});
afterEach(async () => {
  await faulty?.close();
  faulty = undefined;
});

/** `n` TCP monitors on the loopback target, every minute, from eu-west-1. */
function tcpMonitors(n: number): MonitorInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `m-${String(i).padStart(2, '0')}`,
    interval: '1m',
    timeout: '2s',
    url: `tcp://127.0.0.1:${target.port}`,
  }));
}

interface Run {
  summary: RunSummary | undefined;
  error: unknown;
  elapsedMs: number;
  logger: CapturedLogger;
  plain: DynamoDbStore;
  table: string;
}

async function run(monitors: MonitorInput[], rule: FaultRule, remainingMs = 30_000): Promise<Run> {
  const table = await dynalite.freshTable();
  faulty = await startFaultyDynamo(dynalite.local.endpoint, rule);
  const config = parseConfig({ homeRegion: 'us-east-1', regions: ['eu-west-1'], monitors }, 'test config');
  const logger = captureLogger();
  const handler = runnerHandler(
    {
      config,
      region: 'eu-west-1',
      store: faulty.storeOn(table),
      metrics: mockedCloudWatchPublisher(),
      spill: new SqsFindingsSpill({ client: new SQSClient(MOCKED_CLIENT_CONFIG), queueUrl: QUEUE_URL }),
    },
    { logger },
  );
  const started = performance.now();
  let summary: RunSummary | undefined;
  let error: unknown;
  try {
    summary = await handler(loadEvent('eventbridge/scheduled-1m'), lambdaContext(remainingMs));
  } catch (e) {
    error = e;
  }
  return {
    summary,
    error,
    elapsedMs: performance.now() - started,
    logger,
    plain: dynalite.storeOn(table),
    table,
  };
}

/** The findings in every SendMessage to the spill queue, after checking each request is exactly one. */
function spilled(): Finding[] {
  return sqs.commandCalls(SendMessageCommand).flatMap((call) => {
    const input = call.args[0].input;
    expect(Object.keys(input).sort()).toEqual(['MessageBody', 'QueueUrl']);
    expect(input.QueueUrl).toBe(QUEUE_URL);
    return parseSpillMessage(input.MessageBody ?? '');
  });
}

const keyOf = (f: Pick<Finding, 'monitorId' | 'location' | 'startedAt'>) =>
  `${f.monitorId}|${f.location}|${f.startedAt}`;

async function tableContents(plain: DynamoDbStore, monitors: readonly MonitorInput[]) {
  const stored: Finding[] = [];
  const latest: Finding[] = [];
  for (const { id } of monitors) {
    stored.push(...(await plain.queryFindings(id, { limit: 1000 })).items);
    latest.push(...(await plain.latestStatus(id)));
  }
  return { stored, latest };
}

/** The finding-rewriter drains every spilled message into the table (no fault any more). */
async function drain(plain: DynamoDbStore): Promise<void> {
  const event: SQSEvent = {
    Records: sqs.commandCalls(SendMessageCommand).map((call, i) => ({
      ...loadEvent<SQSEvent>('sqs/spilled-findings').Records[0],
      messageId: `m-${i}`,
      body: call.args[0].input.MessageBody ?? '',
    })) as SQSEvent['Records'],
  };
  const out = await rewriterHandler({ store: plain }, { logger: captureLogger() })(event, lambdaContext());
  expect(out).toEqual({ batchItemFailures: [] });
}

/** produced = table + spill now; produced = table after the drain, latest statuses consistent. */
async function expectNoLoss(r: Run, monitors: readonly MonitorInput[], produced: number) {
  const before = await tableContents(r.plain, monitors);
  const inSpill = spilled();
  const union = new Set([...before.stored, ...inSpill].map(keyOf));
  expect(union.size).toBe(produced);
  await drain(r.plain);
  const after = await tableContents(r.plain, monitors);
  expect(after.stored).toHaveLength(produced);
  const storedKeys = new Set(after.stored.map(keyOf));
  expect(after.latest).toHaveLength(produced);
  for (const l of after.latest) expect(storedKeys.has(keyOf(l))).toBe(true);
  return { storedBefore: before.stored.length, spilled: inSpill.length };
}

const isBatchWrite = (call: DynamoCall) => call.operation === 'BatchWriteItem';

describe('no lost finding (probe-runner → spill queue → finding-rewriter)', () => {
  it('UnprocessedItems on every attempt: all 30 findings spilled, then written by the re-writer', async () => {
    const monitors = tcpMonitors(30);
    // 3 s left: the writes may take until 2.5 s, the rest is for the spill and the metrics.
    const r = await run(
      monitors,
      (call) => (isBatchWrite(call) ? dynamoFault.nothingProcessed(call) : 'forward'),
      3_000,
    );
    expect(r.error).toBeUndefined();
    expect(r.elapsedMs).toBeLessThan(3_000);
    expect(r.summary).toMatchObject({ stored: 0, spilled: 30 });
    expect(r.logger.lines.find((l) => 'FindingsSpilled' in l)).toMatchObject({ FindingsSpilled: 30 });
    expect(await expectNoLoss(r, monitors, 30)).toEqual({ storedBefore: 0, spilled: 30 });
  });

  it('the second BatchWrite throwing: 25 stored with their latest status, 5 spilled, 30 in the table after the drain', async () => {
    const monitors = tcpMonitors(30);
    const r = await run(monitors, (call) =>
      isBatchWrite(call) && JSON.stringify(call.body).includes('"m-29"')
        ? dynamoFault.throttled()
        : 'forward',
    );
    expect(r.error).toBeUndefined();
    expect(r.summary).toMatchObject({ stored: 25, spilled: 5 });
    const { latest } = await tableContents(r.plain, monitors);
    expect(latest).toHaveLength(25);
    expect(await expectNoLoss(r, monitors, 30)).toEqual({ storedBefore: 25, spilled: 5 });
  });

  it('probes using their budget, then throttled writes: the run returns before Lambda would end it, its findings spilled', async () => {
    // 1.8 s left: the probes may run until 1.44 s (a fifth kept back); each hangs on a silent server for its 1 s.
    const monitors: MonitorInput[] = Array.from({ length: 4 }, (_, i) => ({
      id: `slow-${i}`,
      interval: '1m',
      timeout: '1s',
      url: `${hung.url}/`,
    }));
    // Every write is throttled, slowly: each attempt takes 300 ms to come back.
    const r = await run(
      monitors,
      (call) =>
        isBatchWrite(call) || call.operation === 'PutItem'
          ? { ...dynamoFault.throttled(), delayMs: 300 }
          : 'forward',
      1_800,
    );
    expect(r.error).toBeUndefined();
    expect(r.elapsedMs).toBeLessThan(1_800);
    expect(r.summary).toMatchObject({ stored: 0, spilled: 4 });
    expect(r.summary?.results.map((x) => x.status)).toEqual(['down', 'down', 'down', 'down']);
    expect(await expectNoLoss(r, monitors, 4)).toEqual({ storedBefore: 0, spilled: 4 });
  });

  it('the spill queue refusing too: the invocation fails with every finding in its log line and FindingsLost counted', async () => {
    sqs.reset();
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    const monitors = tcpMonitors(3);
    const r = await run(monitors, (call) => (isBatchWrite(call) ? dynamoFault.throttled() : 'forward'));
    expect(r.error).toMatchObject({ name: 'FindingsLostError', lost: 3 });
    const lost = r.logger.lines.find((l) => l.message === 'findings lost');
    expect(lost).toMatchObject({ level: 'error', FindingsLost: 3 });
    expect((lost?.findings as Finding[] | undefined)?.map((f) => f.monitorId).sort()).toEqual([
      'm-00',
      'm-01',
      'm-02',
    ]);
    expect(sqs).toReceiveCommandTimes(SendMessageCommand, 1);
    // The metrics still went out.
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
  });
});

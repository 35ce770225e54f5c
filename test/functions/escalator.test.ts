/**
 * escalator invoked in-process with the events/ samples (DynamoDB stream batches and the 1-minute
 * tick): findings in dynalite, pages at the SNS SDK boundary, time on a ManualClock.
 */
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type EscalatorDeps, type TickSummary } from '../../functions/escalator/handler.ts';
import { itemToFinding } from '../../shared/adapters/dynamodb-store.ts';
import { keys } from '../../shared/adapters/table-design.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { runReports } from '../../shared/domain/vantage.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import type { Store } from '../../shared/ports/store.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { dynamoFault, type FaultyDynamo, startFaultyDynamo } from '../fixtures/dynamo-faults.ts';
import { mockedSnsNotifier } from '../fixtures/mocked-aws.ts';
import {
  MONITORS as VANTAGE_MONITORS,
  REGIONS as VANTAGE_REGIONS,
  RUN as VANTAGE_RUN,
  run as vantageRun,
} from '../fixtures/vantage-runs.ts';
import { captureLogger, lambdaContext, loadEvent } from './helpers.ts';

const sns = mockClient(SNSClient);
const dynalite = useDynalite('escalator');

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

const TEAMS = ['network-team', 'performance-team', 'cdn-team', 'infrastructure-team', 'database-team'];
const topic = (team: string) => `arn:aws:sns:us-east-1:123456789012:netprobe-${team}`;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];

const config = parseConfig({
  homeRegion: 'us-east-1',
  regions: REGIONS,
  monitors: [
    {
      id: 'dns-example-com',
      interval: '1m',
      timeout: '2s',
      dns: { name: 'example.com', type: 'A', server: '1.1.1.1' },
    },
    { id: 'db-primary-port', interval: '1m', timeout: '3s', tcp: { host: 'db.example.net', port: 5432 } },
  ],
});

function deps(store: Store, clock: ManualClock): EscalatorDeps {
  return {
    config,
    store,
    clock,
    notifier: mockedSnsNotifier(Object.fromEntries(TEAMS.map((team) => [team, topic(team)]))),
  };
}

/** The findings inside a stream sample, as the runner wrote them. */
function findingsOf(event: DynamoDBStreamEvent): Finding[] {
  return event.Records.map((r) => itemToFinding(unmarshall(r.dynamodb?.NewImage as never)));
}

const inserts = () => loadEvent<DynamoDBStreamEvent>('dynamodb-stream/findings-insert');
const sample = findingsOf(inserts());
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const MIN = 60_000;

/** The sample's DNS finding of `location`, `minute` minutes later, down or recovered. */
function dnsFinding(location: string, minute: number, down = true): Finding {
  const base = sample.find((f) => f.location === location) as Finding;
  const startedAt = new Date(Date.parse(base.startedAt) + minute * MIN).toISOString();
  if (down) return { ...base, startedAt };
  return {
    ...base,
    startedAt,
    status: 'up',
    timings: { dns: 11.2, total: 11.9 },
    error: null,
    layer: null,
    issueType: null,
    diagnosis: null,
    details: {
      kind: 'dns',
      name: 'example.com',
      type: 'A',
      query: {
        server: '1.1.1.1:53',
        transport: 'udp',
        rcode: 'NOERROR',
        answers: [{ name: 'example.com.', type: 'A', ttl: 300, data: '93.184.215.14' }],
      },
    },
  };
}

/** A stream record for a finding, shaped as the table's stream delivers it. */
function streamRecord(finding: Finding, sequenceNumber: string): DynamoDBRecord {
  const key = keys.finding(finding.monitorId, finding.location, finding.startedAt);
  const image = marshall({ ...key, entity: 'finding', finding }, { removeUndefinedValues: true });
  return {
    eventID: `id-${sequenceNumber}`,
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: marshall(key) as never,
      NewImage: image as never,
      SequenceNumber: sequenceNumber,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

const tick = () => loadEvent('eventbridge/escalator-tick');

function published() {
  return sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
}

describe('escalator', () => {
  it('DNS outage in 3 regions: one page to network-team at +10 min, none on redelivery, one all-clear', async () => {
    const store = await dynalite.freshStore();
    const clock = new ManualClock(new Date(T0 + 30_000));
    const handler = createHandler(deps(store, clock), { logger: captureLogger() });

    // The runners wrote the minute-0 findings; their stream batch arrives.
    await store.putFindings(sample);
    const first = (await handler(inserts(), lambdaContext())) as DynamoDBBatchResponse;
    expect(first).toEqual({ batchItemFailures: [] });
    const [open] = await store.getOpenIncidents('dns-example-com');
    expect(open).toMatchObject({ issueType: 'dns', firstSeen: '2026-03-01T12:00:00.120Z' });
    expect(published()).toEqual([]);

    const pagedAt: number[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      await store.putFindings(REGIONS.map((r) => dnsFinding(r, minute)));
      clock.set(new Date(T0 + minute * MIN + 30_000));
      const summary = (await handler(tick(), lambdaContext())) as TickSummary;
      if (summary.published.length > 0) pagedAt.push(minute);
    }
    // dns table time is 10 min: first seen 12:00:00.120, the 12:10:30 tick pages.
    expect(pagedAt).toEqual([10]);
    const [page] = published();
    expect(page).toMatchObject({
      TopicArn: topic('network-team'),
      Subject: '[high] dns-example-com: dns failure in 3 locations since 12:00Z',
      MessageAttributes: {
        team: { DataType: 'String', StringValue: 'network-team' },
        issueType: { DataType: 'String', StringValue: 'dns' },
        severity: { DataType: 'String', StringValue: 'high' },
        kind: { DataType: 'String', StringValue: 'escalate' },
      },
    });
    expect(JSON.parse(page?.Message ?? '{}')).toMatchObject({
      monitor: 'dns-example-com',
      issueType: 'dns',
      impact: 'service-wide',
      team: 'network-team',
      firstSeen: '2026-03-01T12:00:00.120Z',
      locations: { failing: [...REGIONS].sort(), healthy: [] },
      errorCodes: ['DNS_TIMEOUT'],
    });

    // The first batch delivered again (stream retry) and a duplicate tick: nothing new.
    clock.set(new Date(T0 + 10 * MIN + 40_000));
    expect(await handler(inserts(), lambdaContext())).toEqual({ batchItemFailures: [] });
    await handler(tick(), lambdaContext());
    expect(published()).toHaveLength(1);

    // Recovery everywhere: one resolution to the same team.
    await store.putFindings(REGIONS.map((r) => dnsFinding(r, 11, false)));
    clock.set(new Date(T0 + 11 * MIN + 30_000));
    await handler(tick(), lambdaContext());
    clock.set(new Date(T0 + 12 * MIN + 30_000));
    await store.putFindings(REGIONS.map((r) => dnsFinding(r, 12, false)));
    await handler(tick(), lambdaContext());
    const kinds = published().map((p) => [p.MessageAttributes?.kind?.StringValue, p.TopicArn]);
    expect(kinds).toEqual([
      ['escalate', topic('network-team')],
      ['resolve', topic('network-team')],
    ]);
    expect(await store.getOpenIncidents('dns-example-com')).toEqual([]);
  });

  it('skips what is not a finding (latest status, TTL removal, unreadable image) without failing the batch', async () => {
    const store = await dynalite.freshStore();
    const logger = captureLogger();
    const handler = createHandler(deps(store, new ManualClock(new Date(T0 + 30_000))), { logger });
    const result = await handler(loadEvent('dynamodb-stream/mixed-batch'), lambdaContext());
    expect(result).toEqual({ batchItemFailures: [] });
    const skipped = logger.lines.filter((l) => l.message === 'stream record skipped').map((l) => l.reason);
    expect(skipped).toEqual([
      'not a finding item (sk "LATEST#eu-west-1")',
      'removal (TTL expiry)',
      'item MONITOR#dns-example-com / FINDING#2026-03-01T12:00:01.157Z#us-east-1 holds no finding',
    ]);
    expect(logger.lines.find((l) => l.message === 'stream batch')).toMatchObject({
      records: 4,
      monitors: 1,
      skipped: 3,
      failed: 0,
    });
  });

  it("reports only the failing monitor's records in batchItemFailures", async () => {
    const real = await dynalite.freshStore();
    // The store fails for one monitor only (e.g. a throttled partition): its records are retried, the rest are done.
    const store = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'queryFindings') return typeof value === 'function' ? value.bind(target) : value;
        return (monitorId: string, query: unknown) => {
          if (monitorId === 'db-primary-port') {
            return Promise.reject(
              Object.assign(new Error('Throughput exceeds the current capacity'), {
                name: 'ProvisionedThroughputExceededException',
              }),
            );
          }
          return target.queryFindings(monitorId, query as never);
        };
      },
    });
    const logger = captureLogger();
    const handler = createHandler(deps(store, new ManualClock(new Date(T0 + 30_000))), { logger });
    const db: Finding = { ...dnsFinding('eu-west-1', 0), monitorId: 'db-primary-port' };
    const event: DynamoDBStreamEvent = {
      Records: [
        streamRecord(dnsFinding('eu-west-1', 0), '100'),
        streamRecord(db, '101'),
        streamRecord(dnsFinding('us-east-1', 0), '102'),
        streamRecord({ ...db, location: 'us-east-1' }, '103'),
      ],
    };
    expect(await handler(event, lambdaContext())).toEqual({
      batchItemFailures: [{ itemIdentifier: '101' }, { itemIdentifier: '103' }],
    });
    expect(
      logger.lines.find((l) => l.message === 'monitor not evaluated; its records will be retried'),
    ).toMatchObject({
      monitorId: 'db-primary-port',
      error: { name: 'ProvisionedThroughputExceededException' },
    });
  });

  it('keeps a page SNS refused and sends it on a later tick, once', async () => {
    const store = await dynalite.freshStore();
    const clock = new ManualClock(new Date(T0 + 30_000));
    const handler = createHandler(deps(store, clock), { logger: captureLogger() });
    // The outage runs its course with a tick every minute: the incident opens at once, due at +10 min.
    for (let minute = 0; minute < 10; minute++) {
      await store.putFindings(REGIONS.map((r) => dnsFinding(r, minute)));
      clock.set(new Date(T0 + minute * MIN + 30_000));
      await handler(tick(), lambdaContext());
    }
    expect(sns).not.toReceiveCommand(PublishCommand);
    sns.reset();
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    await store.putFindings(REGIONS.map((r) => dnsFinding(r, 10)));
    clock.set(new Date(T0 + 10 * MIN + 30_000));
    const refused = (await handler(tick(), lambdaContext())) as TickSummary;
    expect(refused.failed).toEqual([
      expect.objectContaining({
        kind: 'escalate',
        error: 'Rate exceeded',
      }),
    ]);
    // One send: the SDK client's own retries are below aws-sdk-client-mock (test/adapters/retry.test.ts).
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);

    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await store.putFindings(REGIONS.map((r) => dnsFinding(r, 11)));
    clock.set(new Date(T0 + 11 * MIN + 40_000));
    const retried = (await handler(tick(), lambdaContext())) as TickSummary;
    expect(retried.published.map((p) => [p.kind, p.team])).toEqual([['escalate', 'network-team']]);
    clock.set(new Date(T0 + 11 * MIN + 50_000));
    await handler(tick(), lambdaContext());
    expect(sns).toReceiveCommandTimes(PublishCommand, 1);
  });

  describe('a tick isolates each monitor: one whose store calls fail costs the others nothing', () => {
    const queriesOf = (faulty: FaultyDynamo, monitorId: string) =>
      faulty.calls.filter(
        (c) =>
          c.operation === 'Query' &&
          JSON.stringify(c.body.ExpressionAttributeValues ?? {}).includes(`MONITOR#${monitorId}`),
      );

    it("the first monitor's reads throttled on every attempt: the next monitor is still evaluated", async () => {
      const table = await dynalite.freshTable();
      const faulty = await startFaultyDynamo(dynalite.local.endpoint, (call) =>
        call.operation === 'Query' &&
        JSON.stringify(call.body.ExpressionAttributeValues ?? {}).includes('MONITOR#dns-example-com')
          ? dynamoFault.throttled()
          : 'forward',
      );
      try {
        // Both monitors failing, so the tick has both to evaluate (it reads only monitors in trouble).
        const alsoFailing = sample.map((f) => ({ ...f, monitorId: 'db-primary-port' }));
        await dynalite.storeOn(table).putFindings([...sample, ...alsoFailing]);
        const logger = captureLogger();
        const clock = new ManualClock(new Date(T0 + 30_000));
        const handler = createHandler(deps(faulty.storeOn(table), clock), { logger });
        const summary = (await handler(tick(), lambdaContext())) as TickSummary;
        expect(summary.errors).toEqual([
          {
            stage: 'reconcile',
            monitorId: 'dns-example-com',
            error: expect.stringContaining('provisioned throughput for the table was exceeded'),
          },
        ]);
        expect(queriesOf(faulty, 'db-primary-port').length).toBeGreaterThan(0);
        const metric = logger.lines.find((l) => 'EscalatorTickFailures' in l);
        expect(metric).toMatchObject({ level: 'error', EscalatorTickFailures: 1, Function: 'escalator' });
        expect(logger.lines).toContainEqual(
          expect.objectContaining({
            message: 'tick step failed; the next tick retries it',
            monitorId: 'dns-example-com',
          }),
        );
      } finally {
        await faulty.close();
      }
    });

    it('the active-incident listing failing: the failing monitors are still evaluated (the incident opens)', async () => {
      const table = await dynalite.freshTable();
      const faulty = await startFaultyDynamo(dynalite.local.endpoint, (call) =>
        call.operation === 'Query' &&
        call.body.IndexName !== undefined &&
        JSON.stringify(call.body).includes('gsi2pk')
          ? dynamoFault.internal()
          : 'forward',
      );
      try {
        const plain = dynalite.storeOn(table);
        await plain.putFindings(sample);
        const clock = new ManualClock(new Date(T0 + 30_000));
        const handler = createHandler(deps(faulty.storeOn(table), clock), { logger: captureLogger() });
        const summary = (await handler(tick(), lambdaContext())) as TickSummary;
        expect(summary.errors).toEqual([
          { stage: 'list-active', monitorId: null, error: 'Internal server error' },
        ]);
        expect(summary.transitions.map((t) => [t.kind, t.monitorId])).toEqual([
          ['opened', 'dns-example-com'],
        ]);
        expect(await plain.getOpenIncidents('dns-example-com')).toHaveLength(1);
      } finally {
        await faulty.close();
      }
    });

    it('the failing-monitor listing failing: monitors with an open incident are still evaluated', async () => {
      const table = await dynalite.freshTable();
      const faulty = await startFaultyDynamo(dynalite.local.endpoint, (call) =>
        call.operation === 'Query' && JSON.stringify(call.body).includes('gsi3pk')
          ? dynamoFault.internal()
          : 'forward',
      );
      try {
        const plain = dynalite.storeOn(table);
        await plain.putFindings(sample);
        const opening = createHandler(deps(plain, new ManualClock(new Date(T0 + 30_000))), {
          logger: captureLogger(),
        });
        await opening(tick(), lambdaContext());
        expect(await plain.getOpenIncidents('dns-example-com')).toHaveLength(1);
        // Still failing at the table time: only the active-incident listing says so this tick.
        await plain.putFindings(REGIONS.map((r) => dnsFinding(r, 10)));
        const clock = new ManualClock(new Date(T0 + 10 * MIN + 30_000));
        const handler = createHandler(deps(faulty.storeOn(table), clock), { logger: captureLogger() });
        const summary = (await handler(tick(), lambdaContext())) as TickSummary;
        expect(summary.errors).toEqual([
          { stage: 'list-failing', monitorId: null, error: 'Internal server error' },
        ]);
        expect(summary.transitions.map((t) => [t.kind, t.monitorId])).toEqual([
          ['escalated', 'dns-example-com'],
        ]);
      } finally {
        await faulty.close();
      }
    });

    it('reports zero failures on a healthy tick, so the alarm has data', async () => {
      const store = await dynalite.freshStore();
      const logger = captureLogger();
      const handler = createHandler(deps(store, new ManualClock(new Date(T0))), { logger });
      const summary = (await handler(tick(), lambdaContext())) as TickSummary;
      expect(summary.errors).toEqual([]);
      expect(logger.lines.find((l) => 'EscalatorTickFailures' in l)).toMatchObject({
        level: 'info',
        EscalatorTickFailures: 0,
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: 'Netprobe',
              Dimensions: [['Function']],
              Metrics: [{ Name: 'EscalatorTickFailures', Unit: 'Count' }],
            },
          ],
        },
      });
    });
  });

  it('refuses an event it does not know, naming what it expects', async () => {
    const store = await dynalite.freshStore();
    const handler = createHandler(deps(store, new ManualClock(new Date(T0))), { logger: captureLogger() });
    await expect(handler(loadEvent('apigw/incidents'), lambdaContext())).rejects.toThrow(
      'not a DynamoDB stream batch (Records[]) nor a scheduled event (source "aws.events"); see events/dynamodb-stream/ and events/eventbridge/escalator-tick.json',
    );
  });
});

describe('escalator: a sick probe region across containers', () => {
  const fleet = parseConfig({
    homeRegion: 'us-east-1',
    regions: VANTAGE_REGIONS,
    monitors: VANTAGE_MONITORS.map((id) => ({
      id,
      interval: '1m',
      timeout: '2s',
      tcp: { host: `${id}.example.com`, port: 443 },
    })),
  });

  it("two containers, each handed half of every run's records, send one impaired notice to the operators' topic", async () => {
    const store = await dynalite.freshStore();
    const clock = new ManualClock(new Date(VANTAGE_RUN));
    const notifier = mockedSnsNotifier(Object.fromEntries(TEAMS.map((team) => [team, topic(team)])));
    // Two deps objects: two containers, each with its own engine, on one table.
    const containers = [0, 1].map(() =>
      createHandler(
        { config: fleet, store, clock, notifier, notices: notifier },
        { logger: captureLogger() },
      ),
    );
    let sequence = 0;
    for (let m = 0; m < 9; m++) {
      clock.set(new Date(Date.parse(VANTAGE_RUN) + m * MIN));
      for (const handler of containers) await handler(tick(), lambdaContext());
      const sick = m >= 2 ? VANTAGE_MONITORS.map((id) => ['ap-southeast-1', id] as [string, string]) : [];
      const findings = vantageRun(sick, VANTAGE_MONITORS, VANTAGE_REGIONS, m);
      clock.set(new Date(Date.parse(VANTAGE_RUN) + m * MIN + 2_000));
      // What the runners do: store the findings, then record each region's report of the run.
      await store.putFindings(findings);
      for (const report of runReports(findings, () => 'shard-0')) await store.recordRunReport(report);
      for (const [k, handler] of containers.entries()) {
        const mine = findings.filter((f) => VANTAGE_MONITORS.indexOf(f.monitorId) % 2 === k);
        const event = { Records: mine.map((f) => streamRecord(f, String(++sequence))) };
        expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] });
      }
    }
    expect(published()).toEqual([
      expect.objectContaining({
        TopicArn: topic('infrastructure-team'),
        MessageAttributes: expect.objectContaining({
          kind: { DataType: 'String', StringValue: 'impaired' },
          location: { DataType: 'String', StringValue: 'ap-southeast-1' },
          dedupKey: {
            DataType: 'String',
            StringValue: `ap-southeast-1:impaired:${new Date(Date.parse(VANTAGE_RUN) + 2 * MIN).toISOString()}`,
          },
        }),
      }),
    ]);
  }, 120_000);
});

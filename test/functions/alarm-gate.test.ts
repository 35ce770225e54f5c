/**
 * alarm-gate at the SDK boundary (exact SNS Publish and CloudWatch DescribeAlarms requests), with the
 * config's real maintenance windows, silences in a real store, and the ledger in memory (the
 * DynamoDB ledger's contract, on dynalite, is in test/adapters/alarm-ledger.test.ts; one whole path
 * on dynalite below): an alarm that pages a team reaches it only outside maintenance windows and
 * silences, pages once when its window ends while still in ALARM, and anything else is logged and
 * never relayed.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { type AlarmGateHandlerDeps, createHandler } from '../../functions/alarm-gate/handler.ts';
import { CloudWatchAlarmStates } from '../../shared/adapters/cloudwatch-alarm-states.ts';
import { DynamoDbAlarmLedger } from '../../shared/adapters/dynamodb-alarm-ledger.ts';
import { MemoryAlarmLedger } from '../../shared/adapters/memory-alarm-ledger.ts';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { SnsAlarmRelay } from '../../shared/adapters/sns-alarm-relay.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { AlarmGate } from '../../shared/engine/alarm-gate.ts';
import type { AlarmLedger } from '../../shared/ports/alarm-gate.ts';
import { ManualClock } from '../../shared/ports/clock.ts';
import type { Store } from '../../shared/ports/store.ts';
import { useDynalite } from '../fixtures/dynalite.ts';
import { captureLogger, lambdaContext, loadEvent } from './helpers.ts';

const sns = mockClient(SNSClient);
const cloudwatch = mockClient(CloudWatchClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'relayed-1' });
  cloudwatch.reset();
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
});

const INFRA_TOPIC = 'arn:aws:sns:us-east-1:123456789012:netprobe-infrastructure-team';
const TOPIC_ARNS = {
  'infrastructure-team': INFRA_TOPIC,
  'network-team': 'arn:aws:sns:us-east-1:123456789012:netprobe-network-team',
};

/** `web` pages its team (plain HTTP: connectivity, infrastructure-team); `api` does not. */
const CONFIG_INPUT = {
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
  maintenance: [
    {
      monitors: ['web'],
      from: '2026-03-01T12:00:00Z',
      to: '2026-03-01T13:00:00Z',
      reason: 'database upgrade',
    },
  ],
  monitors: [
    {
      id: 'web',
      url: 'http://www.example.com/',
      interval: '1m',
      alarmsPage: true,
      thresholds: { total: '2s' },
    },
    { id: 'api', url: 'https://api.example.com/', interval: '1m' },
  ],
};
const config = parseConfig(CONFIG_INPUT, 'test config');

const SAMPLE = loadEvent<SNSEvent>('sns/alarm-gate-alarm');
const SAMPLE_RECORD = SAMPLE.Records[0] as SNSEvent['Records'][number];
const ALARM = JSON.parse(SAMPLE_RECORD.Sns.Message) as Record<string, unknown>;

/** The gate topic's event for a CloudWatch notification: the sample's, with fields replaced. */
function notification(fields: Record<string, unknown>, subject = SAMPLE_RECORD.Sns.Subject): SNSEvent {
  return {
    Records: [
      {
        ...SAMPLE_RECORD,
        Sns: { ...SAMPLE_RECORD.Sns, Subject: subject, Message: JSON.stringify({ ...ALARM, ...fields }) },
      },
    ],
  };
}
const rawNotification = (message: string): SNSEvent => ({
  Records: [{ ...SAMPLE_RECORD, Sns: { ...SAMPLE_RECORD.Sns, Message: message } }],
});
const alarmAt = (time: string) => notification({ StateChangeTime: time });
const okAt = (time: string) =>
  notification(
    { NewStateValue: 'OK', OldStateValue: 'ALARM', StateChangeTime: time },
    'OK: "netprobe-web-availability" in US East (N. Virginia)',
  );
const TICK = loadEvent('eventbridge/alarm-gate-tick');

interface Rig {
  clock: ManualClock;
  store: Store;
  ledger: AlarmLedger;
  logger: ReturnType<typeof captureLogger>;
  run(event: unknown): Promise<unknown>;
}

function rig(options: { at: string; store?: Store; ledger?: AlarmLedger }): Rig {
  const clock = new ManualClock(new Date(options.at));
  const store = options.store ?? new MemoryStore();
  const ledger = options.ledger ?? new MemoryAlarmLedger();
  const logger = captureLogger();
  const deps: AlarmGateHandlerDeps = {
    gate: new AlarmGate({
      config,
      store,
      ledger,
      relay: new SnsAlarmRelay({ client: new SNSClient({ region: 'us-east-1' }), topicArns: TOPIC_ARNS }),
      states: new CloudWatchAlarmStates(new CloudWatchClient({ region: 'us-east-1' })),
      clock,
    }),
    namespace: 'Netprobe',
  };
  const handler = createHandler(deps, { logger });
  return { clock, store, ledger, logger, run: (event) => handler(event, lambdaContext()) };
}

const published = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

/** The exact Publish of a relayed notification: the message CloudWatch sent, unchanged. */
function relayOf(event: SNSEvent, state: string, time: string) {
  const record = event.Records[0] as SNSEvent['Records'][number];
  return {
    TopicArn: INFRA_TOPIC,
    Subject: record.Sns.Subject,
    Message: record.Sns.Message,
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: 'alarm' },
      team: { DataType: 'String', StringValue: 'infrastructure-team' },
      monitor: { DataType: 'String', StringValue: 'web' },
      alarmState: { DataType: 'String', StringValue: state },
      dedupKey: { DataType: 'String', StringValue: `netprobe-web-availability:${state}:${time}` },
    },
  };
}

const heldCounts = (logger: Rig['logger']) =>
  logger.lines.filter((line) => 'AlarmsHeld' in line).map((line) => line.AlarmsHeld);

describe('alarm-gate: outside any window', () => {
  it('relays the ALARM and its OK to the team topic, the message exactly as CloudWatch wrote it', async () => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    const alarm = alarmAt('2026-03-01T11:05:00.000+0000');
    const ok = okAt('2026-03-01T11:30:00.000+0000');
    await gate.run(alarm);
    gate.clock.set(new Date('2026-03-01T11:30:01Z'));
    await gate.run(ok);
    expect(published()).toEqual([
      relayOf(alarm, 'ALARM', '2026-03-01T11:05:00.000+0000'),
      relayOf(ok, 'OK', '2026-03-01T11:30:00.000+0000'),
    ]);
    expect(heldCounts(gate.logger)).toEqual([0, 0]);
    expect(await gate.ledger.get('netprobe-web-availability')).toBeNull();
  });

  it('relays a latency alarm of the same monitor to the same team', async () => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    await gate.run(
      notification({
        AlarmName: 'netprobe-web-latency-total',
        StateChangeTime: '2026-03-01T11:05:00.000+0000',
      }),
    );
    expect(published()).toHaveLength(1);
    expect(published()[0]?.MessageAttributes?.dedupKey?.StringValue).toBe(
      'netprobe-web-latency-total:ALARM:2026-03-01T11:05:00.000+0000',
    );
  });

  it('relays a redelivered ALARM once', async () => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    const alarm = alarmAt('2026-03-01T11:05:00.000+0000');
    await gate.run(alarm);
    await gate.run(alarm);
    expect(published()).toHaveLength(1);
  });

  it('ignores an ALARM older than the one on record (SNS may reorder)', async () => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    await gate.run(alarmAt('2026-03-01T11:05:00.000+0000'));
    const late = await gate.run(alarmAt('2026-03-01T10:50:00.000+0000'));
    expect(late).toEqual({
      trigger: 'notifications',
      outcomes: [
        {
          action: 'ignored',
          reason: 'netprobe-web-availability: older than the ALARM of 2026-03-01T11:05:00.000+0000 on record',
        },
      ],
    });
    expect(published()).toHaveLength(1);
  });

  it('fails the invocation when SNS refuses the relay, so Lambda retries it, and the retry relays', async () => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    const alarm = alarmAt('2026-03-01T11:05:00.000+0000');
    await expect(gate.run(alarm)).rejects.toThrow('KMS key disabled');
    expect(await gate.ledger.get('netprobe-web-availability')).toBeNull();
    await gate.run(alarm);
    expect(published()).toEqual([
      relayOf(alarm, 'ALARM', '2026-03-01T11:05:00.000+0000'),
      relayOf(alarm, 'ALARM', '2026-03-01T11:05:00.000+0000'),
    ]);
  });
});

describe('alarm-gate: during a maintenance window (config) or a silence (POST /silences, in the store)', () => {
  it('holds the ALARM (counted in AlarmsHeld) and drops its OK inside the window: nobody is paged', async () => {
    const gate = rig({ at: '2026-03-01T12:05:01Z' });
    await gate.run(alarmAt('2026-03-01T12:05:00.000+0000'));
    gate.clock.set(new Date('2026-03-01T12:40:01Z'));
    await gate.run(okAt('2026-03-01T12:40:00.000+0000'));
    expect(published()).toEqual([]);
    expect(heldCounts(gate.logger)).toEqual([1, 0]);
    expect(gate.logger.messages()).toContain('alarm notification dropped');
    expect(await gate.ledger.get('netprobe-web-availability')).toBeNull();
  });

  it('pages a held ALARM once, at the first tick after the window ends, if CloudWatch still reports it in ALARM', async () => {
    const gate = rig({ at: '2026-03-01T12:05:01Z' });
    const alarm = alarmAt('2026-03-01T12:05:00.000+0000');
    await gate.run(alarm);
    // Inside the window the tick asks CloudWatch nothing.
    gate.clock.set(new Date('2026-03-01T12:59:30Z'));
    expect(await gate.run(TICK)).toEqual({ trigger: 'tick', held: 1, released: [], cleared: [] });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);

    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'netprobe-web-availability', StateValue: 'ALARM' }],
    });
    gate.clock.set(new Date('2026-03-01T13:00:20Z'));
    expect(await gate.run(TICK)).toEqual({
      trigger: 'tick',
      held: 1,
      released: ['netprobe-web-availability'],
      cleared: [],
    });
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['netprobe-web-availability'],
      AlarmTypes: ['MetricAlarm'],
      StateValue: 'ALARM',
      MaxRecords: 100,
    });
    gate.clock.set(new Date('2026-03-01T13:01:20Z'));
    await gate.run(TICK);
    expect(published()).toEqual([relayOf(alarm, 'ALARM', '2026-03-01T12:05:00.000+0000')]);

    // Paged now: its OK goes to the team too.
    const ok = okAt('2026-03-01T13:20:00.000+0000');
    gate.clock.set(new Date('2026-03-01T13:20:01Z'));
    await gate.run(ok);
    expect(published()).toEqual([
      relayOf(alarm, 'ALARM', '2026-03-01T12:05:00.000+0000'),
      relayOf(ok, 'OK', '2026-03-01T13:20:00.000+0000'),
    ]);
  });

  it('holds again a released ALARM whose publish SNS refused, and pages it at the next tick', async () => {
    const gate = rig({ at: '2026-03-01T12:05:01Z' });
    await gate.run(alarmAt('2026-03-01T12:05:00.000+0000'));
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'netprobe-web-availability', StateValue: 'ALARM' }],
    });
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));
    gate.clock.set(new Date('2026-03-01T13:00:20Z'));
    expect(await gate.run(TICK)).toMatchObject({ held: 1, released: [] });
    expect(gate.logger.lines).toContainEqual(
      expect.objectContaining({ message: 'alarm gate step failed; it failed safe', step: 'relay' }),
    );
    expect((await gate.ledger.get('netprobe-web-availability'))?.status).toBe('held');
    gate.clock.set(new Date('2026-03-01T13:01:20Z'));
    expect(await gate.run(TICK)).toMatchObject({ held: 1, released: ['netprobe-web-availability'] });
    expect(published()).toHaveLength(2);
    expect(published()[1]?.MessageAttributes?.alarmState?.StringValue).toBe('ALARM');
  });

  it('forgets a held ALARM that CloudWatch no longer reports in ALARM when the window ends', async () => {
    const gate = rig({ at: '2026-03-01T12:05:01Z' });
    await gate.run(alarmAt('2026-03-01T12:05:00.000+0000'));
    gate.clock.set(new Date('2026-03-01T13:00:20Z'));
    expect(await gate.run(TICK)).toEqual({
      trigger: 'tick',
      held: 1,
      released: [],
      cleared: ['netprobe-web-availability'],
    });
    expect(published()).toEqual([]);
    expect(await gate.ledger.listHeld()).toEqual([]);
  });

  it('forgets, without paging, a held alarm the config no longer pages with (alarmsPage turned off)', async () => {
    const gate = rig({ at: '2026-03-01T12:05:01Z' });
    await gate.run(alarmAt('2026-03-01T12:05:00.000+0000'));
    // The next deployment: web no longer pages; its held entry is still in the ledger.
    const quiet = parseConfig(
      { ...CONFIG_INPUT, monitors: CONFIG_INPUT.monitors.map((m) => ({ ...m, alarmsPage: false })) },
      'test config',
    );
    const redeployed = createHandler(
      {
        gate: new AlarmGate({
          config: quiet,
          store: gate.store,
          ledger: gate.ledger,
          relay: new SnsAlarmRelay({ client: new SNSClient({ region: 'us-east-1' }), topicArns: TOPIC_ARNS }),
          states: new CloudWatchAlarmStates(new CloudWatchClient({ region: 'us-east-1' })),
          clock: new ManualClock(new Date('2026-03-01T13:00:20Z')),
        }),
        namespace: 'Netprobe',
      },
      { logger: captureLogger() },
    );
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'netprobe-web-availability', StateValue: 'ALARM' }],
    });
    expect(await redeployed(TICK, lambdaContext())).toEqual({
      trigger: 'tick',
      held: 1,
      released: [],
      cleared: ['netprobe-web-availability'],
    });
    expect(published()).toEqual([]);
    expect(await gate.ledger.get('netprobe-web-availability')).toBeNull();
  });

  it('holds during a stored silence, as during a config window, and pages once it is deleted', async () => {
    const store = new MemoryStore();
    await store.putSilence({
      id: 'sil-1',
      monitors: ['web'],
      from: '2026-03-01T14:00:00Z',
      to: '2026-03-01T16:00:00Z',
      reason: 'migration',
      createdBy: 'arn:aws:iam::123456789012:user/ops',
    });
    const gate = rig({ at: '2026-03-01T14:10:01Z', store });
    await gate.run(alarmAt('2026-03-01T14:10:00.000+0000'));
    expect(published()).toEqual([]);
    expect(heldCounts(gate.logger)).toEqual([1]);

    await store.deleteSilence('sil-1');
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'netprobe-web-availability', StateValue: 'ALARM' }],
    });
    gate.clock.set(new Date('2026-03-01T14:20:00Z'));
    await gate.run(TICK);
    expect(published().map((input) => input.MessageAttributes?.alarmState?.StringValue)).toEqual(['ALARM']);
  });

  it('relays the OK inside a window of an ALARM paged before it', async () => {
    const gate = rig({ at: '2026-03-01T11:50:01Z' });
    await gate.run(alarmAt('2026-03-01T11:50:00.000+0000'));
    gate.clock.set(new Date('2026-03-01T12:10:01Z'));
    const ok = okAt('2026-03-01T12:10:00.000+0000');
    await gate.run(ok);
    expect(published()).toHaveLength(2);
    expect(published()[1]).toEqual(relayOf(ok, 'OK', '2026-03-01T12:10:00.000+0000'));
  });

  it('pages rather than holds when the silences cannot be read', async () => {
    const store = new MemoryStore();
    store.listSilences = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const gate = rig({ at: '2026-03-01T14:10:01Z', store });
    await gate.run(alarmAt('2026-03-01T14:10:00.000+0000'));
    expect(published()).toHaveLength(1);
    expect(gate.logger.lines).toContainEqual(
      expect.objectContaining({ message: 'alarm gate step failed; it failed safe', step: 'list-silences' }),
    );
  });

  it('pages at once an ALARM whose hold the ledger cannot record (nobody could release it later)', async () => {
    const ledger = new MemoryAlarmLedger();
    ledger.put = async () => {
      throw new Error('table unreachable');
    };
    const gate = rig({ at: '2026-03-01T12:05:01Z', ledger });
    await gate.run(alarmAt('2026-03-01T12:05:00.000+0000'));
    expect(published()).toHaveLength(1);
  });
});

describe('alarm-gate: what it never relays', () => {
  it.each([
    ['not JSON', rawNotification('ALARM!'), 'not JSON'],
    [
      'an escalator page',
      rawNotification(
        JSON.stringify({
          kind: 'escalate',
          incidentId: 'i',
          dedupKey: 'i:escalate',
          subject: 's',
          monitor: 'web',
          severity: 'high',
        }),
      ),
      'an escalator page, not an alarm notification',
    ],
    [
      'a certificate alarm',
      notification({ AlarmName: 'netprobe-web-certificate' }),
      'netprobe-web-certificate is not an availability or latency alarm of a monitor with alarmsPage: true',
    ],
    [
      'an alarm of a monitor without alarmsPage',
      notification({ AlarmName: 'netprobe-api-availability' }),
      'netprobe-api-availability is not an availability or latency alarm of a monitor with alarmsPage: true',
    ],
    [
      'an alarm without StateChangeTime',
      notification({ StateChangeTime: undefined }),
      'alarm netprobe-web-availability: no readable StateChangeTime',
    ],
    [
      'an unknown state',
      notification({ NewStateValue: 'PANIC' }),
      'neither a netprobe page nor a CloudWatch alarm notification',
    ],
  ])('%s: logged with its reason, not relayed, the invocation succeeds', async (_what, event, reason) => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    expect(await gate.run(event)).toEqual({
      trigger: 'notifications',
      outcomes: [{ action: 'ignored', reason }],
    });
    expect(published()).toEqual([]);
    expect(gate.logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'alarm notification ignored', reason }),
    );
  });

  it('ignores an event that is neither SNS nor a schedule', async () => {
    const gate = rig({ at: '2026-03-01T11:05:01Z' });
    expect(await gate.run({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] })).toMatchObject({
      trigger: 'unknown',
    });
    expect(published()).toEqual([]);
  });
});

describe('alarm-gate on dynalite', () => {
  const dynalite = useDynalite('alarm-gate');

  it('holds during a stored silence and pages once after it, the ledger and the silences in the table', async () => {
    const tableName = await dynalite.freshTable();
    const store = dynalite.storeOn(tableName);
    const ledger = new DynamoDbAlarmLedger({ client: dynalite.local.doc, tableName });
    await store.putSilence({
      id: 'sil-2',
      monitors: '*',
      from: '2026-03-01T14:00:00Z',
      to: '2026-03-01T15:00:00Z',
      reason: 'network change',
      createdBy: 'arn:aws:iam::123456789012:user/ops',
    });
    const gate = rig({ at: '2026-03-01T14:10:01Z', store, ledger });
    const alarm = alarmAt('2026-03-01T14:10:00.000+0000');
    await gate.run(alarm);
    expect(published()).toEqual([]);
    expect((await ledger.listHeld()).map((entry) => entry.alarmName)).toEqual(['netprobe-web-availability']);

    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'netprobe-web-availability', StateValue: 'ALARM' }],
    });
    gate.clock.set(new Date('2026-03-01T15:00:30Z'));
    await gate.run(TICK);
    await gate.run(TICK);
    expect(published()).toEqual([relayOf(alarm, 'ALARM', '2026-03-01T14:10:00.000+0000')]);
    expect(await ledger.listHeld()).toEqual([]);
  });
});

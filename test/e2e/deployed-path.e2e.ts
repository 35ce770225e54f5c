/**
 * `npm run e2e`: what is deployed, run end to end on loopback. `cdk synth` of a loopback config
 * (targets on 127.0.0.1, table time 0, one region), then the bundles from cdk.out in fresh Node 24
 * processes as the nodejs24.x runtime loads them (lambda-sandbox.ts): handler, environment and
 * timeout from the synthesized template, the AWS SDK only as the runtime provides it, DynamoDB at
 * dynalite, SNS, CloudWatch, Secrets Manager, PagerDuty and a webhook receiver at loopback servers
 * that answer like the services and record each request.
 *
 * One whole path: the schedule's event → the runner → findings in dynalite → the escalator fed the
 * stream records those writes make (NEW_IMAGE, through the template's filter, in batches, one batch
 * redelivered), and its minute tick → the SNS Publish requests → exactly one page and one resolve → the forwarders
 * subscribed to the topic → PagerDuty's trigger and resolve and the signed webhook. Then each kind
 * of deployment mistake the run exists to catch, made on purpose, is seen to fail it.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, type LocalDynamo, startLocalDynamo } from '../../shared/adapters/local-dynamo.ts';
import { startHttpServer, type TestServer } from '../fixtures/http-servers.ts';
import { type LoopbackPagerDuty, startLoopbackPagerDuty } from '../fixtures/loopback-pagerduty.ts';
import { type LoopbackSns, startLoopbackSns } from '../fixtures/loopback-sns.ts';
import { snsEvent } from '../fixtures/sns-events.ts';
import {
  type LoopbackLambda,
  type LoopbackService,
  operationOf,
  startLoopbackCatchAll,
  startLoopbackCloudWatch,
  startLoopbackLambda,
  startLoopbackSecretsManager,
} from './aws-loopback.ts';
import {
  type Assembly,
  type FunctionSpec,
  LOOPBACK_ACCOUNT,
  readAssembly,
  scheduledEvent,
} from './cloud-assembly.ts';
import { createSandbox, type Invocation, type Sandbox } from './lambda-sandbox.ts';
import { batchesFor, scanAll, streamRecords } from './stream-records.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REGION = 'us-east-1';
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const WEBHOOK_SECRET = 'whsec-e2e-loopback';
const SECRETS = { 'netprobe/e2e/pagerduty': ROUTING_KEY, 'netprobe/e2e/webhook': WEBHOOK_SECRET };
const INFRA_TOPIC = `arn:aws:sns:${REGION}:${LOOPBACK_ACCOUNT}:netprobe-infrastructure-team`;
const CHAT_TOPIC = `${INFRA_TOPIC}-chat`;
const GATE_TOPIC = `arn:aws:sns:${REGION}:${LOOPBACK_ACCOUNT}:netprobe-alarm-gate`;

/** A loopback port nothing listens on (yet): the target that is down until the test opens it. */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function loopbackConfig(ports: { down: number; up: number; pagerduty: string; webhook: string }) {
  return {
    homeRegion: REGION,
    regions: [REGION],
    confirmation: { minLocations: 1, consecutiveRuns: 1 },
    // Short table times: the page goes out at the first evaluation that confirms the failure.
    escalation: { connectivity: { escalateAfterMinutes: 0 } },
    subscriptions: {
      'infrastructure-team': [
        { protocol: 'pagerduty', routingKeySecret: 'netprobe/e2e/pagerduty', eventsUrl: ports.pagerduty },
        { protocol: 'webhook', url: ports.webhook, secretName: 'netprobe/e2e/webhook' },
        { protocol: 'slack', workspaceId: 'T0E2E0001', channelId: 'C0E2E0001' },
      ],
    },
    lambda: { probeRunner: { timeoutSeconds: 20 }, escalator: { timeoutSeconds: 20 } },
    monitors: [
      { id: 'e2e-db-port', interval: '1m', timeout: '2s', tcp: { host: '127.0.0.1', port: ports.down } },
      // Its alarms page its team (infrastructure-team) through the alarm gate.
      {
        id: 'e2e-web',
        interval: '1m',
        timeout: '2s',
        url: `http://127.0.0.1:${ports.up}/health`,
        alarmsPage: true,
      },
    ],
  };
}

function synth(configFile: string, outdir: string): Promise<void> {
  const cdk = join(REPO, 'node_modules', '.bin', 'cdk');
  const child = spawn(cdk, ['synth', '--quiet', '-c', `netprobe:config=${configFile}`, '-o', outdir], {
    cwd: REPO,
    // `node infra/app.ts` (cdk.json) must be this Node 24, not the machine's.
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      CDK_DISABLE_CLI_TELEMETRY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`cdk synth exited ${code}:\n${output}`)),
    ),
  );
}

/** The table as the template defines it (not as the code thinks it is). */
function createTableFrom(properties: Record<string, unknown>): CreateTableCommandInput {
  const indexes = properties.GlobalSecondaryIndexes as {
    IndexName: string;
    KeySchema: unknown;
    Projection: unknown;
  }[];
  return {
    TableName: String(properties.TableName),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    ...(indexes?.length
      ? {
          GlobalSecondaryIndexes: indexes.map((i) => ({
            IndexName: i.IndexName,
            KeySchema: i.KeySchema,
            Projection: i.Projection,
          })) as CreateTableCommandInput['GlobalSecondaryIndexes'],
        }
      : {}),
  };
}

interface World {
  root: string;
  assembly: Assembly;
  sandbox: Sandbox;
  dynamo: LocalDynamo;
  sns: LoopbackSns;
  cloudwatch: LoopbackService;
  secrets: LoopbackService;
  /** Lambda's Invoke API: the probe-dispatcher's asynchronous shard invocations. */
  lambda: LoopbackLambda;
  /** Any other AWS service: nothing should call one on this path. */
  elsewhere: LoopbackService;
  pagerduty: LoopbackPagerDuty;
  webhook: TestServer;
  web: TestServer;
  downPort: number;
  tableName: string;
  keyNames: string[];
  invocations: { fn: string; ms: number }[];
  synthMs: number;
}

let world: World;
const opened: net.Server[] = [];
const root = mkdtempSync(join(tmpdir(), 'netprobe-e2e-'));

beforeAll(async () => {
  const pagerduty = await startLoopbackPagerDuty();
  const webhook = await startHttpServer((_req, res) => res.writeHead(204).end());
  const web = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
  );
  const downPort = await freePort();
  const configFile = join(root, 'loopback.config.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      loopbackConfig({
        down: downPort,
        up: web.port,
        pagerduty: pagerduty.eventsUrl,
        webhook: `${webhook.origin}/netprobe`,
      }),
      null,
      2,
    ),
  );
  const started = Date.now();
  await synth(configFile, join(root, 'cdk.out'));
  const synthMs = Date.now() - started;
  const assembly = readAssembly(join(root, 'cdk.out'));

  const dynamo = await startLocalDynamo();
  const [table] = assembly.tables;
  if (!table) throw new Error('no DynamoDB table in the templates');
  await createTable(dynamo.client, createTableFrom(table.properties));
  const sns = await startLoopbackSns(undefined, { topicArns: assembly.topicArns });
  const cloudwatch = await startLoopbackCloudWatch();
  const secrets = await startLoopbackSecretsManager(SECRETS);
  const lambda = await startLoopbackLambda();
  const elsewhere = await startLoopbackCatchAll();
  const sandbox = createSandbox(root, {
    AWS_ENDPOINT_URL: elsewhere.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
  });
  world = {
    root,
    assembly,
    sandbox,
    dynamo,
    sns,
    cloudwatch,
    secrets,
    lambda,
    elsewhere,
    pagerduty,
    webhook,
    web,
    downPort,
    tableName: table.name,
    keyNames: (table.properties.KeySchema as { AttributeName: string }[]).map((k) => k.AttributeName),
    invocations: [],
    synthMs,
  };
}, 300_000);

afterAll(async () => {
  for (const server of opened) server.close();
  await Promise.all([
    world?.dynamo.close(),
    world?.sns.close(),
    world?.cloudwatch.close(),
    world?.secrets.close(),
    world?.lambda.close(),
    world?.elsewhere.close(),
    world?.pagerduty.close(),
    world?.webhook.close(),
    world?.web.close(),
  ]);
  if (world) {
    const ms = world.invocations.map((i) => `${i.fn} ${i.ms} ms`).join(', ');
    console.log(`e2e: synth ${world.synthMs} ms; ${world.invocations.length} invocations: ${ms}`);
  }
  rmSync(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------- the steps, as deployed

function fn(name: string): FunctionSpec {
  const found = world.assembly.functions.find((f) => f.name === name);
  if (!found)
    throw new Error(`no function ${name} in the templates (${world.assembly.functions.map((f) => f.name)})`);
  return found;
}

async function invoke(spec: FunctionSpec, event: unknown): Promise<Invocation> {
  const outcome = await world.sandbox.invoke(spec, event);
  world.invocations.push({ fn: spec.name, ms: outcome.ms });
  return outcome;
}

function succeeded(outcome: Invocation): unknown {
  if (!outcome.ok) {
    throw new Error(`${outcome.errorType}: ${outcome.errorMessage}\n${outcome.logs.slice(-20).join('\n')}`);
  }
  return outcome.result;
}

const scan = () => scanAll(world.dynamo.client, world.tableName);
const tableArn = () => `arn:aws:dynamodb:${REGION}:${LOOPBACK_ACCOUNT}:table/${world.tableName}`;

/**
 * The function a probe schedule targets (the runner, or whatever the probe stack schedules): not one
 * the stream feeds (the escalator) nor one a topic feeds (the alarm gate), which have ticks too.
 */
function scheduledProbeFunction(): { spec: FunctionSpec; target: Assembly['schedules'][number] } {
  const ticking = new Set([
    ...world.assembly.streamMappings.map((m) => m.functionName),
    ...[...world.assembly.lambdaSubscribers.values()].flat(),
  ]);
  const target = world.assembly.schedules.find((s) => !ticking.has(s.functionName));
  if (!target) throw new Error('no schedule targets a probe function');
  return { spec: fn(target.functionName), target };
}

/** The function that probes and writes findings: the one the dispatcher's shards invoke, else the scheduled one. */
function probeRunner(): FunctionSpec {
  const scheduled = scheduledProbeFunction().spec;
  const runner = scheduled.environment.RUNNER_FUNCTION;
  return runner ? fn(runner.split(':function:').at(-1) ?? runner) : scheduled;
}

/**
 * The probe function, as its schedule invokes it, then every asynchronous invocation it made (the
 * dispatcher's shards, each run by the function it names, as Lambda would); returns the stream records
 * their writes make. Fails unless findings reached the template's table. `changed` (a deployment
 * mistake made on purpose) stands in for the function of its name wherever the run invokes it.
 */
async function runScheduledRun(changed?: FunctionSpec): Promise<DynamoDBRecord[]> {
  const { spec, target } = scheduledProbeFunction();
  const as = (f: FunctionSpec) => (changed?.name === f.name ? changed : f);
  const before = await scan();
  succeeded(await invoke(as(spec), scheduledEvent(target, REGION, new Date())));
  for (const shard of world.lambda.take()) succeeded(await invoke(as(fn(shard.functionName)), shard.payload));
  const records = streamRecords(before, await scan(), world.keyNames, tableArn(), REGION);
  const findings = records.filter((r) => String(r.dynamodb?.Keys?.sk?.S).startsWith('FINDING#'));
  if (findings.length === 0) throw new Error('the run stored no finding in the table: 0 reached the table');
  return records;
}

/**
 * The escalator fed those records as its event source mapping would: through the template's filter,
 * in two batches within its batch size, then the first batch again (a redelivery). Returns what the
 * escalator's own writes would put on the stream (the filter must admit none of it).
 */
async function deliverStream(records: DynamoDBRecord[], escalator = fn('netprobe-escalator')) {
  const mapping = world.assembly.streamMappings.find((m) => m.functionName === escalator.name);
  if (!mapping) throw new Error('no event source mapping feeds the escalator');
  const { admitted } = batchesFor(records, mapping.filters, mapping.batchSize);
  const half = Math.max(1, Math.ceil(admitted.length / 2));
  const { batches } = batchesFor(admitted, [], Math.min(mapping.batchSize, half));
  const before = await scan();
  for (const batch of [...batches, batches[0] ?? []]) {
    const response = succeeded(await invoke(escalator, { Records: batch })) as {
      batchItemFailures: unknown[];
    };
    expect(response.batchItemFailures).toEqual([]);
  }
  const own = streamRecords(before, await scan(), world.keyNames, tableArn(), REGION);
  return { admitted, batches, ownAdmitted: batchesFor(own, mapping.filters, mapping.batchSize).admitted };
}

/** Each publish handed to every function the template subscribes to its topic. */
async function fanOut(publishes: LoopbackSns['publishes']) {
  for (const [i, publish] of publishes.entries()) {
    for (const subscriber of world.assembly.lambdaSubscribers.get(publish.TopicArn) ?? []) {
      succeeded(
        await invoke(fn(subscriber), snsEvent(publish.TopicArn, publish.Message, `e2e-message-${i}`)),
      );
    }
  }
}

const published = (topicArn: string) => world.sns.publishes.filter((p) => p.TopicArn === topicArn);
const message = (i: number, topicArn = INFRA_TOPIC) => JSON.parse(published(topicArn)[i]?.Message ?? '{}');

// ---------------------------------------------------------------- the path

describe('the deployed path, on loopback', () => {
  it('schedule → runner → dynalite → stream → escalator → SNS → PagerDuty and webhook: one page, one resolve', async () => {
    // 1. The target is down: the runner's findings reach the table, and the escalator pages once.
    const down = await runScheduledRun();
    expect(world.cloudwatch.requests.map(operationOf)).toContain('PutMetricData');
    const first = await deliverStream(down);
    expect(first.admitted.map((r) => r.dynamodb?.Keys?.sk?.S?.split('#')[0])).toEqual(
      first.admitted.map(() => 'FINDING'),
    );
    expect(first.admitted.length).toBeGreaterThanOrEqual(2);
    expect(first.batches.length).toBe(2);
    expect(first.ownAdmitted).toEqual([]);
    expect(world.sns.publishes).toHaveLength(1);
    const page = message(0);
    expect(published(INFRA_TOPIC)[0]).toMatchObject({
      TopicArn: INFRA_TOPIC,
      Subject: expect.stringMatching(
        /^\[critical\] e2e-db-port: connectivity failure in us-east-1 since \d\d:\d\dZ$/,
      ),
      MessageAttributes: {
        team: 'infrastructure-team',
        issueType: 'connectivity',
        severity: 'critical',
        kind: 'escalate',
        dedupKey: `${page.incidentId}:escalate`,
      },
    });
    expect(page).toMatchObject({
      kind: 'escalate',
      monitor: 'e2e-db-port',
      dedupKey: `${page.incidentId}:escalate`,
      errorCodes: ['TCP_REFUSED'],
      locations: { failing: [REGION], healthy: [] },
    });

    // The escalator's minute tick, as its schedule invokes it, finds nothing more to send.
    const escalator = fn('netprobe-escalator');
    const tick = world.assembly.schedules.find((t) => t.functionName === escalator.name);
    if (!tick) throw new Error('no schedule targets the escalator');
    const ticked = succeeded(await invoke(escalator, scheduledEvent(tick, REGION, new Date()))) as {
      published: unknown[];
    };
    expect(ticked.published).toEqual([]);
    expect(world.sns.publishes).toHaveLength(1);

    // 2. The target answers again: one resolve for the same incident, nothing for the healthy monitor.
    const listener = net.createServer((socket) => socket.end()).listen(world.downPort, '127.0.0.1');
    opened.push(listener);
    await new Promise((resolve) => listener.once('listening', resolve));
    const second = await deliverStream(await runScheduledRun());
    expect(second.ownAdmitted).toEqual([]);
    expect(world.sns.publishes).toHaveLength(2);
    expect(message(1)).toMatchObject({
      kind: 'resolve',
      reason: 'recovered',
      incidentId: page.incidentId,
      dedupKey: `${page.incidentId}:resolve`,
    });
    expect(world.sns.publishes.map((p) => p.TopicArn)).toEqual([INFRA_TOPIC, INFRA_TOPIC]);

    // 3. The forwarders the template subscribes to that topic: PagerDuty, the webhook, the chat forwarder.
    expect(world.assembly.lambdaSubscribers.get(INFRA_TOPIC)).toHaveLength(3);
    const pages = published(INFRA_TOPIC);
    await fanOut(pages);
    expect(world.secrets.requests.map((r) => JSON.parse(r.body).SecretId).sort()).toEqual([
      'netprobe/e2e/pagerduty',
      'netprobe/e2e/pagerduty',
      'netprobe/e2e/webhook',
      'netprobe/e2e/webhook',
    ]);
    expect(world.pagerduty.requests).toHaveLength(2);
    expect(world.pagerduty.accepted.map((e) => [e.event_action, e.dedup_key, e.routing_key])).toEqual([
      ['trigger', page.incidentId, ROUTING_KEY],
      ['resolve', page.incidentId, ROUTING_KEY],
    ]);
    expect(world.pagerduty.accepted[0]?.payload).toMatchObject({
      severity: 'critical',
      source: 'e2e-db-port',
    });
    expect(world.webhook.requests.map((r) => r.body)).toEqual(pages.map((p) => p.Message));
    for (const request of world.webhook.requests) {
      const timestamp = String(request.headers['x-netprobe-timestamp']);
      expect(request.headers['x-netprobe-signature']).toBe(
        `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`,
      );
    }
    // Slack through Chatbot: custom notifications on the chat topic, the resolve threaded under the page.
    expect(published(CHAT_TOPIC).map((p) => JSON.parse(p.Message))).toEqual([
      expect.objectContaining({
        version: '1.0',
        source: 'custom',
        metadata: expect.objectContaining({ threadId: page.incidentId, eventType: 'netprobe.page' }),
      }),
      expect.objectContaining({
        metadata: expect.objectContaining({ threadId: page.incidentId, eventType: 'netprobe.resolve' }),
      }),
    ]);
    // Nothing on this path called an AWS service the run does not stand in for.
    expect(world.elsewhere.requests).toEqual([]);
  }, 180_000);
});

// ---------------------------------------------------------------- the alarm gate

describe('a paging alarm, as deployed', () => {
  it('CloudWatch → netprobe-alarm-gate → the gate relays it to the team topic, CloudWatch’s message unchanged', async () => {
    expect(world.assembly.lambdaSubscribers.get(GATE_TOPIC)).toEqual(['netprobe-alarm-gate']);
    const gate = fn('netprobe-alarm-gate');
    const alarm = {
      AlarmName: 'netprobe-e2e-web-availability',
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${LOOPBACK_ACCOUNT}:alarm:netprobe-e2e-web-availability`,
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      NewStateReason:
        'Threshold Crossed: 15 out of the last 15 datapoints were greater than or equal to the threshold (1.0).',
      StateChangeTime: new Date().toISOString().replace('Z', '+0000'),
      Region: 'US East (N. Virginia)',
    };
    const before = world.sns.publishes.length;
    succeeded(await invoke(gate, snsEvent(GATE_TOPIC, JSON.stringify(alarm))));
    expect(world.sns.publishes.slice(before)).toEqual([
      expect.objectContaining({
        TopicArn: INFRA_TOPIC,
        Message: JSON.stringify(alarm),
        MessageAttributes: {
          kind: 'alarm',
          team: 'infrastructure-team',
          monitor: 'e2e-web',
          alarmState: 'ALARM',
          dedupKey: `netprobe-e2e-web-availability:ALARM:${alarm.StateChangeTime}`,
        },
      }),
    ]);
    // Its record in the template's table; the tick, as its schedule invokes it, has nothing held.
    expect((await scan()).filter((item) => item.pk?.S === 'GATED_ALARMS')).toHaveLength(1);
    const tick = world.assembly.schedules.find((t) => t.functionName === gate.name);
    if (!tick) throw new Error('no schedule targets the alarm gate');
    expect(succeeded(await invoke(gate, scheduledEvent(tick, REGION, new Date())))).toEqual({
      trigger: 'tick',
      held: 0,
      released: [],
      cleared: [],
    });
    expect(world.sns.publishes).toHaveLength(before + 1);
    expect(world.elsewhere.requests).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------- the mistakes it catches

describe('each deployment mistake fails the run', () => {
  const runner = probeRunner;

  it('a wrong handler path', async () => {
    const outcome = await invoke({ ...runner(), handler: 'index.run' }, {});
    expect(outcome).toMatchObject({ ok: false, errorType: 'Runtime.HandlerNotFound' });
    await expect(runScheduledRun({ ...runner(), handler: 'handler.handler' })).rejects.toThrow(
      /^Runtime.ImportModuleError: Cannot find module 'handler'/,
    );
  }, 60_000);

  it('a module the bundle leaves external that the runtime does not provide', async () => {
    // The bundle as esbuild would emit it with jsonpath-plus left external: the runtime has no such package.
    const spec = runner();
    const codeDir = mkdtempSync(join(world.root, 'asset-missing-module-'));
    writeFileSync(
      join(codeDir, 'index.mjs'),
      `import 'jsonpath-plus';\n${readFileSync(join(spec.codeDir, 'index.mjs'), 'utf8')}`,
    );
    await expect(runScheduledRun({ ...spec, codeDir })).rejects.toThrow(
      /^Runtime.ImportModuleError: Cannot find package 'jsonpath-plus'/,
    );
  }, 60_000);

  it('an environment variable the code reads but the template does not set', async () => {
    const { TABLE_NAME: _dropped, ...environment } = runner().environment;
    await expect(runScheduledRun({ ...runner(), environment })).rejects.toThrow(/TABLE_NAME is not set/);
  }, 60_000);

  it('a table name that differs between the template and the code', async () => {
    const environment = { ...runner().environment, TABLE_NAME: `${world.tableName}-renamed` };
    // The runner fails, or (with its findings kept elsewhere) stores none in the template's table.
    await expect(runScheduledRun({ ...runner(), environment })).rejects.toThrow(
      /ResourceNotFoundException|0 reached the table/,
    );
  }, 60_000);

  it('a topic name that differs between the template and the code', async () => {
    // A new outage, escalated by an escalator whose TOPIC_ARNS names a topic the template does not have.
    for (const server of opened.splice(0)) await new Promise((resolve) => server.close(resolve));
    const escalator = fn('netprobe-escalator');
    const wrong = JSON.stringify({ 'infrastructure-team': `${INFRA_TOPIC}-renamed` });
    const publishes = world.sns.publishes.length;
    await deliverStream(await runScheduledRun(), {
      ...escalator,
      environment: { ...escalator.environment, TOPIC_ARNS: wrong },
    });
    expect(world.sns.publishes).toHaveLength(publishes);
    expect(world.sns.requests.at(-1)?.body).toContain(encodeURIComponent(`${INFRA_TOPIC}-renamed`));
  }, 60_000);
});

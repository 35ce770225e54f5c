/**
 * The alarm gate in the synthesized templates (issue 13: "alarms that reach a team respect
 * maintenance windows and silences, or reach no team"): no monitor's availability or latency alarm
 * notifies a team topic itself; those of alarmsPage monitors notify `netprobe-alarm-gate`, whose
 * function may relay to the team topics and do little else. The gate exists only when a monitor
 * pages (alarmsPage: true).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/netprobe-app.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import {
  actionsOf,
  joined,
  policyStatements,
  resourcesOf,
  type Statement,
  synthTestApp,
  type TestApp,
} from './helpers.ts';

const built: TestApp[] = [];
afterAll(() => {
  for (const app of built) app.dispose();
});
function synth(config: ReturnType<typeof testConfig>): TestApp {
  const app = synthTestApp(config);
  built.push(app);
  return app;
}

/** web and db-port page; api-dns does not. */
const GATED = testConfig({
  monitors: [
    { ...MONITORS.web, alarmsPage: true as const },
    MONITORS.apiDns,
    { ...MONITORS.dbPort, alarmsPage: true as const },
  ],
});

const MONITOR_ALARM = /^netprobe-(.+)-(availability|latency-\w+)$/;

/** Topic names an alarm's actions (ALARM and OK) notify: a monitors stack builds the ARN from the name. */
function notified(properties: Record<string, unknown>): string[] {
  const actions = [
    ...((properties.AlarmActions as unknown[]) ?? []),
    ...((properties.OKActions as unknown[]) ?? []),
  ];
  return [...new Set(actions.map((action) => joined(action).split(':').at(-1) ?? '?'))];
}

const functionNamed = (template: Template, name: string) =>
  resourcesOf(template, 'AWS::Lambda::Function').find(([, p]) => p.FunctionName === name);

/** [logical id, properties] of netprobe-alarm-gate, which must exist. */
function gateFunction(template: Template): [string, Record<string, unknown>] {
  const found = functionNamed(template, 'netprobe-alarm-gate');
  if (!found) throw new Error('no netprobe-alarm-gate function in the home stack');
  return found;
}

describe('the alarm gate', () => {
  const app = synth(GATED);

  it('no availability or latency alarm notifies a team topic: netprobe-alarms, or the gate for alarmsPage', () => {
    const alarms = app.monitors.flatMap((t) => resourcesOf(t, 'AWS::CloudWatch::Alarm'));
    const seen: Record<string, string[]> = {};
    for (const [, p] of alarms) {
      const name = p.AlarmName as string;
      const match = MONITOR_ALARM.exec(name);
      if (!match) continue;
      seen[name] = notified(p);
      const paging = GATED.monitors.find((m) => m.id === match[1])?.alarmsPage === true;
      expect(seen[name], name).toEqual([paging ? 'netprobe-alarm-gate' : 'netprobe-alarms']);
    }
    expect(Object.keys(seen).sort()).toEqual([
      'netprobe-api-dns-availability',
      'netprobe-db-port-availability',
      'netprobe-db-port-latency-connect',
      'netprobe-web-availability',
      'netprobe-web-latency-total',
      'netprobe-web-latency-ttfb',
    ]);
  });

  it('has an encrypted gate topic CloudWatch may publish to for netprobe alarms, the gate function its only subscriber', () => {
    const [topicId] = resourcesOf(app.home, 'AWS::SNS::Topic').find(
      ([, p]) => p.TopicName === 'netprobe-alarm-gate',
    ) ?? [''];
    expect(topicId).not.toBe('');
    app.home.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'netprobe-alarm-gate',
      KmsMasterKeyId: Match.anyValue(),
    });
    app.home.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.anyValue() } }),
          }),
        ]),
      },
    });
    const [gateId] = gateFunction(app.home);
    const subscriptions = resourcesOf(app.home, 'AWS::SNS::Subscription').filter(
      ([, p]) => (p.TopicArn as { Ref?: string }).Ref === topicId,
    );
    expect(
      subscriptions.map(([, p]) => [p.Protocol, (p.Endpoint as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]]),
    ).toEqual([['lambda', gateId]]);
  });

  it('runs netprobe-alarm-gate every minute, relaying to the team topics (TOPIC_ARNS), failures to the undelivered-pages queue', () => {
    const [gateId, gate] = gateFunction(app.home);
    expect(gate).toMatchObject({ MemorySize: 256, Timeout: 30 });
    expect(Object.keys((gate.Environment as { Variables: object }).Variables).sort()).toEqual([
      'METRICS_NAMESPACE',
      'NETPROBE_REGION',
      'NODE_OPTIONS',
      'TABLE_NAME',
      'TABLE_REGION',
      'TOPIC_ARNS',
    ]);
    app.home.hasResourceProperties('AWS::Events::Rule', {
      Name: 'netprobe-alarm-gate-tick',
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [gateId, 'Arn'] } })],
    });
    const [queueId] = resourcesOf(app.home, 'AWS::SQS::Queue').find(
      ([, p]) => p.QueueName === 'netprobe-undelivered-pages',
    ) ?? [''];
    app.home.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: gateId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('may publish to the team topics only, describe netprobe alarms, and read and write the table without Scan', () => {
    const [, gate] = gateFunction(app.home);
    const role = (gate.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = resourcesOf(app.home, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
    const actions = statements.flatMap(actionsOf).sort();
    expect(actions).toEqual(
      [
        'cloudwatch:DescribeAlarms',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    const topicIds = new Map(
      resourcesOf(app.home, 'AWS::SNS::Topic').map(([id, p]) => [id, p.TopicName as string]),
    );
    const publish = statements.find((s) => actionsOf(s).includes('sns:Publish'));
    const published = ((publish?.Resource ?? []) as { Ref: string }[]).map((r) => topicIds.get(r.Ref));
    expect(published).not.toContain('netprobe-alarm-gate');
    expect(published).not.toContain('netprobe-alarms');
    expect(published).toEqual(expect.arrayContaining(['netprobe-cdn-team', 'netprobe-db-team']));
    const describe = statements.find((s) => actionsOf(s).includes('cloudwatch:DescribeAlarms'));
    expect(joined(describe?.Resource)).toMatch(
      /^arn:\$\{AWS::Partition\}:cloudwatch:us-east-1:\$\{AWS::AccountId\}:alarm:netprobe-\*$/,
    );
  });

  it('passes the cdk-nag checks', () => {
    expect(addNagChecks(app.app).validateScope(app.app).violations).toEqual([]);
  });
});

describe('without alarmsPage', () => {
  it('has no gate: no topic, function, tick rule or undelivered-pages queue for it', () => {
    const app = synth(testConfig({ subscriptions: {} }));
    expect(functionNamed(app.home, 'netprobe-alarm-gate')).toBeUndefined();
    const names = resourcesOf(app.home, 'AWS::SNS::Topic').map(([, p]) => p.TopicName);
    expect(names).not.toContain('netprobe-alarm-gate');
    expect(resourcesOf(app.home, 'AWS::Events::Rule').map(([, p]) => p.Name)).not.toContain(
      'netprobe-alarm-gate-tick',
    );
    expect(resourcesOf(app.home, 'AWS::SQS::Queue').map(([, p]) => p.QueueName)).not.toContain(
      'netprobe-undelivered-pages',
    );
    expect(policyStatements(app.home).flatMap(actionsOf)).not.toContain('cloudwatch:DescribeAlarms');
  });
});

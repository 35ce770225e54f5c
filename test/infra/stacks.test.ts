import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDINGS_TABLE_NAME, HOME_STACK_NAME, probeStackName } from '../../infra/naming.ts';
import { TABLE_DESIGN } from '../../shared/adapters/table-design.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import {
  actionsOf,
  joined,
  policyStatements,
  resourcesOf,
  type Statement,
  synthTestApp,
  type TestApp,
  template,
} from './helpers.ts';

const config = testConfig();
let app: TestApp;

beforeAll(() => {
  app = synthTestApp(config);
});
afterAll(() => app?.dispose());

/** The logical id of the SNS topic named netprobe-<team>. */
function topicId(team: string): string {
  const match = resourcesOf(app.home, 'AWS::SNS::Topic').find(([, p]) => p.TopicName === `netprobe-${team}`);
  if (!match) throw new Error(`no topic for ${team}`);
  return match[0];
}

/** Alarms of every home-region stack: the watchdog's in the home stack, the monitors' in theirs. */
function alarms(): [string, Record<string, unknown>][] {
  return [app.home, ...app.monitors].flatMap((t) => resourcesOf(t, 'AWS::CloudWatch::Alarm'));
}

function alarm(name: string): Record<string, unknown> {
  const match = alarms().find(([, p]) => p.AlarmName === name);
  if (!match) throw new Error(`no alarm ${name}`);
  return match[1];
}

/** A monitors stack names the home stack's topics by ARN: `arn:${AWS::Partition}:sns:<home>:${AWS::AccountId}:netprobe-<team>`. */
function topicArn(team: string): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':sns:us-east-1:', { Ref: 'AWS::AccountId' }, `:netprobe-${team}`],
    ],
  };
}

describe('stacks', () => {
  it('makes one probe stack per configured region and the home stack in the home region', () => {
    expect(app.stacks.probes.map((stack) => [stack.stackName, stack.region])).toEqual(
      config.regions.map((region) => [probeStackName(region), region]),
    );
    expect([app.stacks.home.stackName, app.stacks.home.region]).toEqual([HOME_STACK_NAME, 'us-east-1']);
  });

  it('leaves the account open while the config has the placeholder account', () => {
    expect(app.stacks.home.account).toMatch(/^\$\{Token/);
    const pinned = synthTestApp(testConfig({ account: '123456789012' }));
    try {
      expect(pinned.stacks.home.account).toBe('123456789012');
      expect(pinned.stacks.probes.every((stack) => stack.account === '123456789012')).toBe(true);
    } finally {
      pinned.dispose();
    }
  });

  it('deploys the home stack before the probe stacks that write to its table', () => {
    for (const probe of app.stacks.probes) expect(probe.dependencies).toContain(app.stacks.home);
  });
});

describe('probe stacks', () => {
  it.each([
    ['us-east-1', [1, 5, 15]],
    ['eu-west-1', [1, 5, 15]],
    ['ap-southeast-2', [1, 5]],
  ])('%s has one schedule per distinct interval of its monitors: %j', (region, intervals) => {
    const rules = resourcesOf(template(app.probes, region), 'AWS::Events::Rule').filter(
      ([, p]) => p.ScheduleExpression,
    );
    const expected = intervals.map((minutes) => ({
      name: `netprobe-runner-every-${minutes}m`,
      schedule: `cron(0/${minutes} * * * ? *)`,
      detail: `"detail":{"intervalMinutes":${minutes}}`,
    }));
    const actual = rules.map(([, p]) => {
      const target = (p.Targets as { InputTransformer: { InputTemplate: string } }[])[0];
      return {
        name: p.Name,
        schedule: p.ScheduleExpression,
        detail: target?.InputTransformer.InputTemplate.match(/"detail":\{[^}]*\}/)?.[0],
      };
    });
    expect(actual).toEqual(expected);
  });

  // On purpose (issue 12): the schedules wake the probe-dispatcher, which fans the run out to runner shards.
  it('targets the probe-dispatcher with a scheduled event, no late runs', () => {
    template(app.probes, 'eu-west-1').hasResourceProperties('AWS::Events::Rule', {
      Name: 'netprobe-runner-every-5m',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProbesDispatcherFunction'), 'Arn'] },
          RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
          InputTransformer: Match.objectLike({
            InputTemplate: Match.stringLikeRegexp('"detail-type":<detail-type>.*"time":<time>'),
          }),
        }),
      ],
    });
  });

  it('builds runner and api as ESM arm64 Node 24 functions with the config settings and a minimal environment', () => {
    const eu = template(app.probes, 'eu-west-1');
    const environment = {
      Variables: {
        TABLE_NAME: FINDINGS_TABLE_NAME,
        TABLE_REGION: 'us-east-1',
        METRICS_NAMESPACE: 'Netprobe',
        NETPROBE_REGION: 'eu-west-1',
        NODE_OPTIONS: '--enable-source-maps',
      },
    };
    eu.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'netprobe-probe-runner',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 60,
      ReservedConcurrentExecutions: 5,
      Environment: environment,
    });
    eu.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'netprobe-probe-api',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 30,
      ReservedConcurrentExecutions: Match.absent(),
      Environment: environment,
    });
    // A failed scheduled run is not retried: the next interval's run replaces it (runner, api,
    // dispatcher, and the spill queue's finding-rewriter).
    eu.resourceCountIs('AWS::Lambda::EventInvokeConfig', 4);
    eu.allResourcesProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it("fans each run out: a small dispatcher that may invoke this region's runner only; a shard that cannot run lands in netprobe-lost-shards", () => {
    const eu = template(app.probes, 'eu-west-1');
    eu.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'netprobe-probe-dispatcher',
      MemorySize: 256,
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({ RUNNER_FUNCTION: { Ref: Match.stringLikeRegexp('^ProbesRunner') } }),
      },
    });
    const dispatcherStatements = resourcesOf(eu, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('ProbesDispatcher'))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(dispatcherStatements.flatMap(actionsOf).sort()).toEqual(
      ['lambda:InvokeFunction', 'logs:CreateLogStream', 'logs:PutLogEvents'].sort(),
    );
    const invoke = dispatcherStatements.find((st) => actionsOf(st).includes('lambda:InvokeFunction'));
    expect(invoke?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProbesRunner/), 'Arn'] });
    // Throttled for a minute or failed: not retried late (it would probe twice in an interval), kept.
    eu.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ProbesRunner') },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProbesLostShardsQueue'), 'Arn'] },
        },
      },
    });
    eu.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'netprobe-lost-shards',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it('alarms on runner errors in its own region and forwards the alarm home only from other regions', () => {
    for (const region of config.regions) {
      const probe = template(app.probes, region);
      probe.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `netprobe-watchdog-runner-errors-${region}`,
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Errors' }) }),
          }),
          Match.objectLike({
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Throttles' }) }),
          }),
        ]),
      });
      const forwards = resourcesOf(probe, 'AWS::Events::Rule').filter(([, p]) => p.EventPattern);
      expect(forwards).toHaveLength(region === config.homeRegion ? 0 : 1);
    }
    template(app.probes, 'eu-west-1').hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        // Every region alarm (runner errors, probe-api errors, spill, dropped datums), by prefix.
        detail: { alarmName: [{ prefix: 'netprobe-watchdog-runner-' }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':events:us-east-1:')])] },
        }),
      ],
    });
  });
});

describe('home stack', () => {
  it('keeps findings in one table: keys and indexes from TABLE_DESIGN, TTL, PITR, NEW_IMAGE stream', () => {
    app.home.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: FINDINGS_TABLE_NAME,
      KeySchema: [
        { AttributeName: TABLE_DESIGN.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: TABLE_DESIGN.sortKey.name, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: Object.values(TABLE_DESIGN.globalSecondaryIndexes).map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
        }),
      ),
    });
    app.home.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('has one KMS-encrypted, TLS-only topic per team and netprobe-alarms, subscriptions from the config', () => {
    const topics = resourcesOf(app.home, 'AWS::SNS::Topic');
    expect(topics.map(([, p]) => p.TopicName).sort()).toEqual(
      ['alarms', 'cdn-team', 'db-team', 'infrastructure-team', 'network-team', 'performance-team'].map(
        (t) => `netprobe-${t}`,
      ),
    );
    for (const [, properties] of topics) {
      expect(properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^TeamsKey/), 'Arn'],
      });
    }
    // CloudWatch alarms and EventBridge must be able to encrypt for the topics, or their pages vanish.
    app.home.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt']),
          }),
        ]),
      },
    });
    for (const team of ['cdn-team', 'network-team', 'alarms']) {
      app.home.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId(team) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Condition: Match.objectLike({ ArnLike: Match.anyValue() }),
            }),
          ]),
        },
      });
    }
    const subscriptions = resourcesOf(app.home, 'AWS::SNS::Subscription').map(([, p]) => [
      p.Protocol,
      p.Endpoint,
      (p.TopicArn as { Ref: string }).Ref,
    ]);
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        ['email', 'noc@example.com', topicId('network-team')],
        ['https', 'https://pager.example.com/hook', topicId('infrastructure-team')],
        ['sqs', 'arn:aws:sqs:eu-west-1:111122223333:db-pages', topicId('db-team')],
        ['email', 'alarms@example.com', topicId('alarms')],
      ]),
    );
    expect(subscriptions).toHaveLength(4);
  });

  it('feeds the escalator from the stream (findings only) and a one-minute schedule; gives it every topic ARN', () => {
    app.home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FindingsTable'), 'StreamArn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^EscalationEscalator') },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EscalationDeadLetters'), 'Arn'] },
        },
      },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { Keys: { sk: { S: [{ prefix: 'FINDING#' }] } } },
            }),
          },
        ],
      },
    });
    app.home.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EscalationEscalator'), 'Arn'] } }),
      ],
    });
    const [, escalator] = resourcesOf(app.home, 'AWS::Lambda::Function').find(
      ([, p]) => p.FunctionName === 'netprobe-escalator',
    ) ?? ['', {}];
    const variables = (escalator.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(
      [
        'METRICS_NAMESPACE',
        'NETPROBE_REGION',
        'NODE_OPTIONS',
        'TABLE_NAME',
        'TABLE_REGION',
        'TOPIC_ARNS',
      ].sort(),
    );
    const teams = ['network-team', 'performance-team', 'cdn-team', 'infrastructure-team', 'db-team'];
    expect(JSON.parse(joined(variables.TOPIC_ARNS))).toEqual(
      Object.fromEntries(teams.map((team) => [team, `\${${topicId(team)}}`])),
    );
  });

  it('serves the API routes (issue 14 adds the three /silences ones), each with IAM auth, through the probe-api, with throttling and access logs', () => {
    const routes = resourcesOf(app.home, 'AWS::ApiGatewayV2::Route').map(([, p]) => [
      p.RouteKey,
      p.AuthorizationType,
    ]);
    expect(routes.sort()).toEqual(
      [
        ['GET /incidents', 'AWS_IAM'],
        ['GET /silences', 'AWS_IAM'],
        ['POST /silences', 'AWS_IAM'],
        ['DELETE /silences/{id}', 'AWS_IAM'],
        ['GET /monitors/{id}/findings', 'AWS_IAM'],
        ['POST /check', 'AWS_IAM'],
        ['POST /monitors/{id}/run', 'AWS_IAM'],
      ].sort(),
    );
    app.home.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiFunction'), 'Arn'] },
    });
    app.home.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('identity.userArn'),
      },
    });
  });

  // Since issue 13 these notify netprobe-alarms, not the team: they would page before the table's time.
  it('gives every monitor an availability alarm that agrees with the confirmation rule, to netprobe-alarms', () => {
    const team = 'alarms';
    const expectations = [
      // 3 regions ≥ minLocations 2: two regions down in one interval
      { monitor: MONITORS.web, threshold: 2, periods: 1, period: 60 },
      { monitor: MONITORS.apiDns, threshold: 2, periods: 1, period: 300 },
      // one region < minLocations: that region down for consecutiveRuns intervals
      { monitor: MONITORS.dbPort, threshold: 1, periods: 2, period: 60 },
      { monitor: MONITORS.status, threshold: 2, periods: 1, period: 900 },
    ];
    for (const { monitor, threshold, periods, period } of expectations) {
      const properties = alarm(`netprobe-${monitor.id}-availability`);
      expect(properties).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicArn(team)],
        OKActions: [topicArn(team)],
      });
      const metrics = properties.Metrics as {
        Id: string;
        MetricStat?: { Metric: { Dimensions: unknown[] }; Period: number; Stat: string };
      }[];
      const perRegion = metrics.filter((metric) => metric.MetricStat);
      expect(perRegion.map((m) => m.MetricStat?.Metric.Dimensions)).toEqual(
        monitor.regions.map((region) => [
          { Name: 'Monitor', Value: monitor.id },
          { Name: 'Probe', Value: monitor.probe.kind },
          { Name: 'Region', Value: region },
        ]),
      );
      expect(perRegion.every((m) => m.MetricStat?.Period === period && m.MetricStat.Stat === 'Minimum')).toBe(
        true,
      );
    }
  });

  it('adds one latency alarm per phase threshold over the slowest region, and none without thresholds', () => {
    const latencyAlarms = alarms()
      .map(([, p]) => p.AlarmName as string)
      .filter((name) => name.includes('-latency-'))
      .sort();
    expect(latencyAlarms).toEqual([
      'netprobe-db-port-latency-connect',
      'netprobe-web-latency-total',
      'netprobe-web-latency-ttfb',
    ]);
    expect(alarm('netprobe-web-latency-ttfb')).toMatchObject({
      Threshold: 800,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Metrics: expect.arrayContaining([
        expect.objectContaining({ Expression: 'MAX([r0, r1, r2])' }),
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: expect.objectContaining({
              MetricName: 'PhaseLatency',
              Dimensions: expect.arrayContaining([{ Name: 'Phase', Value: 'ttfb' }]),
            }),
          }),
        }),
      ]),
    });
    expect(alarm('netprobe-web-latency-total')).toMatchObject({
      Threshold: 2000,
      Metrics: expect.arrayContaining([
        expect.objectContaining({
          MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: 'Latency' }) }),
        }),
      ]),
    });
  });

  it('warns before a certificate expires: one alarm per TLS monitor, fewest days left over its regions', () => {
    const certificateAlarms = alarms()
      .map(([, p]) => p.AlarmName as string)
      .filter((name) => name.endsWith('-certificate'))
      .sort();
    // https (web) and TCP with TLS (db-port); DNS and plain http see no certificate.
    expect(certificateAlarms).toEqual(['netprobe-db-port-certificate', 'netprobe-web-certificate']);
    const expectations = [
      // CDN-fronted, no team of its own: where classify() sends an expiring certificate, the CDN team
      { monitor: MONITORS.web, team: 'cdn-team', expression: 'MIN([r0, r1, r2])' },
      // the monitor's own team wins
      { monitor: MONITORS.dbPort, team: 'db-team', expression: 'MIN([r0])' },
    ];
    for (const { monitor, team, expression } of expectations) {
      const properties = alarm(`netprobe-${monitor.id}-certificate`);
      expect(properties).toMatchObject({
        Threshold: 21,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicArn(team)],
        OKActions: [topicArn(team)],
      });
      const metrics = properties.Metrics as {
        Expression?: string;
        ReturnData?: boolean;
        MetricStat?: {
          Metric: { MetricName: string; Dimensions: unknown[] };
          Period: number;
          Stat: string;
        };
      }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe(expression);
      const perRegion = metrics.filter((m) => m.MetricStat);
      expect(perRegion.map((m) => m.MetricStat?.Metric.Dimensions)).toEqual(
        monitor.regions.map((region) => [
          { Name: 'Monitor', Value: monitor.id },
          { Name: 'Probe', Value: monitor.probe.kind },
          { Name: 'Region', Value: region },
        ]),
      );
      for (const m of perRegion) {
        expect(m.MetricStat).toMatchObject({
          Metric: { MetricName: 'CertDaysRemaining' },
          Period: 3600,
          Stat: 'Minimum',
        });
      }
    }
  });

  it('takes the certificate threshold from certWarnDays and the window from a longer interval', () => {
    const web = MONITORS.web;
    const slow = {
      ...web,
      id: 'slow-web',
      cdn: false,
      intervalMinutes: 90,
      probe: { ...web.probe, tls: { ...web.probe.tls, certWarnDays: 30 } },
    };
    const variant = synthTestApp(testConfig({ monitors: [slow], subscriptions: {} }));
    try {
      const [[, properties] = ['', {}]] = variant.monitors
        .flatMap((t) => resourcesOf(t, 'AWS::CloudWatch::Alarm'))
        .filter(([, p]) => p.AlarmName === 'netprobe-slow-web-certificate');
      expect(properties).toMatchObject({
        Threshold: 30,
        // neither CDN-fronted nor with a team of its own: the table's tcp team
        AlarmActions: [topicArn('performance-team')],
      });
      const periods = (properties.Metrics as { MetricStat?: { Period: number } }[])
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat?.Period);
      expect(periods).toEqual([5400, 5400, 5400]);
    } finally {
      variant.dispose();
    }
  });

  it('watches that runs arrive from every region (missing data breaches) and that the escalator works', () => {
    const infra = { Ref: topicId('infrastructure-team') };
    for (const region of config.regions) {
      expect(alarm(`netprobe-watchdog-runs-${region}`)).toMatchObject({
        TreatMissingData: 'breaching',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 2,
        AlarmActions: [infra],
      });
    }
    const euRuns = alarm('netprobe-watchdog-runs-eu-west-1').Metrics as {
      MetricStat?: { Stat: string; Metric: { Dimensions: { Name: string; Value: string }[] } };
    }[];
    // eu-west-1's fastest monitors (1 min): web and db-port, counted by SampleCount of Up.
    expect(
      euRuns
        .filter((m) => m.MetricStat)
        .map((m) => [
          m.MetricStat?.Stat,
          m.MetricStat?.Metric.Dimensions.find((d) => d.Name === 'Monitor')?.Value,
        ]),
    ).toEqual([
      ['SampleCount', 'web'],
      ['SampleCount', 'db-port'],
    ]);
    expect(alarm('netprobe-watchdog-escalator-errors')).toMatchObject({ AlarmActions: [infra] });
    expect(alarm('netprobe-watchdog-escalator-dead-letters')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [infra],
    });
    app.home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'netprobe-watchdog-runner-' }], state: { value: ['ALARM', 'OK'] } },
      },
      Targets: [Match.objectLike({ Arn: infra, InputTransformer: Match.anyValue() })],
    });
  });

  it("sends every watchdog alarm to the operators' topic (operatorsTeam), not the connectivity team's", () => {
    const variant = synthTestApp(testConfig({ operatorsTeam: 'sre-team' }));
    try {
      const topic = (team: string) => {
        const found = resourcesOf(variant.home, 'AWS::SNS::Topic').find(
          ([, p]) => p.TopicName === `netprobe-${team}`,
        );
        if (!found) throw new Error(`no topic for ${team}`);
        return { Ref: found[0] };
      };
      const watchdog = resourcesOf(variant.home, 'AWS::CloudWatch::Alarm').filter(([, p]) =>
        String(p.AlarmName).startsWith('netprobe-watchdog-'),
      );
      expect(watchdog.length).toBeGreaterThan(5);
      for (const [, p] of watchdog)
        expect([p.AlarmName, p.AlarmActions]).toEqual([p.AlarmName, [topic('sre-team')]]);
      // The connectivity team still gets complete outages, and nothing of the watchdog.
      expect(JSON.stringify(watchdog)).not.toContain(topic('infrastructure-team').Ref);
      variant.home.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({
          detail: Match.objectLike({ alarmName: [{ prefix: 'netprobe-watchdog-runner-' }] }),
        }),
        Targets: [Match.objectLike({ Arn: topic('sre-team') })],
      });
    } finally {
      variant.dispose();
    }
  });

  // Since issue 13 the monitors' dashboard is netprobe-<shard>-<page> in a monitors stack; `netprobe` indexes them.
  it('draws the dashboard: latency, availability and phases per monitor and region, CDN hits, certificate days', () => {
    expect(app.monitors).toHaveLength(1);
    const [[, dashboard]] = resourcesOf(app.monitors[0] as Template, 'AWS::CloudWatch::Dashboard') as [
      [string, { DashboardName: string; DashboardBody: unknown }],
    ];
    expect(dashboard.DashboardName).toBe('netprobe-1-1');
    type Widget = { properties: { title?: string; metrics?: unknown[][] } };
    const widgets = (JSON.parse(joined(dashboard.DashboardBody)) as { widgets: Widget[] }).widgets;
    const titles = widgets.map((widget) => widget.properties.title).filter(Boolean);
    expect(titles).toEqual([
      'web (storefront): latency (ms)',
      'web (storefront): availability (%)',
      'web (storefront): phases, slowest region (ms)',
      'api-dns: latency (ms)',
      'api-dns: availability (%)',
      'api-dns: phases, slowest region (ms)',
      'db-port: latency (ms)',
      'db-port: availability (%)',
      'db-port: phases, slowest region (ms)',
      'status: latency (ms)',
      'status: availability (%)',
      'status: phases, slowest region (ms)',
      'CDN cache hit (%) in us-east-1',
      'CDN cache hit (%) in eu-west-1',
      'CDN cache hit (%) in ap-southeast-2',
      'Certificate days left (lowest over regions)',
    ]);
    const series = (title: string) => {
      const widget = widgets.find((w) => w.properties.title === title);
      // A plain metric row is [namespace, name, ...dimension pairs, options].
      return (widget?.properties.metrics ?? [])
        .filter((row) => typeof row[0] === 'string')
        .map((row) => row.slice(1, -1).join(' '));
    };
    expect(series('status: latency (ms)')).toEqual([
      'Latency Monitor status Probe http Region us-east-1',
      'Latency Monitor status Probe http Region eu-west-1',
    ]);
    expect(series('api-dns: availability (%)')).toHaveLength(3);
    // https (web) and TCP+TLS (db-port) report certificates; DNS and plain http do not.
    expect(series('Certificate days left (lowest over regions)')).toEqual([
      'CertDaysRemaining Monitor web Probe http Region us-east-1',
      'CertDaysRemaining Monitor web Probe http Region eu-west-1',
      'CertDaysRemaining Monitor web Probe http Region ap-southeast-2',
      'CertDaysRemaining Monitor db-port Probe tcp Region eu-west-1',
    ]);
  });

  it('keeps the netprobe dashboard in the home stack as the index of the monitors dashboards', () => {
    const [[, index]] = resourcesOf(app.home, 'AWS::CloudWatch::Dashboard') as [
      [string, { DashboardName: string; DashboardBody: unknown }],
    ];
    expect(index.DashboardName).toBe('netprobe');
    expect(joined(index.DashboardBody)).toContain(
      '[netprobe-1-1](#dashboards/dashboard/netprobe-1-1): 4 monitor(s), web … status',
    );
  });
});

describe('log retention', () => {
  it('gives every function its own log group with a retention', () => {
    for (const template of [app.home, ...app.probes.values()]) {
      const groups = new Map(resourcesOf(template, 'AWS::Logs::LogGroup'));
      const functions = resourcesOf(template, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(0);
      for (const [, properties] of functions) {
        const ref = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(groups.get(ref)?.RetentionInDays).toBe(30);
      }
      for (const [, group] of groups) expect(group.RetentionInDays).toBe(30);
    }
  });
});

describe('least privilege', () => {
  const all = () => [app.home, ...app.probes.values()].flatMap(policyStatements);

  it('grants "*" only for actions that have no resource-level permission, PutMetricData always with its namespace', () => {
    const wildcard = all().filter((statement) => JSON.stringify(statement.Resource).includes('*'));
    const actions = wildcard.flatMap(actionsOf).sort();
    expect([...new Set(actions)]).toEqual(['cloudwatch:PutMetricData', 'dynamodb:ListStreams']);
    for (const statement of wildcard.filter((s) => actionsOf(s).includes('cloudwatch:PutMetricData'))) {
      expect(statement.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Netprobe' } });
    }
  });

  it('scopes DynamoDB actions to the findings table and its named indexes, with no Scan', () => {
    const dynamo = all().filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:ListStreams'),
    );
    expect(dynamo.length).toBeGreaterThan(0);
    for (const statement of dynamo) {
      expect(actionsOf(statement)).not.toContain('dynamodb:Scan');
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toMatch(/FindingsTable|table\/netprobe-findings/);
      expect(resources).not.toContain('index/*');
    }
  });

  // sqs:* on purpose (issue 12): Lambda sends a shard that cannot run to the lost-shards queue as the runner.
  it('lets the probe-runner only write findings (and lost shards) and read nothing', () => {
    const runnerStatements = resourcesOf(template(app.probes, 'eu-west-1'), 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('ProbesRunner'))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
    expect([...new Set(runnerStatements.flatMap(actionsOf))].sort()).toEqual(
      [
        'cloudwatch:PutMetricData',
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        // The spill queue, for findings the table does not take in time (queue.grantSendMessages).
        // Lambda sends a shard that cannot run to the lost-shards queue as the runner (the same actions).
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('allows sns:Publish to the team topics only, and only to the escalator', () => {
    const publish = all().filter((s) => actionsOf(s).includes('sns:Publish'));
    const [statement, ...others] = publish;
    expect(others).toEqual([]);
    const refs = ((statement?.Resource ?? []) as { Ref: string }[]).map((r) => r.Ref).sort();
    expect(refs).toEqual(
      ['cdn-team', 'db-team', 'infrastructure-team', 'network-team', 'performance-team'].map(topicId).sort(),
    );
    const roles = resourcesOf(app.home, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p).includes('sns:Publish'))
      .map(([id]) => id);
    expect(roles).toEqual([expect.stringMatching(/^EscalationEscalatorRole/)]);
  });
});

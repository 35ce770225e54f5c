/**
 * The infrastructure of issue 10's reliability items: probe-api capped at 10 concurrent executions by
 * default (and how to opt out), an alarm on probe-api errors, EventBridge's grants on the owner topic
 * and the topics' key conditioned on the rule's ARN, and the spill queue with its re-writer and alarms.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { testConfig } from './fixtures/config.ts';
import { resourcesOf, synthTestApp, type TestApp } from './helpers.ts';

const built: TestApp[] = [];
afterAll(() => {
  for (const app of built) app.dispose();
});
function synth(config = testConfig()): TestApp {
  const app = synthTestApp(config);
  built.push(app);
  return app;
}

const minimal = (lambda: object = {}) =>
  parseConfig({
    homeRegion: 'us-east-1',
    regions: ['us-east-1', 'eu-west-1'],
    lambda,
    monitors: [{ id: 'web', interval: '1m', url: 'https://example.com/' }],
  });

const functionNamed = (template: Template, name: string) =>
  resourcesOf(template, 'AWS::Lambda::Function').find(([, p]) => p.FunctionName === name)?.[1];

describe('probe-api concurrency', () => {
  it('reserves 10 executions for every probe-api by default, none with reservedConcurrency: null', () => {
    const capped = synth(minimal());
    expect(functionNamed(capped.home, 'netprobe-api')?.ReservedConcurrentExecutions).toBe(10);
    expect(
      functionNamed(capped.probes.get('eu-west-1') as Template, 'netprobe-probe-api')
        ?.ReservedConcurrentExecutions,
    ).toBe(10);
    const optedOut = synth(minimal({ probeApi: { reservedConcurrency: null } }));
    expect(functionNamed(optedOut.home, 'netprobe-api')?.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('alarms', () => {
  const app = synth();
  const alarmNames = (template: Template) =>
    resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, p]) => p.AlarmName as string);

  it('alarms on probe-api errors: the HTTP API in the home stack, and each region’s', () => {
    app.home.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'netprobe-watchdog-api-errors',
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ApiFunction') } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Teamsinfrastructureteam') }],
    });
    for (const [region, template] of app.probes) {
      expect(alarmNames(template)).toContain(`netprobe-watchdog-runner-probe-api-errors-${region}`);
    }
  });

  it('alarms on escalator tick failures and dropped datums, read from the functions’ EMF counts', () => {
    app.home.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'netprobe-watchdog-escalator-tick-failures',
      Namespace: 'Netprobe',
      MetricName: 'EscalatorTickFailures',
      Dimensions: [{ Name: 'Function', Value: 'escalator' }],
      Threshold: 1,
    });
    const eu = app.probes.get('eu-west-1') as Template;
    eu.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'netprobe-watchdog-runner-probe-runner-datums-dropped-eu-west-1',
      MetricName: 'MetricDatumsDropped',
      Dimensions: [{ Name: 'Function', Value: 'probe-runner' }],
    });
  });
});

describe('EventBridge may publish for its own rule only', () => {
  const app = synth();
  type Policy = {
    Statement: { Principal?: { Service?: string }; Condition?: Record<string, Record<string, unknown>> }[];
  };
  const eventsStatements = [
    ...resourcesOf(app.home, 'AWS::SNS::TopicPolicy').map(([, p]) => p.PolicyDocument as Policy),
    ...resourcesOf(app.home, 'AWS::KMS::Key').map(([, p]) => p.KeyPolicy as Policy),
  ].flatMap((policy) => policy.Statement.filter((s) => s.Principal?.Service === 'events.amazonaws.com'));

  it('on the owner topic and on the topics’ key, each grant names the watchdog rule’s ARN and the account', () => {
    expect(eventsStatements).toHaveLength(2);
    for (const statement of eventsStatements) {
      expect(JSON.stringify(statement.Condition?.ArnEquals?.['aws:SourceArn'])).toContain(
        ':rule/netprobe-watchdog-runner-alarms',
      );
      expect(statement.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    }
  });
});

describe('the spill queue', () => {
  const app = synth();
  const eu = app.probes.get('eu-west-1') as Template;

  it('is encrypted, TLS-only, with a dead-letter queue after 5 receives, drained by the finding-rewriter', () => {
    eu.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    eu.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^SpillRewriter') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(functionNamed(eu, 'netprobe-finding-rewriter')).toBeDefined();
  });

  it('gives the runner and the api its URL, and alarms on spilled, lost, waiting and dead-lettered findings', () => {
    for (const name of ['netprobe-probe-runner', 'netprobe-probe-api']) {
      eu.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Environment: { Variables: { SPILL_QUEUE_URL: { Ref: Match.stringLikeRegexp('^SpillQueue') } } },
      });
    }
    const names = resourcesOf(eu, 'AWS::CloudWatch::Alarm').map(([, p]) => p.AlarmName);
    expect(names).toEqual(
      expect.arrayContaining([
        'netprobe-watchdog-runner-probe-runner-findings-spilled-eu-west-1',
        'netprobe-watchdog-runner-probe-runner-findings-lost-eu-west-1',
        'netprobe-watchdog-runner-probe-api-findings-spilled-eu-west-1',
        'netprobe-watchdog-runner-spill-waiting-eu-west-1',
        'netprobe-watchdog-runner-spill-dead-letters-eu-west-1',
      ]),
    );
    expect(functionNamed(app.home, 'netprobe-api-finding-rewriter')).toBeDefined();
  });
});

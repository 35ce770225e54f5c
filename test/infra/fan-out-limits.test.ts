/**
 * Issue 12's infrastructure around the fan-out: an operational alarm on the lost-shards queue, and
 * the synth-time refusal of a region whose shards the probe-runner could not all run at once.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNNER_ALARM_PREFIX } from '../../infra/naming.ts';
import { checkRunnerConcurrency, runnerDemand, runnerLimit } from '../../infra/runner-concurrency.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { buildTestApp, resourcesOf, synthTestApp, type TestApp } from './helpers.ts';

const built: TestApp[] = [];
afterAll(() => {
  for (const app of built) app.dispose();
});

/** `count` HTTPS monitors every `interval` in the given regions. */
function fleet(count: number, options: { interval?: string; regions?: string[]; extra?: object } = {}) {
  const regions = options.regions ?? ['us-east-1', 'eu-west-1'];
  return parseConfig({
    homeRegion: 'us-east-1',
    regions,
    monitors: Array.from({ length: count }, (_, i) => ({
      id: `m${i}`,
      interval: options.interval ?? '1m',
      url: `https://m${i}.example.com/`,
    })),
    ...options.extra,
  });
}

describe('the lost-shards queue alarm', () => {
  const app = synthTestApp(fleet(1));
  built.push(app);

  it.each(['us-east-1', 'eu-west-1'])(
    'in %s fires on one shard event waiting in netprobe-lost-shards',
    (region) => {
      const probe = app.probes.get(region) as Template;
      const [queueId] = resourcesOf(probe, 'AWS::SQS::Queue').find(
        ([, p]) => p.QueueName === 'netprobe-lost-shards',
      ) as [string, unknown];
      probe.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `netprobe-watchdog-runner-lost-shards-${region}`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        // No action of its own: its state changes go home by EventBridge, as the region's other alarms.
        AlarmActions: Match.absent(),
      });
    },
  );

  it('reaches the operators as the other region alarms do: forwarded home, paged by the watchdog rule', () => {
    expect(`netprobe-watchdog-runner-lost-shards-eu-west-1`.startsWith(RUNNER_ALARM_PREFIX)).toBe(true);
    (app.probes.get('eu-west-1') as Template).hasResourceProperties('AWS::Events::Rule', {
      Name: 'netprobe-watchdog-forward-home',
      EventPattern: { detail: { alarmName: [{ prefix: RUNNER_ALARM_PREFIX }] } },
    });
    app.home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: { alarmName: [{ prefix: RUNNER_ALARM_PREFIX }], state: { value: ['ALARM', 'OK'] } },
      }),
    });
  });
});

describe('the probe-runner concurrency a region needs', () => {
  it('counts shards of `concurrency` per interval, as if every run started in the same minute', () => {
    const config = parseConfig({
      homeRegion: 'us-east-1',
      regions: ['us-east-1'],
      concurrency: 50,
      monitors: [
        ...Array.from({ length: 120 }, (_, i) => ({
          id: `a${i}`,
          interval: '1m',
          url: `https://a${i}.test/`,
        })),
        ...Array.from({ length: 50 }, (_, i) => ({
          id: `b${i}`,
          interval: '5m',
          url: `https://b${i}.test/`,
        })),
      ],
    });
    expect(runnerDemand(config, 'us-east-1')).toEqual({
      shards: 4,
      intervals: [
        { intervalMinutes: 1, monitors: 120, shards: 3 },
        { intervalMinutes: 5, monitors: 50, shards: 1 },
      ],
    });
  });

  it('counts a run again for each earlier run of its interval still within the runner timeout', () => {
    const config = fleet(120, {
      regions: ['us-east-1'],
      extra: { lambda: { probeRunner: { timeoutSeconds: 120 } } },
    });
    expect(runnerDemand(config, 'us-east-1').shards).toBe(6);
  });

  it('without a reservation, the limit is the regional quota less what netprobe reserves there', () => {
    const config = fleet(1, { regions: ['us-east-1', 'eu-west-1'] });
    // probe-api (10) in every region; the home region also has the HTTP API's probe-api (10).
    expect(runnerLimit(config, 'eu-west-1').executions).toBe(990);
    expect(runnerLimit(config, 'us-east-1').executions).toBe(980);
    const optedOut = fleet(1, { extra: { lambda: { probeApi: { reservedConcurrency: null } } } });
    expect(runnerLimit(optedOut, 'eu-west-1').executions).toBe(1000);
  });

  it('refuses the synth of a region whose shards exceed the account concurrency, naming stack, shards and limit', () => {
    const config = fleet(1_000, { regions: ['us-east-1', 'eu-west-1'], extra: { concurrency: 1 } });
    expect(() => checkRunnerConcurrency('netprobe-probe-eu-west-1', config, 'eu-west-1')).toThrow(
      'stack netprobe-probe-eu-west-1: its monitors need up to 1,000 probe-runner shards at once ' +
        '(1000 monitor(s) every 1 min: 1000; shards of concurrency 1), over the limit of 990 ' +
        "(Lambda's default 1,000 concurrent executions per region, less the 10 netprobe reserves for its other functions there)",
    );
    // 10,000 monitors at the default concurrency of 50 are 200 shards: well within.
    expect(() =>
      checkRunnerConcurrency('s', fleet(10_000, { regions: ['eu-west-1'] }), 'eu-west-1'),
    ).not.toThrow();
  });

  it('refuses, through the app, a reserved runner concurrency below the shard count', () => {
    const config = fleet(3, {
      extra: { concurrency: 1, lambda: { probeRunner: { reservedConcurrency: 2 } } },
    });
    expect(() => buildTestApp(config)).toThrow(
      'stack netprobe-probe-us-east-1: its monitors need up to 3 probe-runner shards at once ' +
        '(3 monitor(s) every 1 min: 3; shards of concurrency 1), over the limit of 2 ' +
        '(lambda.probeRunner.reservedConcurrency)',
    );
    const { dispose } = buildTestApp(
      fleet(3, { extra: { concurrency: 1, lambda: { probeRunner: { reservedConcurrency: 3 } } } }),
    );
    dispose();
  });
});

/**
 * IPv6 from Lambda: a region whose monitors ask for IPv6 needs the config's vpc.<region>; its probe
 * functions then sit in those dual-stack subnets. Refused at synth, naming the monitor, otherwise.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import type { MonitorConfig } from '../../shared/config/types.ts';
import { MONITORS, testConfig } from './fixtures/config.ts';
import { buildTestApp, synthTestApp } from './helpers.ts';

const VPC = { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
const dualStack: MonitorConfig = {
  ...MONITORS.web,
  id: 'web-v6',
  regions: ['eu-west-1'],
  probe: { ...MONITORS.web.probe, family: 'both' } as MonitorConfig['probe'],
};

describe('IPv6 monitors and the vpc config', () => {
  it('refuses a monitor asking for IPv6 in a region without vpc, saying why', () => {
    expect(() => buildTestApp(testConfig({ monitors: [dualStack], subscriptions: {} }))).toThrow(
      'monitor web-v6 asks for IPv6 (family: "both") in eu-west-1, which has no vpc: Lambda reaches IPv6 only from a dual-stack VPC; name its subnets and security groups in the config\'s vpc.eu-west-1 (docs/config.md), or probe web-v6 from another region',
    );
    const literal: MonitorConfig = {
      ...MONITORS.web,
      id: 'v6-literal',
      regions: ['us-east-1'],
      probe: { ...MONITORS.web.probe, url: 'https://[2001:db8::1]/health' } as MonitorConfig['probe'],
    };
    expect(() => buildTestApp(testConfig({ monitors: [literal], subscriptions: {} }))).toThrow(
      'monitor v6-literal asks for IPv6 (the IPv6 address 2001:db8::1) in us-east-1',
    );
  });

  it('places the probe functions of that region, and only that region, in its dual-stack subnets', () => {
    const app = synthTestApp(
      testConfig({ monitors: [dualStack], subscriptions: {}, vpc: { 'eu-west-1': VPC } }),
    );
    try {
      const eu = app.probes.get('eu-west-1');
      eu?.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        {
          VpcConfig: {
            SubnetIds: VPC.subnetIds,
            SecurityGroupIds: VPC.securityGroupIds,
            Ipv6AllowedForDualStack: true,
          },
        },
        2,
      );
      eu?.hasResourceProperties('AWS::IAM::Role', {
        ManagedPolicyArns: Match.arrayWith([
          Match.objectLike({
            'Fn::Join': Match.arrayWith([
              Match.arrayWith([':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole']),
            ]),
          }),
        ]),
      });
      app.probes
        .get('us-east-1')
        ?.resourcePropertiesCountIs('AWS::Lambda::Function', { VpcConfig: Match.anyValue() }, 0);
    } finally {
      app.dispose();
    }
  });

  it('config: vpc regions must be deployed regions, ids must look like ids', () => {
    const base = { homeRegion: 'us-east-1', regions: ['us-east-1'], monitors: [] };
    expect(() => parseConfig({ ...base, vpc: { 'eu-west-1': VPC } }, 'test')).toThrow(
      'vpc["eu-west-1"]: "eu-west-1" is not in regions (us-east-1)',
    );
    expect(() =>
      parseConfig({ ...base, vpc: { 'us-east-1': { ...VPC, subnetIds: ['vpc-1'] } } }, 'test'),
    ).toThrow('vpc["us-east-1"].subnetIds[0]: expected a subnet id (subnet-0123…)');
    expect(parseConfig({ ...base, vpc: { 'us-east-1': VPC } }, 'test').vpc).toEqual({ 'us-east-1': VPC });
  });
});

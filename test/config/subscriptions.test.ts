import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfigInput } from '../../shared/config/schema.ts';
import { catchConfigError } from './catch-config-error.ts';

const base = { homeRegion: 'us-east-1', regions: ['us-east-1'], monitors: [] };
const parse = (subscriptions: NetprobeConfigInput['subscriptions']) =>
  parseConfig({ ...base, subscriptions }).subscriptions;

describe('subscriptions: chat channels and forwarders', () => {
  it('accepts each kind, and defaults eventsUrl to PagerDuty US', () => {
    expect(
      parse({
        'network-team': [
          { protocol: 'slack', workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' },
          {
            protocol: 'teams',
            tenantId: '11111111-2222-3333-4444-555555555555',
            teamId: '66666666-7777-8888-9999-000000000000',
            channelId: '19:abcDEF123@thread.tacv2',
          },
          { protocol: 'pagerduty', routingKeySecret: 'netprobe/pagerduty/network' },
          {
            protocol: 'pagerduty',
            routingKeySecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pd-eu-AbCdEf',
            eventsUrl: 'https://events.eu.pagerduty.com/v2/enqueue',
          },
          { protocol: 'webhook', url: 'https://hooks.example.com/netprobe', secretName: 'netprobe/webhook' },
          { protocol: 'webhook', url: 'http://127.0.0.1:8080/hook', secretName: 'local' },
        ],
      })['network-team']?.map((s) => ('eventsUrl' in s ? s.eventsUrl : s.protocol)),
    ).toEqual([
      'slack',
      'teams',
      'https://events.pagerduty.com/v2/enqueue',
      'https://events.eu.pagerduty.com/v2/enqueue',
      'webhook',
      'webhook',
    ]);
  });

  it.each([
    [
      {
        protocol: 'teams',
        tenantId: 'contoso',
        teamId: '66666666-7777-8888-9999-000000000000',
        channelId: '19:a@thread.tacv2',
      },
      'subscriptions["network-team"][0].tenantId: expected the Microsoft Entra tenant id (a UUID)',
    ],
    [
      { protocol: 'pagerduty', routingKeySecret: 'arn:aws:s3:::bucket' },
      'subscriptions["network-team"][0].routingKeySecret: expected a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -) or secret ARN, got "arn:aws:s3:::bucket"',
    ],
    [
      { protocol: 'webhook', url: 'https://hooks.example.com/x' },
      'subscriptions["network-team"][0].secretName: required',
    ],
  ])('refuses %j', (subscription, message) => {
    const error = catchConfigError(() =>
      parse({
        'network-team': [subscription as NonNullable<NetprobeConfigInput['subscriptions']>[string][number]],
      }),
    );
    expect(error.message).toContain(message);
  });
});

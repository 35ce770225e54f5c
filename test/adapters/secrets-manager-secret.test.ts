import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  cachedSecret,
  regionOfSecretArn,
  SECRET_CACHE_MS,
  SecretUnusableError,
} from '../../shared/adapters/secrets-manager-secret.ts';
import { MOCKED_CLIENT_CONFIG } from '../fixtures/mocked-aws.ts';

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());

describe('cachedSecret', () => {
  it('reads once, then again after the cache time (a rotated value is picked up)', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'netprobe/webhook' })
      .resolvesOnce({ SecretString: 'first' })
      .resolves({ SecretString: 'rotated' });
    let now = 1_000_000;
    const secret = cachedSecret({
      client: new SecretsManagerClient(MOCKED_CLIENT_CONFIG),
      secretId: 'netprobe/webhook',
      now: () => now,
    });
    expect(await secret()).toBe('first');
    now += SECRET_CACHE_MS - 1;
    expect(await secret()).toBe('first');
    now += 1;
    expect(await secret()).toBe('rotated');
    expect(secrets).toReceiveCommandTimes(GetSecretValueCommand, 2);
  });

  it('names a secret with no string value, and does not cache the failure', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretBinary: new Uint8Array([1]) })
      .resolves({ SecretString: 'k' });
    const secret = cachedSecret({ client: new SecretsManagerClient(MOCKED_CLIENT_CONFIG), secretId: 'pd' });
    await expect(secret()).rejects.toThrow(
      new SecretUnusableError('pd', 'has no string value (SecretString)'),
    );
    expect(await secret()).toBe('k');
  });

  it('reads the region of a secret ARN', () => {
    expect(regionOfSecretArn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:pd-AbCdEf')).toBe(
      'eu-west-1',
    );
    expect(regionOfSecretArn('netprobe/pagerduty')).toBeUndefined();
  });
});

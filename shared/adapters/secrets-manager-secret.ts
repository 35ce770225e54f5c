/**
 * A secret's current value from Secrets Manager, cached for a few minutes per function instance: a
 * forwarder reads its PagerDuty routing key or webhook signing secret once per container, not once
 * per page, and picks up a rotated value within SECRET_CACHE_MS.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NetprobeError } from '../errors.ts';

export const SECRET_CACHE_MS = 5 * 60_000;

export class SecretUnusableError extends NetprobeError {
  override name = 'SecretUnusableError';
  constructor(secretId: string, why: string) {
    super('secret_unusable', `secret ${JSON.stringify(secretId)} ${why}`);
  }
}

export interface SecretSourceOptions {
  client: SecretsManagerClient;
  /** Name or ARN. */
  secretId: string;
  now?: () => number;
}

/** `() => value`: reads on first use and after SECRET_CACHE_MS; a failed read is not cached. */
export function cachedSecret(options: SecretSourceOptions): () => Promise<string> {
  const now = options.now ?? Date.now;
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (cached && now() - cached.at < SECRET_CACHE_MS) return cached.value;
    const output = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
    const value = output.SecretString?.trim();
    if (!value) throw new SecretUnusableError(options.secretId, 'has no string value (SecretString)');
    cached = { value, at: now() };
    return value;
  };
}

/** The region in a secret ARN (a secret in another region than the function), else undefined. */
export function regionOfSecretArn(secretId: string): string | undefined {
  return /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(secretId)?.[1];
}

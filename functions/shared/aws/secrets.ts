/** The forwarders' secret (PagerDuty routing key, webhook signing secret) from Secrets Manager. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedSecret, regionOfSecretArn } from '../../../shared/adapters/secrets-manager-secret.ts';
import type { FunctionRuntime } from '../lazy.ts';
import { ownRegionClientConfig, withLoggedRetries } from './client-options.ts';

export function secretFromEnv(secretId: string, runtime: FunctionRuntime): () => Promise<string> {
  const region = regionOfSecretArn(secretId);
  // Without an ARN, the function's own region (AWS_REGION, set by Lambda).
  const client = new SecretsManagerClient({
    ...ownRegionClientConfig(runtime),
    ...(region ? { region } : {}),
  });
  return cachedSecret({ client: withLoggedRetries(client, runtime), secretId });
}

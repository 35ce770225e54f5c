/** The forwarders' secret (PagerDuty routing key, webhook signing secret) from Secrets Manager. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedSecret, regionOfSecretArn } from '../../../shared/adapters/secrets-manager-secret.ts';

export function secretFromEnv(secretId: string): () => Promise<string> {
  const region = regionOfSecretArn(secretId);
  // Without an ARN, the function's own region (AWS_REGION, set by Lambda).
  const client = new SecretsManagerClient({
    ...(region ? { region } : {}),
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
  return cachedSecret({ client, secretId });
}

/**
 * Cold start: each function bundle imports only the SDK clients its handler calls, so the runner does
 * not load SNS at init, nor the escalator CloudWatch. Built exactly as deployed (infra/bundling.ts).
 */
import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../infra/bundle-analysis.ts';
import { FUNCTION_ENTRIES } from '../../infra/entries.ts';

const DYNAMO = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'];

describe('SDK clients loaded per function', () => {
  it.each([
    // client-sqs: the spill queue for findings the table does not take in time.
    ['probeRunner', [...DYNAMO, '@aws-sdk/client-cloudwatch', '@aws-sdk/client-sqs']],
    ['probeApi', [...DYNAMO, '@aws-sdk/client-cloudwatch', '@aws-sdk/client-sqs']],
    // util-dynamodb: the escalator unmarshalls stream images.
    ['escalator', [...DYNAMO, '@aws-sdk/client-sns', '@aws-sdk/util-dynamodb']],
    // The forwarders: their secret only; the chat forwarder publishes to the chat topics.
    ['pagerdutyForwarder', ['@aws-sdk/client-secrets-manager']],
    ['webhookForwarder', ['@aws-sdk/client-secrets-manager']],
    ['chatForwarder', ['@aws-sdk/client-sns']],
  ] as const)(
    '%s imports %j and no other SDK package',
    async (name, expected) => {
      const analysis = await analyzeBundle(FUNCTION_ENTRIES[name]);
      const sdk = analysis.externals.filter((path) => path.startsWith('@aws-sdk/'));
      expect(sdk).toEqual([...expected].sort());
    },
    60_000,
  );
});

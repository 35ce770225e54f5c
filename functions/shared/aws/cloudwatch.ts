/** The metrics publisher (probe-runner, probe-api). */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricsPublisher } from '../../../shared/adapters/cloudwatch-metrics.ts';
import type { FunctionEnv } from '../env.ts';
import type { Logger } from '../logger.ts';
import { loggedRetries, singleAttemptClientConfig } from './client-options.ts';

export function cloudWatchPublisher(env: FunctionEnv, logger: Logger): CloudWatchMetricsPublisher {
  return new CloudWatchMetricsPublisher({
    client: new CloudWatchClient(singleAttemptClientConfig(env)),
    namespace: env.metricsNamespace,
    retry: loggedRetries(logger, 'PutMetricData'),
  });
}

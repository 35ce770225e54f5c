/** The metrics publisher (probe-runner, probe-api) and the alarm gate's alarm states. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmStates } from '../../../shared/adapters/cloudwatch-alarm-states.ts';
import { CloudWatchMetricsPublisher } from '../../../shared/adapters/cloudwatch-metrics.ts';
import type { FunctionEnv } from '../env.ts';
import type { FunctionRuntime } from '../lazy.ts';
import { clientConfig, withLoggedRetries } from './client-options.ts';

export function cloudWatchPublisher(env: FunctionEnv, runtime: FunctionRuntime): CloudWatchMetricsPublisher {
  return new CloudWatchMetricsPublisher({
    client: withLoggedRetries(new CloudWatchClient(clientConfig(env, runtime)), runtime),
    namespace: env.metricsNamespace,
  });
}

export function cloudWatchAlarmStates(env: FunctionEnv, runtime: FunctionRuntime): CloudWatchAlarmStates {
  return new CloudWatchAlarmStates(
    withLoggedRetries(new CloudWatchClient(clientConfig(env, runtime)), runtime),
  );
}

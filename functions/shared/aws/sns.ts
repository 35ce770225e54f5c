/** The team topics' notifier (escalator) and the alarm gate's relay to them. */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsAlarmRelay } from '../../../shared/adapters/sns-alarm-relay.ts';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.ts';
import { DASHBOARD_NAME } from '../../../shared/naming.ts';
import type { FunctionEnv } from '../env.ts';
import type { FunctionRuntime } from '../lazy.ts';
import { clientConfig, withLoggedRetries } from './client-options.ts';

export function snsNotifier(
  env: FunctionEnv,
  topicArns: Record<string, string>,
  runtime: FunctionRuntime,
): SnsNotifier {
  return new SnsNotifier({
    client: withLoggedRetries(new SNSClient(clientConfig(env, runtime)), runtime),
    topicArns,
    links: { region: env.tableRegion, namespace: env.metricsNamespace, dashboardName: DASHBOARD_NAME },
  });
}

export function snsAlarmRelay(
  env: FunctionEnv,
  topicArns: Record<string, string>,
  runtime: FunctionRuntime,
): SnsAlarmRelay {
  return new SnsAlarmRelay({
    client: withLoggedRetries(new SNSClient(clientConfig(env, runtime)), runtime),
    topicArns,
  });
}

/** The team topics' notifier (escalator). */
import { SNSClient } from '@aws-sdk/client-sns';
import { DASHBOARD_NAME } from '../../../infra/naming.ts';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.ts';
import type { FunctionEnv } from '../env.ts';
import type { Logger } from '../logger.ts';
import { loggedRetries, singleAttemptClientConfig } from './client-options.ts';

export function snsNotifier(
  env: FunctionEnv,
  topicArns: Record<string, string>,
  logger: Logger,
): SnsNotifier {
  return new SnsNotifier({
    client: new SNSClient(singleAttemptClientConfig(env)),
    topicArns,
    links: { region: env.tableRegion, namespace: env.metricsNamespace, dashboardName: DASHBOARD_NAME },
    retry: loggedRetries(logger, 'SNS Publish'),
  });
}

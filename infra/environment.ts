import type { Environment } from 'aws-cdk-lib';
import { PLACEHOLDER_ACCOUNT } from '../shared/config/schema.ts';
import type { MonitorConfig, NetprobeConfig } from '../shared/config/types.ts';
import { FINDINGS_TABLE_NAME } from './naming.ts';

/**
 * The stack environment: always a concrete region (the names of other regions' resources are built
 * from it), and the config's account when it names a real one. The placeholder leaves the stacks
 * account-agnostic: they synthesize offline with no credentials and deploy to the credentials' account.
 */
export function stackEnvironment(config: Pick<NetprobeConfig, 'account'>, region: string): Environment {
  return config.account === PLACEHOLDER_ACCOUNT ? { region } : { account: config.account, region };
}

/**
 * The environment every function gets, kept minimal: the monitors config itself is bundled into the
 * code. NETPROBE_REGION is the probing location; TABLE_REGION is the home region where the table,
 * the topics and the metrics are.
 */
export function functionEnvironment(config: NetprobeConfig, region: string): Record<string, string> {
  return {
    TABLE_NAME: FINDINGS_TABLE_NAME,
    TABLE_REGION: config.homeRegion,
    METRICS_NAMESPACE: config.namespace,
    NETPROBE_REGION: region,
  };
}

/** The monitors that run in a region. */
export function monitorsIn(config: Pick<NetprobeConfig, 'monitors'>, region: string): MonitorConfig[] {
  return config.monitors.filter((monitor) => monitor.regions.includes(region));
}

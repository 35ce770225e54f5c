/**
 * IPv6 for the probes of a region: Lambda reaches IPv6 only from a dual-stack VPC, so a region whose
 * monitors ask for IPv6 (family 6 or 'both', or an IPv6 literal target) needs the config's
 * `vpc.<region>` (existing subnet and security-group ids: nothing is looked up at synth), and its probe
 * functions are placed in it with IPv6 allowed. Refused at synth, naming the monitor, otherwise.
 */
import { isIP } from 'node:net';
import { ManagedPolicy, type Role } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { MonitorConfig, NetprobeConfig, VpcSettings } from '../../shared/config/types.ts';
import type { ProbeSpec } from '../../shared/probes/spec.ts';

/** Why a probe needs IPv6, or undefined: family 6 or 'both', or an IPv6 address to connect to. */
export function ipv6Reason(probe: ProbeSpec): string | undefined {
  if (probe.family === 6 || probe.family === 'both') return `family: ${JSON.stringify(probe.family)}`;
  const host =
    probe.kind === 'http'
      ? new URL(probe.url).hostname.replace(/^\[|\]$/g, '')
      : probe.kind === 'tcp'
        ? probe.host
        : probe.server?.host;
  return host !== undefined && isIP(host) === 6 ? `the IPv6 address ${host}` : undefined;
}

/** Throws, naming the first monitor that asks for IPv6 in `region` without a `vpc` for it. */
export function assertIpv6Reachable(
  config: NetprobeConfig,
  region: string,
  monitors: readonly MonitorConfig[],
): void {
  if (config.vpc?.[region] !== undefined) return;
  for (const monitor of monitors) {
    const reason = ipv6Reason(monitor.probe);
    if (reason === undefined) continue;
    throw new Error(
      `monitor ${monitor.id} asks for IPv6 (${reason}) in ${region}, which has no vpc: Lambda reaches IPv6 only ` +
        `from a dual-stack VPC; name its subnets and security groups in the config's vpc.${region} ` +
        `(docs/config.md), or probe ${monitor.id} from another region`,
    );
  }
}

/** Places a probe function in the region's dual-stack subnets, IPv6 allowed, with the ENI permissions it needs. */
export function placeInVpc(
  fn: IFunction & { node: { defaultChild?: unknown } },
  role: Role,
  vpc: VpcSettings,
): void {
  const cfn = fn.node.defaultChild as CfnFunction;
  cfn.vpcConfig = {
    subnetIds: vpc.subnetIds,
    securityGroupIds: vpc.securityGroupIds,
    ipv6AllowedForDualStack: true,
  };
  role.addManagedPolicy(
    ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
  );
}

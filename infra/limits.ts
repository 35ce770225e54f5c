/**
 * The service limits a deployment of many monitors runs into, each with where AWS states it, and the
 * synth-time check that reports a template over them before CloudFormation would refuse it.
 */
import { statSync } from 'node:fs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/**
 * CloudFormation quotas ("Understand CloudFormation quotas",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
 * 500 resources per stack, and 1 MB for a template body passed as an S3 object, which is how CDK
 * deploys; the service counts that megabyte as 1,000,000 bytes of the uploaded file.
 */
export const CLOUDFORMATION_LIMITS = { templateBytes: 1_000_000, resources: 500 } as const;

/**
 * CloudWatch dashboard limits: at most 500 widgets in a DashboardBody ("Dashboard Body Structure and
 * Syntax", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html);
 * at most 500 metrics per widget and 2,500 per dashboard across all widgets, counting the metrics
 * that metric math reads without showing them ("CloudWatch service quotas",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html).
 */
export const DASHBOARD_LIMITS = { widgets: 500, metricsPerWidget: 500, metrics: 2_500 } as const;

export interface TemplateSize {
  readonly stackName: string;
  readonly bytes: number;
  readonly resources: number;
}

/** Bytes and resources of every template in the assembly, as CDK wrote them for upload. */
export function templateSizes(assembly: CloudAssembly): TemplateSize[] {
  return assembly.stacks.map((stack) => ({
    stackName: stack.stackName,
    bytes: statSync(stack.templateFullPath).size,
    resources: Object.keys((stack.template as { Resources?: object }).Resources ?? {}).length,
  }));
}

/** Throws, naming every stack and the limit it breaks, when a template is over a CloudFormation limit. */
export function checkTemplateLimits(assembly: CloudAssembly): TemplateSize[] {
  const sizes = templateSizes(assembly);
  const problems = sizes.flatMap(({ stackName, bytes, resources }) => [
    ...(bytes > CLOUDFORMATION_LIMITS.templateBytes
      ? [
          `stack ${stackName}: template of ${bytes.toLocaleString('en-US')} bytes is over CloudFormation's ` +
            `${CLOUDFORMATION_LIMITS.templateBytes.toLocaleString('en-US')}-byte template limit`,
        ]
      : []),
    ...(resources > CLOUDFORMATION_LIMITS.resources
      ? [
          `stack ${stackName}: ${resources} resources is over CloudFormation's ` +
            `${CLOUDFORMATION_LIMITS.resources}-resource stack limit`,
        ]
      : []),
  ]);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return sizes;
}

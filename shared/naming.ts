/**
 * The resource names the runtime needs (an SNS topic per team, the dashboard its pages link to), in
 * the runtime's own folder so handlers and the lab never import the CDK app. infra/naming.ts builds
 * every other physical name from the same prefix and re-exports these: still one place per name.
 */

export const NAME_PREFIX = 'netprobe';

/** One SNS topic per team, in the home region. */
export function topicName(team: string): string {
  return `${NAME_PREFIX}-${team}`;
}

/** The CloudWatch dashboard the pages' console links open. */
export const DASHBOARD_NAME = NAME_PREFIX;

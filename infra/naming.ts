/**
 * Every physical name netprobe gives a resource, in one place (the few runtime code needs too are
 * defined in shared/naming.ts and re-exported here).
 *
 * Names are deterministic on purpose: a probe stack in eu-west-1 must reach the findings table in
 * the home region and nothing else, and CloudFormation exports do not cross regions. Building the
 * ARN from a fixed name (`arn:aws:dynamodb:<home>:<account>:table/netprobe-findings`) needs no
 * cross-region reference machinery (no SSM parameters, no custom resources) and lets the stacks
 * deploy in any order. The price: one netprobe per account, and renaming one of these replaces the
 * resource.
 */

import { NAME_PREFIX } from '../shared/naming.ts';

/** The names the runtime needs too (topics, dashboard) live in shared/naming.ts. */
export { DASHBOARD_NAME, monitorAlarmName, NAME_PREFIX, topicName } from '../shared/naming.ts';

export const HOME_STACK_NAME = `${NAME_PREFIX}-home`;

export function probeStackName(region: string): string {
  return `${NAME_PREFIX}-probe-${region}`;
}

/** The one DynamoDB table (home region) every region writes findings to. */
export const FINDINGS_TABLE_NAME = `${NAME_PREFIX}-findings`;

/** The Standard topic per team that AWS Chatbot's Slack and Teams channels subscribe to. */
export function chatTopicName(team: string): string {
  return `${NAME_PREFIX}-${team}-chat`;
}

/** Function names are regional, so each probe region has its own `netprobe-probe-runner`. */
export const FUNCTION_NAMES = {
  probeRunner: `${NAME_PREFIX}-probe-runner`,
  probeDispatcher: `${NAME_PREFIX}-probe-dispatcher`,
  probeApi: `${NAME_PREFIX}-probe-api`,
  escalator: `${NAME_PREFIX}-escalator`,
  chatForwarder: `${NAME_PREFIX}-chat-forwarder`,
  /** Drains a region's spill queue into the table (the probe stack's). */
  findingRewriter: `${NAME_PREFIX}-finding-rewriter`,
  /** Drains the home stack's spill queue (the HTTP API's) into the table. */
  apiFindingRewriter: `${NAME_PREFIX}-api-finding-rewriter`,
  /** The probe-api behind the HTTP API, in the home stack. */
  httpApi: `${NAME_PREFIX}-api`,
  /** Relays the paging alarms (alarmsPage) to their team unless a window or silence holds them. */
  alarmGate: `${NAME_PREFIX}-alarm-gate`,
} as const;

/** The home-region stacks that hold the monitors' alarms and dashboards, one per shard (infra/monitor-shards.ts). */
export function monitorsStackName(shard: number): string {
  return `${NAME_PREFIX}-monitors-${shard}`;
}

/** Dashboard `page` of a monitors stack: `netprobe-<shard>-<page>`. */
export function dashboardName(shard: number, page: number): string {
  return `${NAME_PREFIX}-${shard}-${page}`;
}

export const HTTP_API_NAME = NAME_PREFIX;

/** Alarm names start with this; the SNS topic policy lets CloudWatch publish for these alarms only. */
export const ALARM_PREFIX = `${NAME_PREFIX}-`;

/** Watchdog alarms on the runner itself, evaluated in each probe region and forwarded home. */
export const RUNNER_ALARM_PREFIX = `${NAME_PREFIX}-watchdog-runner-`;

export function runsArrivingAlarmName(region: string): string {
  return `${NAME_PREFIX}-watchdog-runs-${region}`;
}

export function runnerErrorsAlarmName(region: string): string {
  return `${RUNNER_ALARM_PREFIX}errors-${region}`;
}

/** Another watchdog alarm of a probe region (spill, dropped datums, probe-api errors), forwarded home. */
export function regionAlarmName(what: string, region: string): string {
  return `${RUNNER_ALARM_PREFIX}${what}-${region}`;
}

/** A watchdog alarm of the home stack itself. */
export function homeAlarmName(what: string): string {
  return `${NAME_PREFIX}-watchdog-${what}`;
}

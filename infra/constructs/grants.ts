import { Validations } from 'aws-cdk-lib';
import { type IGrantable, type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** What a function may touch in the findings table: the table itself and its known indexes, by ARN. */
export interface TableAccessTarget {
  readonly tableArn: string;
  readonly indexArns: readonly string[];
}

/**
 * What each function does to the table, action by action (shared/adapters/dynamodb-store.ts):
 * findings are batch-written with a conditional put of the latest status; incidents are
 * conditional puts, updates and deletes of single items; every read is a GetItem or a Query,
 * never a Scan.
 */
export const TABLE_ACCESS = {
  /** probe-runner: writes findings and latest status, reads nothing. */
  writeFindings: { read: [], write: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'] },
  /**
   * probe-api: writes the findings of on-demand runs; reads findings, latest status and incidents;
   * creates, lists and deletes silences (DeleteItem on SILENCE# items).
   */
  runAndRead: {
    read: ['dynamodb:GetItem', 'dynamodb:Query'],
    write: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
  },
  /** escalator: reads findings and incidents; opens, updates and closes incidents. */
  manageIncidents: {
    read: ['dynamodb:GetItem', 'dynamodb:Query'],
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  },
  /**
   * alarm-gate: reads the silences (a Query of their partition) and keeps its ledger of paging alarms
   * in ALARM (GATED_ALARMS items: get, put, conditional update, delete, a Query of their partition).
   */
  gateAlarms: {
    read: ['dynamodb:GetItem', 'dynamodb:Query'],
    write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  },
} as const satisfies Record<string, { read: readonly string[]; write: readonly string[] }>;

export type TableAccess = keyof typeof TABLE_ACCESS;

/** Reads reach the table and its indexes; writes only the table (DynamoDB maintains the indexes). */
export function grantTableAccess(grantee: IGrantable, table: TableAccessTarget, access: TableAccess): void {
  const { read, write } = TABLE_ACCESS[access];
  if (read.length > 0) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...read], resources: [table.tableArn, ...table.indexArns] }),
    );
  }
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...write], resources: [table.tableArn] }),
  );
}

/**
 * cloudwatch:PutMetricData has no resource-level permission (its resource is always "*"); the
 * `cloudwatch:namespace` condition is what keeps the function inside netprobe's namespace. The
 * statement sits in a policy of its own so the wildcard acknowledgement covers it and nothing else.
 */
export function grantMetricsPublish(scope: Construct, role: IRole, namespace: string): Policy {
  const policy = new Policy(scope, 'PublishMetrics', {
    statements: [
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
      }),
    ],
  });
  role.attachInlinePolicy(policy);
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `cloudwatch:PutMetricData supports no resource ARN; the cloudwatch:namespace condition limits it to "${namespace}".`,
  });
  return policy;
}

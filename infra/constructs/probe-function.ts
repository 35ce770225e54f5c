import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  type IDestination,
  LoggingFormat,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { LambdaSettings } from '../../shared/config/types.ts';
import { cdkBundling, configFileOf } from '../bundling.ts';
import { REPO_ROOT } from '../entries.ts';

export interface ProbeFunctionProps {
  /** Path of the handler module (exports `handler`). */
  readonly entry: string;
  /** Physical name; see infra/naming.ts. @default generated (functions there can be many of, such as forwarders) */
  readonly functionName?: string;
  readonly description: string;
  /** Memory, timeout and reserved concurrency, from the config's `lambda` section. */
  readonly settings: LambdaSettings;
  /** Kept minimal: the monitors config is bundled into the code, not passed here. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Retries of a failed asynchronous invocation (schedules, alarms).
   * @default 0: a probe run or escalation pass retried minutes late is worth less than the next
   * scheduled one, and a retried run would publish the same interval twice.
   */
  readonly retryAttempts?: number;
  /** Where an asynchronous invocation that failed its last attempt goes. @default dropped */
  readonly onFailure?: IDestination;
  /** How long an asynchronous invocation may wait in Lambda's queue (throttled). @default 6 hours */
  readonly maxEventAge?: Duration;
  /** Directory holding package-lock.json and tsconfig.json. @default the repository root */
  readonly projectRoot?: string;
}

/**
 * The one way netprobe builds a Lambda function: ESM bundle made by the local esbuild (no Docker),
 * minified with source maps, the AWS SDK left to the runtime (infra/bundling.ts), arm64 on Node 24,
 * its own log group with a retention, and its own role that starts with nothing but writing to that
 * log group. Callers grant the rest (infra/constructs/grants.ts).
 */
export class ProbeFunction extends NodejsFunction {
  readonly logGroupRetention: RetentionDays;
  /** The function's own role, for grants that need a role rather than a principal. */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: ProbeFunctionProps) {
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention,
      // The log group lives and dies with its function; a retained orphan would only cost money.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName ?? props.description}`,
    });
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      ...(props.functionName ? { functionName: props.functionName } : {}),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.settings.memoryMb,
      timeout: Duration.seconds(props.settings.timeoutSeconds),
      ...(props.settings.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.settings.reservedConcurrency }),
      retryAttempts: props.retryAttempts ?? 0,
      ...(props.onFailure ? { onFailure: props.onFailure } : {}),
      ...(props.maxEventAge ? { maxEventAge: props.maxEventAge } : {}),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      environment: {
        ...props.environment,
        // Stack traces point into the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      // The runtime's AWS SDK, not a bundled copy: see infra/bundling.ts and docs/deploy.md.
      bundling: cdkBundling(configFileOf(scope)),
    });
    this.logGroupRetention = retention;
    this.executionRole = role;

    // Lambda creates the log streams at run time, so their names cannot be listed; the statement
    // is pinned to this function's own log group.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
  }
}

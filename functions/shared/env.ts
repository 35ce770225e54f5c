/**
 * The handlers' environment, read once and checked: what infra/environment.ts sets (TABLE_NAME,
 * TABLE_REGION, METRICS_NAMESPACE, NETPROBE_REGION) and the escalator's TOPIC_ARNS. A missing or
 * malformed variable fails the first invocation with a message naming it.
 */
import { awsRegionError } from '../../shared/config/validate.ts';
import { DEFAULT_METRICS_NAMESPACE } from '../../shared/domain/metrics.ts';
import { NetprobeError } from '../../shared/errors.ts';

export interface FunctionEnv {
  tableName: string;
  /** Home region: the table, the topics and the metrics. */
  tableRegion: string;
  metricsNamespace: string;
  /** Where this function probes from (its own region). */
  region: string;
}

export class EnvError extends NetprobeError {
  override name = 'EnvError';
  constructor(message: string) {
    super('env_invalid', message);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`environment: ${name} is not set (the CDK stack sets it; see docs/api.md)`);
  return value;
}

function region(env: Env, name: string): string {
  const value = required(env, name);
  const problem = awsRegionError(value);
  if (problem) throw new EnvError(`environment: ${name}: ${problem}`);
  return value;
}

export function readEnv(env: Env = process.env): FunctionEnv {
  return {
    tableName: required(env, 'TABLE_NAME'),
    tableRegion: region(env, 'TABLE_REGION'),
    metricsNamespace: env.METRICS_NAMESPACE?.trim() || DEFAULT_METRICS_NAMESPACE,
    // AWS_REGION is what Lambda itself sets; NETPROBE_REGION wins when the stack names it.
    region: region(env, env.NETPROBE_REGION ? 'NETPROBE_REGION' : 'AWS_REGION'),
  };
}

/** SPILL_QUEUE_URL: the region's spill queue (infra/constructs/findings-spill.ts). */
export function readSpillQueueUrl(env: Env = process.env): string {
  const url = required(env, 'SPILL_QUEUE_URL');
  if (!/^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[\w-]{1,80}$/.test(url)) {
    throw new EnvError(`environment: SPILL_QUEUE_URL: ${JSON.stringify(url)} is not an SQS queue URL`);
  }
  return url;
}

/** TOPIC_ARNS: `{"<team>": "arn:aws:sns:<region>:<account>:<topic>"}`. */
export function readTopicArns(env: Env = process.env): Record<string, string> {
  const text = required(env, 'TOPIC_ARNS');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EnvError(`environment: TOPIC_ARNS is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EnvError('environment: TOPIC_ARNS must be a JSON object of team → topic ARN');
  }
  for (const [team, arn] of Object.entries(parsed)) {
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(arn)) {
      throw new EnvError(
        `environment: TOPIC_ARNS["${team}"]: ${JSON.stringify(arn)} is not an SNS topic ARN`,
      );
    }
  }
  return parsed as Record<string, string>;
}

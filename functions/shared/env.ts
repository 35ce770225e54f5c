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

/** RUNNER_FUNCTION: the probe-runner the dispatcher invokes, by name (the stack sets it). */
export function readRunnerFunction(env: Env = process.env): string {
  return required(env, 'RUNNER_FUNCTION');
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

/** A variable holding a JSON object of SNS topic ARNs (`keys` says what its keys are). */
function topicMap(env: Env, name: string, keys: 'team' | 'topic ARN'): Record<string, string> {
  const text = required(env, name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EnvError(`environment: ${name} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EnvError(`environment: ${name} must be a JSON object of ${keys} → topic ARN`);
  }
  for (const [key, arn] of Object.entries(parsed)) {
    const bad =
      typeof arn !== 'string' || !TOPIC_ARN.test(arn)
        ? arn
        : keys === 'topic ARN' && !TOPIC_ARN.test(key)
          ? key
          : undefined;
    if (bad !== undefined) {
      throw new EnvError(`environment: ${name}["${key}"]: ${JSON.stringify(bad)} is not an SNS topic ARN`);
    }
  }
  return parsed as Record<string, string>;
}

/** TOPIC_ARNS: `{"<team>": "arn:aws:sns:<region>:<account>:<topic>"}`. */
export function readTopicArns(env: Env = process.env): Record<string, string> {
  return topicMap(env, 'TOPIC_ARNS', 'team');
}

/** CHAT_TOPICS: `{"<team topic arn>": "<chat topic arn>"}` (infra/constructs/chat-channels.ts). */
export function readChatTopics(env: Env = process.env): Record<string, string> {
  return topicMap(env, 'CHAT_TOPICS', 'topic ARN');
}

/** TARGET_URL and SECRET_ID: a forwarder's endpoint and its secret (infra/constructs/on-call-forwarders.ts). */
export function readForwarderEnv(env: Env = process.env): { url: string; secretId: string } {
  return { url: required(env, 'TARGET_URL'), secretId: required(env, 'SECRET_ID') };
}

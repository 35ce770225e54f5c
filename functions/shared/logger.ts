/**
 * Structured logs for the handlers: Powertools Logger (one JSON object per line, the log level from
 * the environment: POWERTOOLS_LOG_LEVEL, else the function's AWS_LAMBDA_LOG_LEVEL, else info), with
 * the invocation's request id and cold-start flag added by its middy middleware (injectLambdaContext,
 * used first by every handler). Netprobe's formatter keeps the shape the log queries use (`level`
 * in lower case, `message`, `timestamp`, `function`, then the fields) and redacts every line on the
 * way out: values under secret-looking keys (authorization, x-amz-security-token, api_key…) and
 * credentials in URLs (docs/api.md "Logs").
 */
import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type {
  ConstructorOptions,
  LogAttributes,
  UnformattedAttributes,
} from '@aws-lambda-powertools/logger/types';
import { isSecretName, REDACTED, redactUrl } from '../../shared/probes/http-redact.ts';

export type LogFields = Record<string, unknown>;

/** Nesting kept in a log line; deeper values are summarised. */
const MAX_DEPTH = 8;

/** A copy of `value` safe to log: secrets replaced, errors spelled out, cycles cut. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return value.includes('://') ? redactUrl(value) : value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? `[array(${value.length})]` : '[object]';
  seen.add(value);
  if (value instanceof Error) {
    const error: LogFields = { name: value.name, message: redact(value.message, depth + 1, seen) };
    if (value.stack) error.stack = redact(value.stack, depth + 1, seen);
    if (value.cause !== undefined) error.cause = redact(value.cause, depth + 1, seen);
    return error;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  const out: LogFields = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretName(key) ? REDACTED : redact(item, depth + 1, seen);
  }
  return out;
}

/** Netprobe's line: level, message, timestamp, the invocation's keys, then the fields; all redacted. */
class RedactingFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const line = {
      level: attributes.logLevel.toLowerCase(),
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      ...(context
        ? {
            cold_start: context.coldStart,
            function_name: context.functionName,
            function_request_id: context.awsRequestId,
          }
        : {}),
      ...(attributes.xRayTraceId ? { xray_trace_id: attributes.xRayTraceId } : {}),
      ...additional,
    };
    return new LogItem({ attributes: redact(line) as LogAttributes });
  }
}

/** Where lines go: stdout in the Lambda (Powertools' console), a test's array in tests. */
export type LogSink = (line: string) => void;

/** Powertools Logger with netprobe's redacting formatter, and an optional sink for tests. */
export class Logger extends PowertoolsLogger {
  readonly #sink: LogSink | undefined;

  constructor(options: ConstructorOptions = {}, sink?: LogSink) {
    super({ ...options, logFormatter: new RedactingFormatter() } as ConstructorOptions);
    this.#sink = sink;
  }

  /** A logger that adds `fields` to every line (request id, route…). */
  with(fields: LogFields): Logger {
    return this.createChild({ persistentKeys: fields as LogAttributes }) as Logger;
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new Logger(options, this.#sink);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.#sink) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    this.#sink(JSON.stringify(log.getAttributes()));
  }
}

export interface LoggerOptions {
  /** Default: Powertools' console on stdout. */
  sink?: LogSink;
  fields?: LogFields;
  /** The Powertools service name; default the `function` field, else "netprobe". */
  serviceName?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const fields = options.fields ?? {};
  return new Logger(
    {
      serviceName:
        options.serviceName ?? (typeof fields.function === 'string' ? fields.function : 'netprobe'),
      persistentKeys: fields as LogAttributes,
    },
    options.sink,
  );
}

/**
 * Structured logs for the handlers: one JSON object per line on stdout (CloudWatch Logs keeps it as
 * is, and Logs Insights queries its fields), with secrets redacted on the way out: values under
 * secret-looking keys (authorization, x-amz-security-token, api_key…) and credentials in URLs.
 */
import { isSecretName, REDACTED, redactUrl } from '../../shared/probes/http-redact.ts';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, route…). */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Default: process.stdout. */
  sink?: (line: string) => void;
  fields?: LogFields;
  now?: () => Date;
}

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

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const write = (level: LogLevel, message: string, fields: LogFields = {}) => {
    const entry = redact({ level, message, timestamp: now().toISOString(), ...base, ...fields });
    sink(JSON.stringify(entry));
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    with: (fields) => createLogger({ sink, now, fields: { ...base, ...fields } }),
  };
}

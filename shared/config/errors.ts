/**
 * The one error type of configuration parsing. Every problem is an issue that names the exact
 * path of the offending value, so a user with a 40-monitor config can go straight to it:
 *
 *   monitors[3].http.assert.status: expected 100-599
 */
import { NetprobeError } from '../errors.ts';

export interface ConfigIssue {
  /** `monitors[3].http.assert.status`; '' for the input as a whole (e.g. a file that does not exist). */
  path: string;
  message: string;
}

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** JS accessor syntax: `monitors[3].http.headers["x-api-key"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function formatIssue(issue: ConfigIssue, source: string | undefined): string {
  const line = issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  return source ? `${source}: ${line}` : line;
}

export class ConfigError extends NetprobeError {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  /** The file (or other origin) the config came from, when known; it prefixes every line of `message`. */
  readonly source: string | undefined;

  constructor(issues: readonly ConfigIssue[], options: { source?: string; cause?: unknown } = {}) {
    super('config_invalid', issues.map((issue) => formatIssue(issue, options.source)).join('\n'), {
      cause: options.cause,
    });
    this.issues = issues;
    this.source = options.source;
  }
}

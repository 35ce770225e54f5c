import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/exit.ts';
import { EscalatorEventError } from '../../functions/escalator/handler.ts';
import { ApiError } from '../../functions/probe-api/http.ts';
import { RunEventError } from '../../functions/probe-runner/handler.ts';
import { EnvError } from '../../functions/shared/env.ts';
import { FindingsLostError } from '../../functions/shared/persist-findings.ts';
import { MetricsPublishError } from '../../shared/adapters/cloudwatch-metrics.ts';
import { RetryTimeExhaustedError } from '../../shared/adapters/retry.ts';
import { UnknownTeamError } from '../../shared/adapters/sns-notifier.ts';
import { ConfigError } from '../../shared/config/errors.ts';
import { parseTargetUrl } from '../../shared/config/url.ts';
import { FindingsFileError } from '../../shared/domain/findings-input.ts';
import { NetprobeError } from '../../shared/errors.ts';
import { FindingsNotSpilledError } from '../../shared/ports/spill.ts';
import { FindingsNotStoredError, InvalidCursorError } from '../../shared/ports/store.ts';

const cause = new Error('ThrottlingException');

describe('one error base: every error netprobe throws on purpose is a NetprobeError with a stable code', () => {
  it.each([
    [new ConfigError([{ path: 'monitors[0].id', message: 'required' }]), 'ConfigError', 'config_invalid'],
    [new InvalidCursorError('cursor: not ours'), 'InvalidCursorError', 'cursor_invalid'],
    [new FindingsFileError([{ line: 3, message: 'not JSON' }]), 'FindingsFileError', 'findings_file_invalid'],
    [
      new RetryTimeExhaustedError('40 ms left: no time for a retry'),
      'RetryTimeExhaustedError',
      'retry_time_exhausted',
    ],
    [new MetricsPublishError(2, 10, cause), 'MetricsPublishError', 'metrics_publish_failed'],
    [new UnknownTeamError('no topic for team x'), 'UnknownTeamError', 'team_unknown'],
    [new FindingsNotStoredError([], 2, 'throttled'), 'FindingsNotStoredError', 'findings_not_stored'],
    [new FindingsNotSpilledError([], 2, cause), 'FindingsNotSpilledError', 'findings_not_spilled'],
    [new FindingsLostError(2, 2, cause), 'FindingsLostError', 'findings_lost'],
    [new EnvError('environment: X is not set'), 'EnvError', 'env_invalid'],
    [new RunEventError('event.detail: required'), 'RunEventError', 'run_event_invalid'],
    [new EscalatorEventError('not a stream batch'), 'EscalatorEventError', 'escalator_event_invalid'],
    [new ApiError(400, 'limit: expected 1-1000'), 'ApiError', 'invalid_request'],
    [new ApiError(404, 'no such monitor'), 'ApiError', 'not_found'],
    [new UsageError('--timeout: must be more than 0 ms'), 'UsageError', 'usage'],
  ])('%s', (error, name, code) => {
    expect(error).toBeInstanceOf(NetprobeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });

  it('keeps the messages and the cause', () => {
    expect(new FindingsFileError([{ line: 3, message: 'not JSON' }]).message).toBe('line 3: not JSON');
    const published = new MetricsPublishError(2, 10, cause);
    expect(published.message).toBe('2 of 10 metric datums not published: ThrottlingException');
    expect(published.cause).toBe(cause);
    expect(new ConfigError([{ path: 'a.b', message: 'bad' }], { source: 'x.ts' }).message).toBe(
      'x.ts: a.b: bad',
    );
  });

  it('a bad URL fails with a NetprobeError (ConfigError) naming the problem', () => {
    let thrown: unknown;
    try {
      parseTargetUrl('ftp://x');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NetprobeError);
    expect((thrown as NetprobeError).code).toBe('config_invalid');
  });
});

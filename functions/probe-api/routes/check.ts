/**
 * POST /check: one ad-hoc probe of a target URL, from this region, now. Same URL schemes and options
 * as `netprobe check` (parseTargetUrl): http://, https://, tcp://, tls://, dns://. The target is the
 * caller's choice, so it runs behind the SSRF guard and its finding is neither stored nor turned into
 * metrics (it belongs to no monitor: no history, no alarm, no billed series).
 *
 * Body: {"url": "https://example.com/health", "timeout": "5s", "insecure": true, …}
 *   timeout      a duration ("1500ms", "2s") or ms; default 10s, at most what the invocation has left
 *   thresholds   {"ttfb": "500ms", …}: over one, the finding is degraded
 *   any other TargetOptions key (method, headers, body, assert, expect, send, allAddresses, partial, ca, …)
 */
import * as z from 'zod';
import { checkDuration, formatDuration } from '../../../shared/config/duration.ts';
import { ConfigError } from '../../../shared/config/errors.ts';
import { parseTargetUrl, type TargetOptions } from '../../../shared/config/url.ts';
import { checkOnce } from '../../../shared/engine/run-monitors.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { PROBES } from '../../../shared/probes/index.ts';
import type { ProbeSpec } from '../../../shared/probes/spec.ts';
import { flushReserveMs, probeDeadline } from '../../shared/invocation.ts';
import type { ProbeApiDeps } from '../deps.ts';
import { type ApiResponse, badRequest, describeIssues, json, jsonBody, type RouteRequest } from '../http.ts';
import { checkGuard, forbidden, GUARD_SCOPES, guardedProbes } from '../ssrf-guard.ts';

const duration = z.union([z.number().int().positive(), z.string()], {
  error: 'expected a duration like "2s" or "1500ms", or a positive whole number of ms',
});

const checkBody = z.looseObject({
  url: z.string({ error: 'required: the target URL (http, https, tcp, tls or dns)' }),
  timeout: duration.optional(),
  thresholds: z.record(z.string(), duration).optional(),
});

function ms(value: number | string, path: string): number {
  if (typeof value === 'number') return value;
  const parsed = checkDuration(value);
  if ('error' in parsed) throw badRequest(`${path}: ${parsed.error}`);
  return parsed.ms;
}

/** parseTargetUrl's issue paths are option names; the body names timeout `timeout`. */
function bodyPath(path: string): string {
  const named = path === 'timeoutMs' ? 'timeout' : path;
  return named ? `body.${named}` : 'body';
}

export function specOf(input: unknown): ProbeSpec {
  if (input === undefined) throw badRequest('body: required: {"url": "<target URL>", …}');
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest('body: expected a JSON object like {"url": "https://example.com/"}');
  }
  const parsed = checkBody.safeParse(input);
  if (!parsed.success) throw badRequest(describeIssues(parsed.error, 'body'));
  const { url, timeout, thresholds } = parsed.data;
  // The other keys as sent (own keys only): zod's output drops "__proto__", which must be reported too.
  const options = Object.fromEntries(
    Object.entries(input).filter(([key]) => !Object.hasOwn(checkBody.shape, key)),
  );
  const targetOptions: TargetOptions = {
    ...(options as TargetOptions),
    ...(timeout === undefined ? {} : { timeoutMs: ms(timeout, 'body.timeout') }),
    ...(thresholds === undefined
      ? {}
      : {
          thresholds: Object.fromEntries(
            Object.entries(thresholds).map(([phase, value]) => [
              phase,
              ms(value, `body.thresholds.${phase}`),
            ]),
          ),
        }),
  };
  try {
    return parseTargetUrl(url, targetOptions);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw badRequest(error.issues.map((issue) => `${bodyPath(issue.path)}: ${issue.message}`).join('; '));
  }
}

export async function checkRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  const { deps, context } = req;
  const spec = specOf(jsonBody(req.event));
  const deadline = probeDeadline(context, deps.reserveMs ?? flushReserveMs);
  const left = Math.floor(deadline - performance.now());
  if (spec.timeoutMs > left) {
    throw badRequest(
      `body.timeout: ${formatDuration(spec.timeoutMs)} is longer than this call can wait (about ${formatDuration(Math.max(0, left))} left); ask for less`,
    );
  }

  const guard = checkGuard(deps.config.allowPrivateTargets, GUARD_SCOPES.check);
  const clock = deps.clock ?? systemClock;
  const finding = await checkOnce(spec, {
    location: deps.region,
    signal: req.signal ? AbortSignal.any([guard.signal, req.signal]) : guard.signal,
    deadline,
    probes: guardedProbes(deps.probes ?? PROBES, guard.guard),
    classification: deps.config.classification,
    now: () => clock.now(),
  });
  if (guard.refusals.length > 0) throw forbidden(guard.refusals);
  return json(200, { finding });
}

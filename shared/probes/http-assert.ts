/**
 * HTTP assertions and latency thresholds: pure functions over a finished response.
 * Messages never quote a secret header's value, nor the expected value configured for it.
 */
import { isSecretName } from './http-redact.ts';
import { selectJson } from './json-path.ts';
import { describeMatch, matches, quote } from './match.ts';
import type { HttpSpec, LatencyThresholds, Match } from './spec.ts';
import type { Layer, Phase, ProbeError, Timings } from './types.ts';
import { PHASES } from './types.ts';

/** Accepted when the spec lists no status: any success or (unfollowed) redirect. */
const DEFAULT_STATUS: [number, number][] = [[200, 399]];

export type HttpAssert = HttpSpec['assert'];

export function checkStatus(status: number, accepted: HttpAssert['status']): ProbeError | null {
  const ranges = (accepted ?? DEFAULT_STATUS).map((s): [number, number] =>
    typeof s === 'number' ? [s, s] : s,
  );
  if (ranges.some(([lo, hi]) => status >= lo && status <= hi)) return null;
  const wanted = ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(', ');
  return { code: 'HTTP_STATUS', message: `HTTP status ${status}, expected ${wanted}` };
}

/** The body is kept in memory (up to maxBodyBytes) only when an assertion reads it. */
export function needsBody(a: HttpAssert): boolean {
  return (a.body?.length ?? 0) > 0 || (a.json?.length ?? 0) > 0;
}

/** Header, body and JSON assertions, in that order; the first failure is reported. */
export function checkContent(
  a: HttpAssert,
  headers: Record<string, string | string[] | undefined>,
  body: string | undefined,
): ProbeError | null {
  for (const [rawName, m] of Object.entries(a.headers ?? {})) {
    const name = rawName.toLowerCase();
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value !== undefined && matches(m, value)) continue;
    if (isSecretName(name)) return failed(`header ${name} does not have the expected value`);
    const got = value === undefined ? 'header absent' : `got ${quote(value)}`;
    return failed(`header ${name} does not ${describeMatch(m)}: ${got}`);
  }
  for (const m of a.body ?? []) {
    if (!matches(m, body ?? '')) return failed(`body does not ${describeMatch(m)}`);
  }
  if (a.json && a.json.length > 0) {
    let doc: unknown;
    try {
      doc = JSON.parse(body ?? '');
    } catch {
      return failed('body is not valid JSON, so JSON path assertions cannot be checked');
    }
    for (const { path, match } of a.json) {
      const error = checkJsonPath(doc, path, match);
      if (error) return error;
    }
  }
  return null;
}

function checkJsonPath(doc: unknown, path: string, m: Match): ProbeError | null {
  const found = selectJson(doc, path);
  if ('error' in found) return failed(found.error);
  if (found.length === 0) return failed(`JSON path ${path} matched nothing`);
  const values = found.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (values.some((v) => matches(m, v))) return null;
  return failed(`JSON path ${path} does not ${describeMatch(m)}: got ${quote(values[0] ?? '')}`);
}

const PHASE_LAYER: Record<Phase, Layer> = {
  dns: 'dns',
  connect: 'transport',
  tls: 'tls',
  ttfb: 'application',
  transfer: 'application',
  total: 'application',
};

/** The first phase (in PHASES order, i.e. bottom-up) over its threshold, as a degraded LATENCY_HIGH. */
export function checkThresholds(
  timings: Timings,
  thresholds: LatencyThresholds,
): { error: ProbeError; layer: Layer } | null {
  for (const phase of PHASES) {
    const limit = thresholds[phase];
    const took = timings[phase];
    if (limit === undefined || took === undefined || took <= limit) continue;
    return {
      error: {
        code: 'LATENCY_HIGH',
        message: `${phase} took ${took.toFixed(1)} ms, over the ${limit} ms threshold`,
      },
      layer: PHASE_LAYER[phase],
    };
  }
  return null;
}

function failed(message: string): ProbeError {
  return { code: 'ASSERTION_FAILED', message };
}

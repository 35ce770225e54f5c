/**
 * The prober registry (kind → probe, as blackbox_exporter's prober map) and the one deadline runner
 * every caller goes through: CLI, probe-runner Lambda, triage. It owns the time budget: one hard
 * deadline per probe covering every phase, handed down as { signal, deadline }, and a safety net so a
 * probe that ignores its signal or throws still yields a result on time. Never rejects for a valid spec.
 */
import { dnsProbe, dnsTarget } from './dns.ts';
import { httpProbe } from './http.ts';
import { redactUrl } from './http-redact.ts';
import { formatAddress } from './net-errors.ts';
import type { DnsSpec, HttpSpec, ProbeSpec, TcpSpec } from './spec.ts';
import { tcpProbe, tcpTarget } from './tcp.ts';
import {
  type ErrorCode,
  type Layer,
  PROBE_KINDS,
  type Probe,
  type ProbeContext,
  type ProbeDetails,
  type ProbeKind,
  type ProbeResult,
} from './types.ts';

export interface ProbeRegistry {
  dns: Probe<DnsSpec>;
  tcp: Probe<TcpSpec>;
  http: Probe<HttpSpec>;
}

export const PROBES: ProbeRegistry = { dns: dnsProbe, tcp: tcpProbe, http: httpProbe };

/**
 * How long after its deadline a probe may still deliver its own result before the runner answers for
 * it. The contract asks probes to return within ~50 ms of the abort; this leaves them room on a busy host.
 */
export const DEADLINE_GRACE_MS = 100;

export interface RunProbeOptions {
  /** The caller's budget, e.g. a Lambda's remaining time: aborting it cuts the probe like its own deadline. */
  signal?: AbortSignal;
  /** performance.now() time the probe must end by when that comes before start + spec.timeoutMs (a run's deadline). */
  deadline?: number;
  /** Probers to use instead of PROBES (tests, or a caller with injected network dependencies). */
  probes?: ProbeRegistry;
}

/** What a kind reports when it runs out of time, and the layer its own failures default to. */
const KIND_FAILURE: Record<ProbeKind, { timeout: ErrorCode; layer: Layer }> = {
  dns: { timeout: 'DNS_TIMEOUT', layer: 'dns' },
  tcp: { timeout: 'TCP_TIMEOUT', layer: 'transport' },
  http: { timeout: 'HTTP_TIMEOUT', layer: 'application' },
};

/**
 * Runs `spec` with its prober under one hard deadline: min(start + spec.timeoutMs, opts.deadline),
 * also ended by opts.signal. Resolves by deadline + DEADLINE_GRACE_MS whatever the prober does.
 * Rejects only for a spec no prober can take (unknown kind, timeoutMs not a positive number): a caller bug.
 */
export async function runProbe(spec: ProbeSpec, opts: RunProbeOptions = {}): Promise<ProbeResult> {
  assertRunnable(spec);
  const probes = opts.probes ?? PROBES;
  const started = performance.now();
  const deadline = Math.min(started + spec.timeoutMs, opts.deadline ?? Number.POSITIVE_INFINITY);

  const own = new AbortController();
  const deadlineTimer = setTimeout(() => own.abort(), Math.max(0, deadline - started));
  const signal = opts.signal ? AbortSignal.any([own.signal, opts.signal]) : own.signal;
  const ctx: ProbeContext = { signal, deadline };

  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let onAbort = (): void => {};
  const overdue = new Promise<ProbeResult>((resolve) => {
    onAbort = () => {
      graceTimer = setTimeout(() => {
        const elapsed = performance.now() - started;
        const cutBy = own.signal.aborted ? `its ${Math.round(deadline - started)} ms deadline` : 'the caller';
        resolve(
          failedResult(
            spec,
            KIND_FAILURE[spec.kind].timeout,
            `no result ${Math.round(elapsed)} ms after start: cut by ${cutBy}`,
            elapsed,
          ),
        );
      }, DEADLINE_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });

  // The async wrapper also catches a prober that throws synchronously instead of returning a rejected promise.
  const probed = (async () => dispatch(probes, spec, ctx))().catch((err: unknown) =>
    failedResult(
      spec,
      'PROBE_ERROR',
      `${spec.kind} probe threw: ${describe(err)}`,
      performance.now() - started,
    ),
  );
  try {
    return await Promise.race([probed, overdue]);
  } finally {
    clearTimeout(deadlineTimer);
    clearTimeout(graceTimer);
    signal.removeEventListener('abort', onAbort);
  }
}

function dispatch(probes: ProbeRegistry, spec: ProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  switch (spec.kind) {
    case 'dns':
      return probes.dns(spec, ctx);
    case 'tcp':
      return probes.tcp(spec, ctx);
    case 'http':
      return probes.http(spec, ctx);
  }
}

/** Throws a TypeError/RangeError naming the problem when no prober can run `spec`; batch callers check up front. */
export function assertRunnable(spec: ProbeSpec): void {
  const kind: unknown = (spec as { kind?: unknown }).kind;
  if (!(PROBE_KINDS as readonly unknown[]).includes(kind)) {
    throw new TypeError(
      `runProbe: unknown probe kind ${JSON.stringify(kind)} (expected one of ${PROBE_KINDS.join(', ')})`,
    );
  }
  if (typeof spec.timeoutMs !== 'number' || !(spec.timeoutMs > 0) || !Number.isFinite(spec.timeoutMs)) {
    throw new RangeError(
      `runProbe: ${spec.kind} spec timeoutMs must be a positive number of ms, got ${spec.timeoutMs}`,
    );
  }
}

/** Canonical target of a spec, as its prober writes it (the runner needs it when it answers for the prober). */
export function targetOf(spec: ProbeSpec): string {
  switch (spec.kind) {
    case 'dns':
      return dnsTarget(spec);
    case 'tcp':
      return tcpTarget(spec);
    case 'http':
      return redactUrl(spec.url);
  }
}

/** A down result the runner writes on the prober's behalf: details carry the spec, nothing measured. */
function failedResult(spec: ProbeSpec, code: ErrorCode, message: string, elapsed: number): ProbeResult {
  return {
    probe: spec.kind,
    target: targetOf(spec),
    status: 'down',
    timings: { total: elapsed },
    error: { code, message },
    layer: KIND_FAILURE[spec.kind].layer,
    details: emptyDetails(spec),
  };
}

function emptyDetails(spec: ProbeSpec): ProbeDetails {
  switch (spec.kind) {
    case 'dns': {
      const server = spec.server ? formatAddress(spec.server.host, spec.server.port) : 'system';
      const transport = spec.server ? 'udp' : 'system';
      return { kind: 'dns', name: spec.name, type: spec.type, query: { server, transport, answers: [] } };
    }
    case 'tcp':
      return { kind: 'tcp', host: spec.host, port: spec.port, addresses: [], attempts: [] };
    case 'http':
      return { kind: 'http', url: redactUrl(spec.url), method: spec.method, redirects: [] };
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

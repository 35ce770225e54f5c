/**
 * TCP port prober (tcp://host:port, tls://host:port): resolve → connect → [TLS] → [send / expect banner].
 * Every phase is timed; every failure is returned as data with the layer it happened at. The deadline
 * is min(ctx.deadline, start + spec.timeoutMs); on abort every socket is destroyed at once.
 */
import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { foldAddressRuns, missingRun } from './addresses.ts';
import { firstOfEachFamily, pickFamily } from './family.ts';
import { checkThresholds } from './http-assert.ts';
import { describeMatch, matches, quote } from './match.ts';
import { classifyNetError, formatAddress, type NetFailure, timeoutFailure } from './net-errors.ts';
import type { Match, TcpSpec } from './spec.ts';
import { type TlsVerdict, tlsHandshake } from './tls.ts';
import type {
  AddressOrigin,
  ConnectAttempt,
  ConnectGuard,
  Probe,
  ProbeContext,
  ProbeError,
  ProbeResult,
  TcpDetails,
  Timings,
  TlsInfo,
} from './types.ts';

/** What the phases concluded: down with the failure, degraded with the certificate warning, or up. */
type Verdict = TlsVerdict;

/** Received bytes kept while waiting for `expect`: banners are short; a chatty peer must not grow memory. */
const MAX_BANNER_BYTES = 64 * 1024;
/** How much of the received text details.banner keeps. */
const BANNER_REPORT_CHARS = 512;
/** How much of the received text a mismatch message quotes: enough to recognise a banner. */
const RECEIVED_QUOTE_MAX = 120;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type ResolveResult =
  | { ok: true; addresses: ResolvedAddress[]; durationMs: number }
  | { ok: false; failure: NetFailure; durationMs: number };

export type ConnectResult =
  | { ok: true; socket: Socket; durationMs: number }
  | { ok: false; failure: NetFailure; durationMs: number };

/** The system resolver's shape (dns.promises.lookup with all: true), injectable so tests can fake NXDOMAIN or a hang without asking a real DNS server. */
export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (host) => lookup(host, { all: true });

export interface TcpProbeDeps {
  lookup: LookupAll;
}

export function createTcpProbe(deps: TcpProbeDeps = { lookup: systemLookup }): Probe<TcpSpec> {
  return (spec, ctx) => probeTcp(spec, ctx, deps);
}

export const tcpProbe: Probe<TcpSpec> = createTcpProbe();

/** The canonical target of a TCP spec: "tcp://host:port", or "tls://host:port" when TLS runs on top. */
export function tcpTarget(spec: Pick<TcpSpec, 'host' | 'port' | 'tls'>): string {
  return `${spec.tls ? 'tls' : 'tcp'}://${formatAddress(spec.host, spec.port)}`;
}

async function probeTcp(spec: TcpSpec, ctx: ProbeContext, deps: TcpProbeDeps): Promise<ProbeResult> {
  const started = performance.now();
  const budget = deadlineController(ctx, started + spec.timeoutMs);
  const details: TcpDetails = { kind: 'tcp', host: spec.host, port: spec.port, addresses: [], attempts: [] };
  const timings: Partial<Timings> = {};
  const target = tcpTarget(spec);
  // When the last address's clock stopped: describing a certificate afterwards is not probe time.
  const clock: { stoppedAt?: number } = {};
  const total = () => (clock.stoppedAt ?? performance.now()) - started;
  const finish = (status: ProbeResult['status'], error: NetFailure | null): ProbeResult => ({
    probe: 'tcp',
    target,
    status,
    timings: { ...timings, total: total() },
    error: error && { code: error.code, message: error.message },
    layer: error?.layer ?? null,
    details,
  });
  try {
    const outcome = await runPhases(spec, budget.signal, details, timings, deps, ctx.connectGuard, clock);
    if (outcome.status === 'down') return finish('down', outcome.error);
    const slow = checkThresholds({ ...timings, total: total() }, spec.thresholds);
    const latency: NetFailure | null = slow && { ...slow.error, layer: slow.layer };
    // Certificate expiry outranks latency: it is certain to turn into an outage, latency may not.
    const degradation = outcome.error ?? latency;
    return finish(degradation ? 'degraded' : 'up', degradation);
  } catch (err) {
    // Unreachable by design (every phase returns failures as data); kept so a bug never escapes as a throw.
    return finish(
      'down',
      classifyNetError(err, { phase: 'io', address: formatAddress(spec.host, spec.port) }),
    );
  } finally {
    budget.dispose();
  }
}

async function runPhases(
  spec: TcpSpec,
  signal: AbortSignal,
  details: TcpDetails,
  timings: Partial<Timings>,
  deps: TcpProbeDeps,
  guard: ConnectGuard | undefined,
  clock: { stoppedAt?: number },
): Promise<Verdict> {
  const invalid = invalidSpec(spec);
  if (invalid) return { status: 'down', error: invalid };

  const resolved = await resolveHost(spec.host, signal, deps.lookup);
  timings.dns = resolved.durationMs;
  if (!resolved.ok) return { status: 'down', error: resolved.failure };
  details.addresses = resolved.addresses.map((a) => a.address);

  const picked = pickFamily(resolved.addresses, spec.family, spec.host);
  if (!picked.ok) return { status: 'down', error: picked.failure };
  // Every address at once with allAddresses (or one per family with 'both'), each through every phase.
  const each = spec.allAddresses || spec.family === 'both';
  const targets = spec.allAddresses
    ? picked.addresses
    : spec.family === 'both'
      ? firstOfEachFamily(picked.addresses)
      : picked.addresses.slice(0, 1);
  const runs = await Promise.all(targets.map((t) => probeAddress(spec, t, signal, guard)));
  clock.stoppedAt = Math.max(...runs.map((r) => r.stoppedAt));
  details.attempts = runs.map((r) => r.attempt);
  // The first address is the one a client would use: its phases and session are the probe's.
  const first = runs[0] as AddressOutcome;
  Object.assign(timings, first.timings);
  if (first.tls) details.tls = first.tls;
  if (first.banner !== undefined) details.banner = first.banner;
  if (!each) return first.verdict;
  const dns = resolved.durationMs;
  const folded = foldAddressRuns(
    [
      ...runs.map((r, i) => ({
        ...(targets[i] as ResolvedAddress),
        ...r.verdict,
        timings: { dns, ...r.timings, total: dns + r.ms },
      })),
      ...picked.missing.map(({ family, failure }) => missingRun(spec.host, family, failure, dns)),
    ],
    spec.partial,
  );
  details.addressResults = folded.addressResults;
  return { status: folded.status, error: folded.error };
}

/** One address through connect, [TLS] and [send / expect]: what it concluded and its own phases. */
interface AddressOutcome {
  verdict: Verdict;
  attempt: ConnectAttempt;
  timings: Partial<Omit<Timings, 'dns' | 'total'>>;
  /** From the connect to the end of the last phase. */
  ms: number;
  /** performance.now() at the end of the last phase, before the certificate is described. */
  stoppedAt: number;
  tls?: TlsInfo;
  banner?: string;
}

async function probeAddress(
  spec: TcpSpec,
  target: ResolvedAddress,
  signal: AbortSignal,
  guard: ConnectGuard | undefined,
): Promise<AddressOutcome> {
  const started = performance.now();
  const where = label(spec, target);
  const connected = await connectTcp(
    target.address,
    spec.port,
    signal,
    where,
    guardFor(guard, spec.host, 'target'),
  );
  const out: AddressOutcome = {
    verdict: { status: 'up', error: null },
    attempt: attemptOf(target, spec.port, connected),
    timings: { connect: connected.durationMs },
    ms: 0,
    stoppedAt: 0,
  };
  // The clock stops first; a verdict given as a function (describing the certificate) runs after it.
  const end = (verdict: Verdict | (() => Verdict)): AddressOutcome => {
    out.stoppedAt = performance.now();
    out.ms = out.stoppedAt - started;
    out.verdict = typeof verdict === 'function' ? verdict() : verdict;
    return out;
  };
  if (!connected.ok) return end({ status: 'down', error: connected.failure });
  let stream: Socket = connected.socket;
  // The certificate is described once the exchange's clocks have stopped (it decodes and formats).
  let describeTls: (() => { info: TlsInfo; verdict: Verdict }) | undefined;
  const describe = (): Verdict => {
    if (describeTls === undefined) return { status: 'up', error: null };
    const { info, verdict } = describeTls();
    out.tls = info;
    return verdict;
  };
  try {
    if (spec.tls) {
      const hs = await tlsHandshake(connected.socket, {
        tls: spec.tls,
        host: spec.host,
        address: where,
        signal,
      });
      out.timings.tls = hs.durationMs;
      if (!hs.ok) return end({ status: 'down', error: hs.failure });
      stream = hs.socket;
      describeTls = hs.describe;
      if (hs.refused) return end(describe);
    }
    if (spec.send !== undefined || spec.expect !== undefined) {
      const exchanged = await exchange(stream, spec, signal, where);
      if (exchanged.banner !== undefined) out.banner = exchanged.banner;
      if (exchanged.ttfb !== undefined) out.timings.ttfb = exchanged.ttfb;
      if (exchanged.transfer !== undefined) out.timings.transfer = exchanged.transfer;
      const failure = exchanged.failure;
      if (failure) {
        return end(() => {
          describe();
          return { status: 'down', error: failure };
        });
      }
    }
    return end(describe);
  } finally {
    stream.destroy();
    connected.socket.destroy();
  }
}

/**
 * Resolves `host` with the system resolver (getaddrinfo, as every client on the box does). IP literals
 * skip the resolver and take 0 ms. getaddrinfo cannot be cancelled: on abort we stop waiting for it.
 */
export async function resolveHost(
  host: string,
  signal: AbortSignal,
  lookupAll: LookupAll = systemLookup,
): Promise<ResolveResult> {
  const family = isIP(host);
  if (family === 4 || family === 6)
    return { ok: true, addresses: [{ address: host, family }], durationMs: 0 };
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const outcome = await untilAborted(
    lookupAll(host).then(
      (list) => ({ list }),
      (error: unknown) => ({ error }),
    ),
    signal,
  );
  if (outcome === undefined)
    return { ok: false, failure: timeoutFailure('dns', host, elapsed()), durationMs: elapsed() };
  if ('error' in outcome) {
    return {
      ok: false,
      failure: classifyNetError(outcome.error, { phase: 'dns', address: host }),
      durationMs: elapsed(),
    };
  }
  const addresses = outcome.list.map(
    (a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }) as const,
  );
  if (addresses.length === 0) {
    const failure: NetFailure = {
      code: 'DNS_NO_ANSWER',
      layer: 'dns',
      message: `${host} resolved to no addresses`,
    };
    return { ok: false, failure, durationMs: elapsed() };
  }
  return { ok: true, addresses, durationMs: elapsed() };
}

/** A ConnectGuard bound to the name being connected to and where it came from, as connectTcp takes it. */
export type AddressGuard = (address: string, port: number) => ProbeError | null;

export function guardFor(
  guard: ConnectGuard | undefined,
  host: string,
  origin: AddressOrigin,
): AddressGuard | undefined {
  return guard && ((address, port) => guard(address, port, host, origin));
}

/**
 * Opens a TCP connection to an IP `address`, timed from connect() to the handshake's completion.
 * Never rejects; `where` names the peer in messages (default "address:port"). On success the caller owns the socket.
 * `guard` (ProbeContext.connectGuard) may refuse the address: then no connection is attempted at all.
 */
export function connectTcp(
  address: string,
  port: number,
  signal: AbortSignal,
  where?: string,
  guard?: AddressGuard,
): Promise<ConnectResult> {
  const started = performance.now();
  const name = where ?? formatAddress(address, port);
  const refused = guard?.(address, port);
  if (refused) {
    return Promise.resolve({ ok: false, failure: { ...refused, layer: 'transport' }, durationMs: 0 });
  }
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, noDelay: true });
    const done = (result: ConnectResult) => {
      signal.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      // Errors after this point are read by the phase that owns the socket; none may go unhandled.
      socket.on('error', () => {});
      resolve(result);
    };
    const onConnect = () => done({ ok: true, socket, durationMs: performance.now() - started });
    const onError = (err: Error) => {
      socket.destroy();
      done({
        ok: false,
        failure: classifyNetError(err, { phase: 'connect', address: name }),
        durationMs: performance.now() - started,
      });
    };
    const onAbort = () => {
      socket.destroy();
      const waited = performance.now() - started;
      done({ ok: false, failure: timeoutFailure('connect', name, waited), durationMs: waited });
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface Exchange {
  banner?: string;
  /** Ready (connected / handshake done) → first byte received. */
  ttfb?: number;
  /** First byte → expectation met. */
  transfer?: number;
  failure?: NetFailure;
}

/** Writes `send`, then reads until `expect` matches, the peer closes, or the deadline. */
function exchange(socket: Socket, spec: TcpSpec, signal: AbortSignal, where: string): Promise<Exchange> {
  const started = performance.now();
  const expected = spec.expect;
  return new Promise((resolve) => {
    let received = '';
    let firstByteAt: number | undefined;
    const result = (failure?: NetFailure): Exchange => ({
      banner: firstByteAt === undefined ? undefined : received.slice(0, BANNER_REPORT_CHARS),
      ttfb: firstByteAt === undefined ? undefined : firstByteAt - started,
      transfer: firstByteAt === undefined ? undefined : performance.now() - firstByteAt,
      failure,
    });
    const done = (failure?: NetFailure) => {
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(result(failure));
    };
    const mismatch = (why: string): NetFailure => ({
      code: 'ASSERTION_FAILED',
      layer: 'application',
      message: `${where} ${why}; expected the reply to ${describeMatch(expected as Match)}, received ${quote(received, RECEIVED_QUOTE_MAX)}`,
    });
    const onData = (chunk: Buffer) => {
      firstByteAt ??= performance.now();
      if (received.length < MAX_BANNER_BYTES) received += chunk.toString('utf8');
      if (expected && bannerMatches(expected, received)) done();
    };
    const onEnd = () => done(mismatch('closed the connection'));
    const onError = (err: Error) => done(classifyNetError(err, { phase: 'io', address: where }));
    const onAbort = () => {
      const waited = Math.round(performance.now() - started);
      done(
        expected
          ? mismatch(`sent nothing matching within ${waited} ms`)
          : timeoutFailure('io', where, waited),
      );
    };

    socket.on('data', onData).once('end', onEnd).once('error', onError);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (spec.send !== undefined) {
      // Without an expectation, the exchange is done once the kernel has the bytes.
      socket.write(spec.send, () => {
        if (!expected) done();
      });
    }
  });
}

/** `equals` compares the banner line without its line ending (SSH, SMTP, Redis all end theirs with CRLF). */
function bannerMatches(expected: Match, received: string): boolean {
  return matches(expected, 'equals' in expected ? received.replace(/\r?\n$/, '') : received);
}

function invalidSpec(spec: TcpSpec): NetFailure | null {
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    return {
      code: 'TCP_UNREACHABLE',
      layer: 'transport',
      message: `port ${spec.port} is not a TCP port (1-65535)`,
    };
  }
  return null;
}

function attemptOf(target: ResolvedAddress, port: number, result: ConnectResult): ConnectAttempt {
  const attempt: ConnectAttempt = { address: target.address, family: target.family, port };
  if (result.ok) attempt.connectMs = result.durationMs;
  else attempt.error = { code: result.failure.code, message: result.failure.message };
  return attempt;
}

/** "db.internal (10.0.0.7:5432)" when the host is a name, "10.0.0.7:5432" when it is the address itself. */
function label(spec: TcpSpec, target: ResolvedAddress): string {
  const address = formatAddress(target.address, spec.port);
  return spec.host === target.address ? address : `${spec.host} (${address})`;
}

/** Resolves with the promise's value, or undefined as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/** One signal for the probe: the caller's deadline or our own timeoutMs, whichever comes first. */
function deadlineController(
  ctx: ProbeContext,
  ownDeadline: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, Math.max(0, Math.min(ctx.deadline, ownDeadline) - performance.now()));
  if (ctx.signal.aborted) abort();
  else ctx.signal.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', abort);
    },
  };
}

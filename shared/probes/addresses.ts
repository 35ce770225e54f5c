/**
 * Probing every address of a name (`allAddresses` on http and tcp blocks): one run per address, each
 * with its own phases, folded into one result. The top-level timings, details and certificate are
 * those of the first address, the one a client would use; `details.addressResults` has every one.
 * One address failing among healthy ones is `down` by default, or `degraded` with `partial: 'degraded'`
 * (the "one node behind round-robin DNS is down" case); every address failing is always `down`.
 */
import { familyName } from './family.ts';
import type { NetFailure } from './net-errors.ts';
import type { PartialPolicy } from './spec.ts';
import type { AddressResult, ProbeResult, Status } from './types.ts';

/** One address's run, as the prober measured it. */
export interface AddressRun {
  address: string;
  family: 4 | 6;
  status: Status;
  error: NetFailure | null;
  timings: ProbeResult['timings'];
}

export interface AddressVerdict {
  status: Status;
  error: NetFailure | null;
  addressResults: AddressResult[];
}

/** Folds the runs (first address first; at least one) into the probe's status and error. */
export function foldAddressRuns(
  runs: readonly AddressRun[],
  partial: PartialPolicy = 'down',
): AddressVerdict {
  const addressResults = runs.map(toAddressResult);
  const first = runs[0] as AddressRun;
  const failed = runs.filter((r) => r.status === 'down');
  if (failed.length === 0) {
    // Every address works; the first one that is slow or expiring speaks for the probe.
    const degraded = runs.find((r) => r.status === 'degraded');
    return {
      status: degraded ? 'degraded' : first.status,
      error: degraded?.error ?? first.error,
      addressResults,
    };
  }
  const worst = failed[0] as AddressRun;
  const error = worst.error as NetFailure;
  if (runs.length === 1) return { status: 'down', error, addressResults };
  const all = failed.length === runs.length;
  const count = all
    ? `all ${runs.length} addresses failed`
    : `${failed.length} of ${runs.length} addresses failed`;
  const split = all ? undefined : familySplit(runs, failed);
  return {
    status: all || partial === 'down' ? 'down' : 'degraded',
    error: { ...error, message: `${split ? `${split} (${count})` : count}; ${error.message}` },
    addressResults,
  };
}

/** "IPv6 path broken, IPv4 fine" when every failed run is of one family and every other of the other. */
function familySplit(runs: readonly AddressRun[], failed: readonly AddressRun[]): string | undefined {
  const broken = (failed[0] as AddressRun).family;
  const fine = runs.filter((r) => r.status !== 'down');
  if (failed.some((r) => r.family !== broken) || fine.some((r) => r.family === broken)) return undefined;
  return `${familyName(broken)} path broken, ${familyName(broken === 4 ? 6 : 4)} fine`;
}

/** A family the name has no address of, with family 'both': a failed run named by the host. */
export function missingRun(host: string, family: 4 | 6, failure: NetFailure, dnsMs: number): AddressRun {
  return { address: host, family, status: 'down', error: failure, timings: { dns: dnsMs, total: dnsMs } };
}

function toAddressResult(run: AddressRun): AddressResult {
  return {
    address: run.address,
    family: run.family,
    status: run.status,
    code: run.error?.code ?? null,
    timings: run.timings,
  };
}

/**
 * Probing every address of a name (`allAddresses` on http and tcp blocks): one run per address, each
 * with its own phases, folded into one result. The top-level timings, details and certificate are
 * those of the first address, the one a client would use; `details.addressResults` has every one.
 * One address failing among healthy ones is `down` by default, or `degraded` with `partial: 'degraded'`
 * (the "one node behind round-robin DNS is down" case); every address failing is always `down`.
 */
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
  return {
    status: all || partial === 'down' ? 'down' : 'degraded',
    error: { ...error, message: `${count}; ${error.message}` },
    addressResults,
  };
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

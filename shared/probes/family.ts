/**
 * IP family selection (`family` on http, tcp and dns blocks): which of a name's addresses a probe uses.
 *   'auto' (default)  the resolver's order, as today: the first address (every one with allAddresses);
 *   4 | 6             only addresses of that family; none is DNS_NO_ANSWER naming the family;
 *   'both'            the first address of each family (every one with allAddresses), each run on its
 *                     own and folded like allAddresses (addresses.ts); a family the name lacks is a
 *                     failed run of that family.
 */
import type { NetFailure } from './net-errors.ts';
import type { IpFamily } from './spec.ts';

/** A resolved address (tcp.ts ResolvedAddress), as far as picking by family needs it. */
interface Addressed {
  address: string;
  family: 4 | 6;
}

export type FamilyPick<A extends Addressed> =
  | { ok: true; addresses: A[]; missing: { family: 4 | 6; failure: NetFailure }[] }
  | { ok: false; failure: NetFailure };

/** "IPv6" for 6. */
export function familyName(family: 4 | 6): string {
  return `IPv${family}`;
}

/**
 * The addresses that fit `family`, in resolver order (for 'both', all of them, and the families the
 * name has no address of). Which of them are dialled is the prober's: the first, every one, or
 * firstOfEachFamily.
 */
export function pickFamily<A extends Addressed>(
  resolved: readonly A[],
  family: IpFamily | undefined,
  host: string,
): FamilyPick<A> {
  if (family === undefined || family === 'auto') return { ok: true, addresses: [...resolved], missing: [] };
  if (family === 4 || family === 6) {
    const fitting = resolved.filter((a) => a.family === family);
    if (fitting.length === 0) return { ok: false, failure: noAddress(host, family, resolved) };
    return { ok: true, addresses: fitting, missing: [] };
  }
  const missing = ([4, 6] as const)
    .filter((f) => !resolved.some((a) => a.family === f))
    .map((f) => ({ family: f, failure: noAddress(host, f, resolved) }));
  return { ok: true, addresses: [...resolved], missing };
}

/** With 'both' and not every address: the first address of each family, in resolver order. */
export function firstOfEachFamily<A extends Addressed>(addresses: readonly A[]): A[] {
  return addresses.filter((a, i) => addresses.findIndex((b) => b.family === a.family) === i);
}

function noAddress(host: string, family: 4 | 6, resolved: readonly Addressed[]): NetFailure {
  const found = resolved.map((a) => a.address).join(', ');
  return {
    code: 'DNS_NO_ANSWER',
    layer: 'dns',
    message: `${host} has no ${familyName(family)} address${found ? ` (it resolved to ${found})` : ''}`,
  };
}

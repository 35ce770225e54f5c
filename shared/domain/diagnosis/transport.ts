/** The transport layer's sentence: which addresses refused, timed out or were unreachable. */
import { formatAddress } from '../../probes/net-errors.ts';
import type { ProbeSpec } from '../../probes/spec.ts';
import type { ErrorCode, TriageStep } from '../../probes/types.ts';
import { endpointOf } from './endpoint.ts';
import type { Failure } from './failure.ts';
import { formatMs, joinParts, sentence } from './words.ts';

/** How a connect failure reads for one address (`one`) and for several (`many … on both addresses`). */
const CONNECT_WORDS: Partial<
  Record<ErrorCode, { one: (where: string) => string; many: string; advice: string }>
> = {
  TCP_REFUSED: {
    one: (where) => `connect refused by ${where}`,
    many: 'connect refused',
    advice: 'check the listener or security group',
  },
  TCP_TIMEOUT: {
    one: (where) => `connect to ${where} timed out`,
    many: 'connect timed out',
    advice: 'packets are dropped: check security groups, NACLs and routes',
  },
  TCP_UNREACHABLE: {
    one: (where) => `${where} unreachable`,
    many: 'unreachable',
    advice: "check routes and the subnet's route table",
  },
  TCP_RESET: {
    one: (where) => `connection reset by ${where}`,
    many: 'connection reset',
    advice: 'check the service and any load balancer in front of it',
  },
};

export function transportSentence(
  spec: ProbeSpec,
  steps: readonly TriageStep[],
  failure: Failure,
  prefix: string,
  note: string,
): string {
  const words = CONNECT_WORDS[failure.code];
  const endpoint = endpointOf(spec);
  // The re-check connects to every address; the probe itself may have tried only the first.
  const recheck = steps.find((s) => s.layer === 'transport');
  const attempts = recheck?.attempts ?? failure.attempts ?? [];
  const failed = attempts.filter((a) => a.error !== undefined);
  const ok = attempts.filter((a) => a.error === undefined);
  if (words === undefined || endpoint === null || attempts.length === 0) {
    return sentence(
      joinParts(prefix, failure.message + note),
      words?.advice ?? 'check the path to the target',
    );
  }
  if (failed.length === 0) {
    const what = `${failure.message} during the probe, but every address accepted a connection on re-check`;
    return sentence(joinParts(prefix, what), "intermittent: check the listener's health and backlog");
  }
  const where = failed.map((a) => formatAddress(a.address, a.port));
  const sameCode = failed.every((a) => a.error?.code === failure.code);
  let what: string;
  if (failed.length === 1) what = words.one(where[0] as string);
  else if (sameCode)
    what = `${words.many} on ${failed.length === 2 ? 'both' : `all ${failed.length}`} addresses (${where.join(', ')})`;
  else what = failed.map((a) => `${formatAddress(a.address, a.port)}: ${a.error?.code}`).join(', ');
  if (ok.length > 0) {
    const good = ok.map(
      (a) => `${formatAddress(a.address, a.port)} connected in ${formatMs(a.connectMs ?? 0)}`,
    );
    // One family failing while the other works (family 'both', or a dual-stack name): say which.
    const broken = failed[0]?.family;
    const familySplit =
      failed.every((a) => a.family === broken) && ok.every((a) => a.family !== broken)
        ? `IPv${broken} path broken, IPv${broken === 4 ? 6 : 4} fine: `
        : '';
    return sentence(
      joinParts(prefix, `${familySplit}${what}${note}; ${good.join(', ')}`),
      familySplit
        ? `check IPv${broken} routing and the listener and security group on IPv${broken}, or remove the ${broken === 6 ? 'AAAA' : 'A'} record`
        : `${words.advice} on the failing address, or take it out of DNS`,
    );
  }
  return sentence(joinParts(prefix, what + note), words.advice);
}

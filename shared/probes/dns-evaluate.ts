/**
 * Judging one DNS response against the spec's assertions: pure functions, shared by the recursive
 * check and by every nameserver of the authoritative check, so both apply the very same rules.
 */
import { describeMatch, matches } from './match.ts';
import type { DnsSpec } from './spec.ts';
import type { DnsAnswer, DnsQueryResult, ErrorCode, ProbeError, Timings } from './types.ts';

const LISTED_ANSWERS_MAX = 5;

/** The error code of a response rcode that is a failure in itself; undefined for the others. */
export function rcodeErrorCode(rcode: string): ErrorCode | undefined {
  switch (rcode) {
    case 'NXDOMAIN':
      return 'DNS_NXDOMAIN';
    case 'SERVFAIL':
      return 'DNS_SERVFAIL';
    case 'REFUSED':
      return 'DNS_REFUSED';
    default:
      return undefined;
  }
}

function listData(answers: DnsAnswer[]): string {
  const shown = answers.slice(0, LISTED_ANSWERS_MAX).map((a) => a.data);
  const more = answers.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` (+${more} more)` : '');
}

/** The answers of the queried type: what matchers and minTtl look at (CNAMEs of a chain are not). */
export function typedAnswers(spec: DnsSpec, result: DnsQueryResult): DnsAnswer[] {
  return result.answers.filter((a) => a.type === spec.type);
}

/**
 * null when the response satisfies the spec; otherwise the first failed rule, in order:
 * no response → rcode → presence of an answer of the type → answer matchers → minTtl.
 */
export function evaluateResponse(spec: DnsSpec, result: DnsQueryResult): ProbeError | null {
  if (result.error) return result.error;
  const rcode = result.rcode ?? 'NOERROR';
  const expected = (spec.assert.rcode ?? 'NOERROR').toUpperCase();
  const subject = `${spec.name} ${spec.type} at ${result.server}`;
  if (rcode !== expected) {
    return {
      code: rcodeErrorCode(rcode) ?? 'ASSERTION_FAILED',
      message: `${subject}: rcode ${rcode}, expected ${expected}`,
    };
  }
  // An expected error rcode (e.g. "this name must not exist") has nothing more to check.
  if (expected !== 'NOERROR') return null;

  const typed = typedAnswers(spec, result);
  if (typed.length === 0) {
    const chain = result.answers.filter((a) => a.type === 'CNAME').map((a) => a.data);
    return {
      code: 'DNS_NO_ANSWER',
      message:
        `${subject}: NOERROR but no ${spec.type} record` +
        (chain.length > 0 ? ` (CNAME chain ends at ${chain[chain.length - 1]})` : ''),
    };
  }
  for (const m of spec.assert.answers ?? []) {
    if (!typed.some((a) => matches(m, a.data))) {
      return {
        code: 'DNS_MISMATCH',
        message: `${subject}: no ${spec.type} answer ${describeMatch(m, 'third-person')}; got ${listData(typed)}`,
      };
    }
  }
  const minTtl = spec.assert.minTtl;
  if (minTtl !== undefined) {
    if (result.transport === 'system') {
      return {
        code: 'ASSERTION_FAILED',
        message: `${subject}: minTtl cannot be checked, the system resolver (getaddrinfo) reports no TTL`,
      };
    }
    const lowest = typed.reduce((low, a) => (a.ttl < low.ttl ? a : low));
    if (lowest.ttl < minTtl) {
      return {
        code: 'ASSERTION_FAILED',
        message: `${subject}: TTL ${lowest.ttl} of ${lowest.data} is below minTtl ${minTtl}`,
      };
    }
  }
  return null;
}

/**
 * LATENCY_HIGH when the query time or the total is over its threshold. `queryTimes` are every query
 * time that counts against thresholds.dns (in authoritative mode: the configured server's and each
 * nameserver's), so the slowest one decides.
 */
export function latencyProblem(spec: DnsSpec, timings: Timings, queryTimes: number[]): ProbeError | null {
  const dnsLimit = spec.thresholds.dns;
  const slowest = Math.max(...queryTimes);
  if (dnsLimit !== undefined && queryTimes.length > 0 && slowest > dnsLimit) {
    return {
      code: 'LATENCY_HIGH',
      message: `DNS query time ${slowest.toFixed(1)} ms is over the ${dnsLimit} ms threshold`,
    };
  }
  const totalLimit = spec.thresholds.total;
  if (totalLimit !== undefined && timings.total > totalLimit) {
    return {
      code: 'LATENCY_HIGH',
      message: `DNS check took ${timings.total.toFixed(1)} ms in total, over the ${totalLimit} ms threshold`,
    };
  }
  return null;
}

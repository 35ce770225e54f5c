/** A slow result's sentence: which phase crossed its threshold, and the advice for that phase. */
import type { ProbeSpec } from '../../probes/spec.ts';
import type { Phase, ProbeError, ProbeResult } from '../../probes/types.ts';
import { formatMs, sentence } from './words.ts';

const SLOW_ADVICE: Record<Phase, string> = {
  dns: "check the resolver's load and the path to it",
  connect: 'check the network path (latency, packet loss, a saturated listener backlog)',
  tls: 'check TLS termination (CPU, certificate chain size, OCSP)',
  ttfb: "check the application's response time",
  transfer: 'check the response size and the bandwidth to it',
  total: 'check the slowest phase',
};

export function slowSentence(spec: ProbeSpec, result: ProbeResult): string {
  const thresholds = spec.thresholds;
  const order: Phase[] = ['dns', 'connect', 'tls', 'ttfb', 'transfer', 'total'];
  const crossed = order.find((p) => {
    const limit = thresholds[p];
    const took = result.timings[p];
    return limit !== undefined && took !== undefined && took > limit;
  });
  if (crossed === undefined) {
    return sentence(`Works but slow: ${(result.error as ProbeError).message}`, SLOW_ADVICE.total);
  }
  const took = result.timings[crossed] as number;
  const limit = thresholds[crossed] as number;
  const label = spec.kind === 'dns' && crossed === 'dns' ? 'query' : crossed;
  let advice = SLOW_ADVICE[crossed];
  if (crossed === 'total') {
    const slowest = order
      .filter((p) => p !== 'total' && result.timings[p] !== undefined)
      .sort((a, b) => (result.timings[b] ?? 0) - (result.timings[a] ?? 0))[0];
    if (slowest !== undefined)
      advice = `${SLOW_ADVICE[slowest]} (${slowest} took ${formatMs(result.timings[slowest] ?? 0)})`;
  }
  return sentence(
    `Works but slow: ${label} took ${formatMs(took)}, over the ${formatMs(limit)} threshold`,
    advice,
  );
}

/**
 * Findings → metric datums (pure): the one place that decides what a run publishes. Names, units and
 * dimension sets come from METRICS, so the alarms in infra/ read exactly these series.
 *
 * Per finding: Up and Latency always; PhaseLatency for each phase the run reached except total,
 * among the phases chosen (config `metrics.phaseLatency`, default all); CertDaysRemaining (the chain's
 * first expiry, leaf or intermediate) after a TLS handshake that showed a certificate; AddressesFailed
 * when the run probed every address; CdnCacheHit when a CDN cache header was recognised.
 * docs/metrics.md counts the distinct metrics this makes.
 */
import type { MetricDatum } from '../ports/metrics.ts';
import { soonestExpiring } from '../probes/cert-expiry.ts';
import type { ProbeResult } from '../probes/types.ts';
import type { Finding } from './finding.ts';
import { DIMENSIONS, LATENCY_PHASES, type LatencyPhase, METRICS, type MetricDefinition } from './metrics.ts';

export interface MetricDataOptions {
  /**
   * Phases published as PhaseLatency (config `metrics.phaseLatency`; [] publishes none).
   * @default LATENCY_PHASES (every phase)
   */
  readonly phaseLatency?: readonly LatencyPhase[];
}

/** Millisecond values keep microseconds: finer digits are noise, and CloudWatch rejects tiny magnitudes. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Days left of the served chain's first certificate to expire (leaf or intermediate), when a handshake got that far. */
function certDaysLeft(details: ProbeResult['details']): number | undefined {
  if (details.kind === 'dns' || details.tls === undefined) return undefined;
  return soonestExpiring(details.tls)?.certificate.daysLeft;
}

export function findingDatums(finding: Finding, options: MetricDataOptions = {}): MetricDatum[] {
  const phases = options.phaseLatency ?? LATENCY_PHASES;
  const timestamp = new Date(finding.startedAt);
  const base = {
    [DIMENSIONS.monitor]: finding.monitorId,
    [DIMENSIONS.region]: finding.location,
    [DIMENSIONS.probe]: finding.probe,
  };
  const datum = (
    metric: MetricDefinition,
    value: number,
    extra: Record<string, string> = {},
  ): MetricDatum => ({
    name: metric.name,
    unit: metric.unit,
    dimensions: { ...base, ...extra },
    value,
    timestamp,
  });

  const datums = [datum(METRICS.up, finding.status === 'down' ? 0 : 1)];
  // CloudWatch refuses NaN and Infinity; a finding never carries them, a hand-edited replay file might.
  if (Number.isFinite(finding.timings.total)) datums.push(datum(METRICS.latency, ms(finding.timings.total)));
  for (const phase of LATENCY_PHASES) {
    const took = finding.timings[phase];
    if (!phases.includes(phase) || took === undefined || !Number.isFinite(took)) continue;
    datums.push(datum(METRICS.phaseLatency, ms(took), { [DIMENSIONS.phase]: phase }));
  }
  const daysLeft = certDaysLeft(finding.details);
  if (daysLeft !== undefined && Number.isFinite(daysLeft))
    datums.push(datum(METRICS.certDaysRemaining, daysLeft));
  if (finding.details.kind === 'http' && finding.details.cdn) {
    datums.push(datum(METRICS.cdnCacheHit, finding.details.cdn.cache === 'hit' ? 1 : 0));
  }
  const dnssecDays = finding.details.kind === 'dns' ? finding.details.dnssec?.daysLeft : undefined;
  if (dnssecDays !== undefined && Number.isFinite(dnssecDays))
    datums.push(datum(METRICS.dnssecDaysRemaining, dnssecDays));
  // One count per run, never a series per address: the addresses stay in the finding.
  const addresses = finding.details.addressResults;
  if (addresses !== undefined) {
    datums.push(datum(METRICS.addressesFailed, addresses.filter((a) => a.status === 'down').length));
  }
  return datums;
}

/** Every datum of a run, in the findings' order. */
export function metricDatums(findings: readonly Finding[], options: MetricDataOptions = {}): MetricDatum[] {
  return findings.flatMap((finding) => findingDatums(finding, options));
}

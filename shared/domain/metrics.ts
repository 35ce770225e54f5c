/**
 * The CloudWatch metrics netprobe publishes, named once for both sides: the publisher
 * (shared/adapters, one PutMetricData per run) and the alarms and dashboard (infra/).
 * A rename here changes both at once; never spell a metric or dimension name elsewhere.
 *
 * Where they land: every probe region publishes into the HOME region's CloudWatch (the region
 * of the findings table, env TABLE_REGION), with the probing region in the `Region` dimension.
 * CloudWatch alarms can only read metrics of their own region, and the availability alarm of a
 * monitor combines all its regions, so the metrics must meet in one region.
 *
 * Every datum carries exactly the dimensions listed for its metric, in any order: alarms and the
 * watchdog select series by that exact set, and a datum with one dimension more or less is a
 * different metric that no alarm reads (and is billed separately).
 */
import { PHASES, type Phase } from '../probes/types.ts';

/** Dimension names. Values: monitor id, AWS region of the probe ("eu-west-1"), probe kind, phase. */
export const DIMENSIONS = {
  monitor: 'Monitor',
  region: 'Region',
  probe: 'Probe',
  phase: 'Phase',
} as const;

const BASE_DIMENSIONS = [DIMENSIONS.monitor, DIMENSIONS.region, DIMENSIONS.probe] as const;

/** CloudWatch StandardUnit values used here. */
export type MetricUnit = 'None' | 'Milliseconds' | 'Count';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly dimensions: readonly string[];
  readonly description: string;
}

export const METRICS = {
  up: {
    name: 'Up',
    unit: 'None',
    dimensions: BASE_DIMENSIONS,
    description: '1 when the run was up or degraded (the target answered), 0 when down. One datum per run.',
  },
  latency: {
    name: 'Latency',
    unit: 'Milliseconds',
    dimensions: BASE_DIMENSIONS,
    description: 'Total time of the run (timings.total, curl time_total), down runs included.',
  },
  phaseLatency: {
    name: 'PhaseLatency',
    unit: 'Milliseconds',
    dimensions: [...BASE_DIMENSIONS, DIMENSIONS.phase],
    description:
      'One datum per phase the run reached except total (dns, connect, tls, ttfb, transfer), ' +
      'for the phases config metrics.phaseLatency publishes (default: all).',
  },
  certDaysRemaining: {
    name: 'CertDaysRemaining',
    unit: 'Count',
    dimensions: BASE_DIMENSIONS,
    description:
      'Days until the first certificate of the served chain (leaf or intermediate) expires; only for runs that completed a TLS handshake.',
  },
  cdnCacheHit: {
    name: 'CdnCacheHit',
    unit: 'None',
    dimensions: BASE_DIMENSIONS,
    description: '1 on a CDN cache hit, 0 on a miss or other status; only when a CDN header was recognised.',
  },
  dnssecDaysRemaining: {
    name: 'DnssecDaysRemaining',
    unit: 'Count',
    dimensions: BASE_DIMENSIONS,
    description:
      'Days until the first RRSIG checked expires; only for DNS runs with dnssec: true that saw signatures.',
  },
  addressesFailed: {
    name: 'AddressesFailed',
    unit: 'Count',
    dimensions: BASE_DIMENSIONS,
    description:
      'Addresses of the name that failed (status down) in a run probing every address (allAddresses, ' +
      "family 'both'); which ones is in the finding's details.addressResults, not in a dimension.",
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** Namespace when the config names none. */
export const DEFAULT_METRICS_NAMESPACE = 'Netprobe';

/** A phase published as PhaseLatency: every phase but `total`, which is the Latency metric. */
export type LatencyPhase = Exclude<Phase, 'total'>;

/**
 * Every PhaseLatency phase, in PHASES order (bottom-up). PhaseLatency is most of the bill (5 of
 * the 8 metrics of an HTTPS monitor), so config `metrics.phaseLatency` may publish fewer.
 */
export const LATENCY_PHASES: readonly LatencyPhase[] = PHASES.filter(
  (phase): phase is LatencyPhase => phase !== 'total',
);

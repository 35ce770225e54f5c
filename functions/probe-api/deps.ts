import type { NetprobeConfig } from '../../shared/config/types.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { MetricsPublisher } from '../../shared/ports/metrics.ts';
import type { Store } from '../../shared/ports/store.ts';
import type { ProbeRegistry } from '../../shared/probes/index.ts';
import type { LookupAll } from './ssrf-guard.ts';

/** What the probe API runs on; the Lambda builds it from the environment (handler.ts defaultDeps). */
export interface ProbeApiDeps {
  config: NetprobeConfig;
  /** Where on-demand probes run from (NETPROBE_REGION): their findings' location. */
  region: string;
  store: Store;
  metrics: MetricsPublisher;
  clock?: Clock;
  /** ms kept back from the remaining time for writing results; default flushReserveMs. */
  reserveMs?: (remainingMs: number) => number;
  /** Resolver for the DNS-server check of dns:// targets; default the system's. */
  lookup?: LookupAll;
  /** Probers instead of the registry's; default PROBES. */
  probes?: ProbeRegistry;
}

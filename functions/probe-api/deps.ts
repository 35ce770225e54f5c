import type { ProbeRegistry } from '../../shared/probes/index.ts';
import type { ProbingDeps } from '../shared/probing-deps.ts';
import type { LookupAll } from './ssrf-guard.ts';

/** What the probe API runs on; the Lambda builds it from the environment (probingDeps). */
export interface ProbeApiDeps extends ProbingDeps {
  /** Resolver for the DNS-server check of dns:// targets; default the system's. */
  lookup?: LookupAll;
  /** Probers instead of the registry's; default PROBES. */
  probes?: ProbeRegistry;
}

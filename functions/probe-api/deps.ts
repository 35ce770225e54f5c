import type { ProbeRegistry } from '../../shared/probes/index.ts';
import type { ProbingDeps } from '../shared/probing-deps.ts';

/** What the probe API runs on; the Lambda builds it from the environment (probingDeps). */
export interface ProbeApiDeps extends ProbingDeps {
  /** Probers instead of the registry's; default PROBES. */
  probes?: ProbeRegistry;
}

/**
 * First-probe fidelity on Lambda: the probing functions warm their probers during init (module load),
 * which Lambda runs before the first invocation, so a cold start's first probe times the network, not
 * the sandbox (shared/probes/warm-up.ts; its cost is in BENCHMARKS.md "cold start"). Only inside Lambda,
 * which sets AWS_LAMBDA_FUNCTION_NAME: importing a handler anywhere else (tests, bundling checks) stays
 * free of side effects.
 */
import type { ProbeSpec } from '../../shared/probes/spec.ts';
import { warmUp } from '../../shared/probes/warm-up.ts';
import { bundledConfig } from './config.ts';

export async function warmUpOnLambda(): Promise<void> {
  if (process.env.AWS_LAMBDA_FUNCTION_NAME === undefined) return;
  await warmUp(monitorSpecs());
}

/** The monitors' specs, for their `ca` bundles' secure contexts; none when the config is bad (the invocation says why). */
function monitorSpecs(): ProbeSpec[] {
  try {
    return bundledConfig().monitors.map((m) => m.probe);
  } catch {
    return [];
  }
}

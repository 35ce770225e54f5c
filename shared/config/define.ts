import type { NetprobeConfigInput } from './schema.ts';

export type { MonitorInput, NetprobeConfigInput } from './schema.ts';

/**
 * Typed identity for monitors.config.ts: editors check and complete the config as it is written.
 * Validation and defaults happen when it is loaded (loadConfig), with messages naming the path.
 */
export function defineConfig(input: NetprobeConfigInput): NetprobeConfigInput {
  return input;
}

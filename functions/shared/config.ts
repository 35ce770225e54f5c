/**
 * The monitors config the functions run: monitors.config.ts at the repository root, imported
 * statically so esbuild bundles it into each function (no file to read, no S3 object to fetch).
 * Validated on first use with the same messages as `netprobe`.
 */
import bundled from '../../monitors.config.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';

let parsed: NetprobeConfig | undefined;

export function bundledConfig(): NetprobeConfig {
  parsed ??= parseConfig(bundled, 'monitors.config.ts');
  return parsed;
}

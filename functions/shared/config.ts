/**
 * The monitors config the functions run, imported statically so esbuild bundles it into each
 * function (no file to read, no S3 object to fetch). `#monitors-config` is monitors.config.ts at the
 * repository root (package.json `imports`), unless the CDK app was given another config file
 * (context `netprobe:config`), which the bundler then puts in its place (infra/bundling.ts).
 * Validated on first use with the same messages as `netprobe`.
 */
import bundled from '#monitors-config';
import { parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';

let parsed: NetprobeConfig | undefined;

export function bundledConfig(): NetprobeConfig {
  parsed ??= parseConfig(bundled, 'monitors.config.ts');
  return parsed;
}

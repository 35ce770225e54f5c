import type { MonitorConfig, NetprobeConfig } from '../../shared/config/types.ts';
import { ApiError } from './http.ts';

/** Listed in a 404 so a typo is easy to spot; a long config is cut. */
const LISTED_IDS = 20;

/** The configured monitor, or a 404 that lists what exists. */
export function findMonitor(config: NetprobeConfig, id: string | undefined): MonitorConfig {
  const monitor = config.monitors.find((m) => m.id === id);
  if (monitor) return monitor;
  const ids = config.monitors.map((m) => m.id);
  const listed =
    ids.slice(0, LISTED_IDS).join(', ') + (ids.length > LISTED_IDS ? `, … (${ids.length} in all)` : '');
  throw new ApiError(
    404,
    `monitor ${JSON.stringify(id ?? '')} is not in the config (monitors: ${listed || 'none'})`,
  );
}

import { hostname } from 'node:os';

/** Where a CLI run probes from, as findings record it: "local:<hostname>". */
export function localLocation(): string {
  return `local:${hostname()}`;
}

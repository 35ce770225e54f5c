/** Where a probe connects, as the diagnosis and the triage plan read it. */
import type { ProbeSpec, TlsOptions } from '../../probes/spec.ts';

/** Where a probe connects: the host as written (no brackets), its port, and TLS options when it speaks TLS. */
export interface Endpoint {
  host: string;
  port: number;
  tls: TlsOptions | undefined;
  /** The host is an IP literal: no DNS involved. */
  literal: boolean;
}

/** Endpoint of an HTTP or TCP spec; null for DNS specs (they talk to a resolver, not a service). */
export function endpointOf(spec: ProbeSpec): Endpoint | null {
  if (spec.kind === 'dns') return null;
  if (spec.kind === 'tcp') {
    return { host: spec.host, port: spec.port, tls: spec.tls, literal: isIpLiteral(spec.host) };
  }
  // An unparsable URL is the probe's to report (PROBE_ERROR); here it only means "no endpoint".
  if (!URL.canParse(spec.url)) return null;
  const url = new URL(spec.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const https = url.protocol === 'https:';
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  return { host, port, tls: https ? spec.tls : undefined, literal: isIpLiteral(host) };
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** The application layer's sentence: the HTTP status, timeout, redirects or body, through the CDN when one answered. */
import { formatAddress } from '../../probes/net-errors.ts';
import type { ProbeSpec } from '../../probes/spec.ts';
import type { ProbeResult } from '../../probes/types.ts';
import { endpointOf } from './endpoint.ts';
import type { Failure } from './failure.ts';
import { formatMs, joinParts, listWords, sentence } from './words.ts';

export function applicationSentence(
  spec: ProbeSpec,
  result: ProbeResult,
  failure: Failure,
  prefix: string,
): string {
  const details = result.details;
  const took = formatMs(result.timings.total);
  if (details.kind !== 'http') {
    const where = endpointOf(spec);
    const service = where === null ? result.target : formatAddress(where.host, where.port);
    return sentence(joinParts(prefix, failure.message), `check the service on ${service}`);
  }
  const status = details.statusCode;
  const via = details.cdn === undefined ? '' : cdnWords(details.cdn);
  switch (failure.code) {
    case 'HTTP_STATUS': {
      const advice =
        status !== undefined && status >= 500
          ? via === ''
            ? 'check the application'
            : 'check the origin behind the CDN'
          : status !== undefined && status >= 400
            ? 'check the URL, method and credentials'
            : 'check the redirect target or the accepted status list';
      return sentence(
        joinParts(prefix, `server answered ${status ?? 'an unexpected status'} after ${took}${via}`),
        advice,
      );
    }
    case 'HTTP_TIMEOUT': {
      const what =
        result.timings.ttfb === undefined
          ? `no response within ${took} of starting the probe`
          : `the body was still arriving after ${took}`;
      return sentence(joinParts(prefix, what + via), 'check the application: it is hung or overloaded');
    }
    case 'HTTP_TOO_MANY_REDIRECTS': {
      // Hops that repeat are a loop: name the URLs it cycles through, once each.
      const urls = details.redirects.map((hop) => hop.url);
      const cycle = [...new Set(urls)];
      const loop = cycle.length < urls.length ? `; it loops between ${listWords(cycle)}` : '';
      return sentence(joinParts(prefix, failure.message + loop), 'check the redirect rules');
    }
    case 'HTTP_BODY_TOO_LARGE':
      return sentence(
        joinParts(prefix, failure.message),
        "check the endpoint, or raise the monitor's maxBodyBytes",
      );
    case 'HTTP_PROTOCOL_ERROR': {
      const where = endpointOf(spec);
      const target = where === null ? result.target : formatAddress(where.host, where.port);
      return sentence(
        joinParts(prefix, failure.message),
        `check that ${target} serves HTTP, and any proxy in front of it`,
      );
    }
    default: {
      const answered = status === undefined ? '' : `server answered ${status} but `;
      return sentence(
        joinParts(prefix, answered + failure.message + via),
        "check the application's response",
      );
    }
  }
}

function cdnWords(cdn: NonNullable<Extract<ProbeResult['details'], { kind: 'http' }>['cdn']>): string {
  const provider = cdn.provider ?? 'the CDN';
  return ` through ${provider} (cache ${cdn.cache}${cdn.pop === undefined ? '' : ` at ${cdn.pop}`})`;
}

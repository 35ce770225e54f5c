/** The TLS layer's sentence: the certificate's expiry, names or issuer, else the handshake's failure. */
import { expiryLevel, expiryWords, soonestExpiring } from '../../probes/cert-expiry.ts';
import type { ProbeSpec } from '../../probes/spec.ts';
import { endpointOf } from './endpoint.ts';
import type { Failure } from './failure.ts';
import { joinParts, sentence } from './words.ts';

export function tlsSentence(spec: ProbeSpec, failure: Failure, prefix: string, note: string): string {
  const endpoint = endpointOf(spec);
  const name = endpoint?.tls?.serverName ?? endpoint?.host ?? '';
  const cert = failure.tls?.certificate;
  if (cert !== undefined) {
    // Expiry follows the chain's first certificate to lapse, which may be an intermediate: name it.
    const soonest = soonestExpiring(failure.tls ?? {}) ?? { certificate: cert, depth: 0 };
    const lapsing =
      soonest.depth === 0
        ? `Certificate for ${name}`
        : `Intermediate certificate ${soonest.certificate.subject} in the chain served for ${name}`;
    const { daysLeft } = soonest.certificate;
    const date = soonest.certificate.notAfter.slice(0, 10);
    switch (failure.code) {
      case 'TLS_CERT_EXPIRED':
        return sentence(`${lapsing} ${expiryWords(daysLeft)} (notAfter ${date})${note}`, 'renew it');
      case 'TLS_CERT_EXPIRING': {
        // The prober's own rule, so "renew it now" appears exactly when its message says "critical".
        const critical = endpoint?.tls !== undefined && expiryLevel(daysLeft, endpoint.tls) === 'critical';
        return sentence(
          `${lapsing} ${expiryWords(daysLeft)} (notAfter ${date})`,
          critical ? 'renew it now' : 'renew it',
        );
      }
      case 'TLS_HOSTNAME_MISMATCH':
        return sentence(
          `Certificate served for ${name} covers ${cert.sans.length > 0 ? cert.sans.join(', ') : cert.subject}, not ${name}${note}`,
          `reissue it with ${name} as a subjectAltName, or fix the routing that sends ${name} there`,
        );
      case 'TLS_CERT_UNTRUSTED':
        return sentence(
          `${failure.message} (issuer ${cert.issuer})${note}`,
          'serve the full chain from a trusted CA, or trust its CA with --ca',
        );
      default:
        break;
    }
  }
  return sentence(
    joinParts(prefix, failure.message + note),
    "check the TLS listener's certificate, protocols and ciphers",
  );
}

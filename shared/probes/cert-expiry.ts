/**
 * Certificate expiry in whole days: the one rule behind CertificateInfo.daysLeft, the TLS prober's
 * verdict and messages (tls.ts), and the diagnosis sentences (shared/domain/diagnosis.ts), so that a
 * certificate reads the same number of days everywhere. The rule (docs/tcp-tls.md):
 *
 * - daysLeft = ⌊(notAfter − now) / 24 h⌋. 19.9 days left is 19; under 24 h left is 0. notAfter itself is
 *   the last valid instant (X.509), so daysLeft is negative exactly when the certificate has expired.
 * - Once expired, "expired N days ago" with N = −daysLeft − 1: "expired today" for the first 24 h after
 *   notAfter, "expired 1 day ago" for the next 24 h, and so on. N follows from daysLeft alone, so a
 *   finding diagnosed later (or replayed) says what the probe measured.
 * - A chain expires with its first certificate: the leaf or any intermediate the server sends
 *   (soonestExpiring), which is what CertDaysRemaining, the expiry codes and the diagnosis follow.
 */
import type { TlsOptions } from './spec.ts';
import type { CertificateInfo, TlsInfo } from './types.ts';

const DAY_MS = 86_400_000;

/** Whole days from `now` (ms since the epoch) until `notAfter` (ISO 8601, as CertificateInfo stores it). */
export function daysLeftAt(notAfter: string, now: number): number {
  return Math.floor((Date.parse(notAfter) - now) / DAY_MS);
}

/** A certificate of the served chain and where it sits in it. */
export interface ChainCertificate {
  certificate: CertificateInfo;
  /** 0: the leaf; 1: the leaf's issuer; and so on up the intermediates. */
  depth: number;
}

/** The certificate of the chain that expires first (the lower one on a tie), or none without a certificate. */
export function soonestExpiring(
  tls: Partial<Pick<TlsInfo, 'certificate' | 'intermediates'>>,
): ChainCertificate | undefined {
  if (tls.certificate === undefined) return undefined;
  let soonest: ChainCertificate = { certificate: tls.certificate, depth: 0 };
  (tls.intermediates ?? []).forEach((certificate, i) => {
    if (Date.parse(certificate.notAfter) < Date.parse(soonest.certificate.notAfter))
      soonest = { certificate, depth: i + 1 };
  });
  return soonest;
}

/** "certificate of <whose>" for the leaf, "intermediate certificate CN=… of <whose>" above it. */
export function certificateWords(entry: ChainCertificate, whose: string): string {
  return entry.depth === 0
    ? `certificate of ${whose}`
    : `intermediate certificate ${entry.certificate.subject} of ${whose}`;
}

export type ExpiryLevel = 'ok' | 'warning' | 'critical';

/**
 * Fewer than certWarnDays left is a warning; of those, fewer than certCriticalDays is critical (an expired
 * certificate too). The thresholds are whole days, so `daysLeft < n` is exactly "less than n × 24 h left".
 */
export function expiryLevel(
  daysLeft: number,
  opts: Pick<TlsOptions, 'certWarnDays' | 'certCriticalDays'>,
): ExpiryLevel {
  if (daysLeft >= opts.certWarnDays) return 'ok';
  return daysLeft < opts.certCriticalDays ? 'critical' : 'warning';
}

/** After a date: "12 days left", "1 day left", "less than a day left", "expired today", "expired 3 days ago". */
export function daysLeftWords(daysLeft: number): string {
  if (daysLeft < 0) return expiredWords(daysLeft);
  return daysLeft === 0 ? 'less than a day left' : `${dayCount(daysLeft)} left`;
}

/** As a verb phrase: "expires in 12 days", "expires in less than a day", "expired today", "expired 1 day ago". */
export function expiryWords(daysLeft: number): string {
  if (daysLeft < 0) return expiredWords(daysLeft);
  return `expires in ${daysLeft === 0 ? 'less than a day' : dayCount(daysLeft)}`;
}

function expiredWords(daysLeft: number): string {
  const ago = -daysLeft - 1;
  return ago === 0 ? 'expired today' : `expired ${dayCount(ago)} ago`;
}

function dayCount(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

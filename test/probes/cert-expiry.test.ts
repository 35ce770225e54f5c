/**
 * The whole-day rule for certificate expiry (shared/probes/cert-expiry.ts), at its boundaries, and the
 * proof that its consumers agree: the prober's message (tls.ts) and the diagnosis sentence
 * (shared/domain/diagnosis.ts) say the same number of days for the same certificate.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../shared/domain/diagnosis.ts';
import { createCa, issueCert } from '../../shared/lab/certs.ts';
import {
  daysLeftAt,
  daysLeftWords,
  type ExpiryLevel,
  expiryLevel,
  expiryWords,
} from '../../shared/probes/cert-expiry.ts';
import { inspectCertificate } from '../../shared/probes/certificate.ts';
import { judgeCertificate } from '../../shared/probes/tls.ts';
import type { ProbeResult, TlsInfo } from '../../shared/probes/types.ts';
import { tcpSpec, tlsOptions } from '../fixtures/specs.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

// offset of notAfter from now → daysLeft, then both wordings.
const ROWS: [string, number, number, string, string][] = [
  ['exactly 20 days left', 20 * DAY, 20, '20 days left', 'expires in 20 days'],
  ['19.9 days left', 19.9 * DAY, 19, '19 days left', 'expires in 19 days'],
  ['exactly 7 days left', 7 * DAY, 7, '7 days left', 'expires in 7 days'],
  ['6.9 days left', 6.9 * DAY, 6, '6 days left', 'expires in 6 days'],
  ['exactly 1 day left', DAY, 1, '1 day left', 'expires in 1 day'],
  ['0.5 days left', 0.5 * DAY, 0, 'less than a day left', 'expires in less than a day'],
  ['notAfter is now (its last valid instant)', 0, 0, 'less than a day left', 'expires in less than a day'],
  ['expired 1 ms ago', -1, -1, 'expired today', 'expired today'],
  ['expired 0.5 days ago', -0.5 * DAY, -1, 'expired today', 'expired today'],
  ['expired exactly 1 day ago', -DAY, -1, 'expired today', 'expired today'],
  ['expired 1.2 days ago', -1.2 * DAY, -2, 'expired 1 day ago', 'expired 1 day ago'],
  ['expired exactly 3 days ago', -3 * DAY, -3, 'expired 2 days ago', 'expired 2 days ago'],
  ['expired 3.4 days ago', -3.4 * DAY, -4, 'expired 3 days ago', 'expired 3 days ago'],
];

describe('certificate days: one rule', () => {
  it.each(ROWS)('%s → daysLeft %d, "%s", "%s"', (_name, offset, daysLeft, left, expiry) => {
    expect(daysLeftAt(at(offset), NOW)).toBe(daysLeft);
    expect(daysLeftWords(daysLeft)).toBe(left);
    expect(expiryWords(daysLeft)).toBe(expiry);
  });

  it.each<[number, ExpiryLevel]>([
    [21, 'ok'],
    [20, 'warning'],
    [7, 'warning'],
    [6, 'critical'],
    [0, 'critical'],
    [-1, 'critical'],
  ])('daysLeft %d with the default 21/7 thresholds → %s', (daysLeft, level) => {
    expect(expiryLevel(daysLeft, tlsOptions())).toBe(level);
  });

  it('thresholds of 0 days: only an expired certificate is flagged', () => {
    const zero = { certWarnDays: 0, certCriticalDays: 0 };
    expect(expiryLevel(0, zero)).toBe('ok');
    expect(expiryLevel(-1, zero)).toBe('critical');
  });

  it('CertificateInfo.daysLeft of a real certificate follows the rule to the millisecond', async () => {
    const leaf = await issueCert(await createCa(), { hosts: ['svc.example'] });
    const notAfter = Date.parse(inspectCertificate(leaf.certPem).notAfter);

    expect(inspectCertificate(leaf.certPem, notAfter - 5 * DAY).daysLeft).toBe(5);
    expect(inspectCertificate(leaf.certPem, notAfter - 5 * DAY + 1).daysLeft).toBe(4);
    expect(inspectCertificate(leaf.certPem, notAfter).daysLeft).toBe(0);
    expect(inspectCertificate(leaf.certPem, notAfter + 1).daysLeft).toBe(-1);
  });
});

describe('the prober and the diagnosis say the same days', () => {
  const spec = tcpSpec(465, { host: 'svc.example', tls: tlsOptions() });

  function info(offset: number): TlsInfo {
    const notAfter = at(offset);
    const expired = offset < 0;
    return {
      authorized: !expired,
      ...(expired && { validationError: 'CERT_HAS_EXPIRED' }),
      certificate: {
        subject: 'CN=svc.example',
        issuer: 'CN=ca',
        sans: ['svc.example'],
        notBefore: '2026-01-01T00:00:00.000Z',
        notAfter,
        daysLeft: daysLeftAt(notAfter, NOW),
      },
    };
  }

  function diagnosed(
    tls: TlsInfo,
    error: { code: 'TLS_CERT_EXPIRED' | 'TLS_CERT_EXPIRING'; message: string },
  ) {
    const result: ProbeResult = {
      probe: 'tcp',
      target: 'tls://svc.example:465',
      status: error.code === 'TLS_CERT_EXPIRED' ? 'down' : 'degraded',
      timings: { total: 30 },
      error,
      layer: 'tls',
      details: { kind: 'tcp', host: 'svc.example', port: 465, addresses: [], attempts: [], tls },
    };
    return diagnose(spec, result, []);
  }

  it.each(ROWS.filter(([, offset]) => offset >= 0 && offset < 21 * DAY))(
    '%s: TLS_CERT_EXPIRING message and sentence agree, "renew it now" exactly when critical',
    (_name, offset, daysLeft, left, expiry) => {
      const tls = info(offset);
      const verdict = judgeCertificate(tls, spec.tls ?? tlsOptions(), 'svc.example:465', NOW);
      const critical = expiryLevel(daysLeft, tlsOptions()) === 'critical';

      expect(verdict.error?.code).toBe('TLS_CERT_EXPIRING');
      expect(verdict.error?.message).toContain(
        `(${left}), ${critical ? 'critical: under 7' : 'under 21'} days`,
      );
      const sentence = diagnosed(tls, { code: 'TLS_CERT_EXPIRING', message: verdict.error?.message ?? '' });
      expect(sentence).toBe(
        `Certificate for svc.example ${expiry} (notAfter ${at(offset).slice(0, 10)}); renew it${critical ? ' now' : ''}.`,
      );
    },
  );

  it.each(ROWS.filter(([, offset]) => offset < 0))(
    '%s: TLS_CERT_EXPIRED, and insecure mode degraded; the sentence counts days the same way',
    (_name, offset, _daysLeft, _left, expiry) => {
      const tls = info(offset);
      const strict = judgeCertificate(tls, tlsOptions(), 'svc.example:465', NOW);
      const insecure = judgeCertificate(tls, tlsOptions({ insecure: true }), 'svc.example:465', NOW);

      expect(strict.error?.code).toBe('TLS_CERT_EXPIRED');
      expect(insecure.error?.message).toContain(`expired on ${at(offset)}, critical: under 7 days`);
      const date = at(offset).slice(0, 10);
      expect(diagnosed(tls, { code: 'TLS_CERT_EXPIRED', message: strict.error?.message ?? '' })).toBe(
        `Certificate for svc.example ${expiry} (notAfter ${date}); renew it.`,
      );
      // Insecure mode keeps an expired certificate degraded: the sentence still says it expired.
      expect(diagnosed(tls, { code: 'TLS_CERT_EXPIRING', message: insecure.error?.message ?? '' })).toBe(
        `Certificate for svc.example ${expiry} (notAfter ${date}); renew it now.`,
      );
    },
  );
});

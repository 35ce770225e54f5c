/**
 * RRSIG verification with node:crypto for algorithms 8, 13 and 15, against signatures made by the lab's
 * signer (same canonical form, RFC 4034): valid, tampered, expired, not yet valid, unknown key, missing.
 */
import { describe, expect, it } from 'vitest';
import { daysFromNow } from '../../shared/lab/certs.ts';
import { dnskeyRecord, generateZoneKey, signRrset } from '../../shared/lab/dnssec-sign.ts';
import { checkSignatures, type DnssecAlgorithm, type Rr } from '../../shared/probes/dnssec.ts';

const ZONE = 'signed.test';
const rrset: Rr[] = [
  { name: `www.${ZONE}`, type: 'A', ttl: 300, data: '127.0.0.2' },
  { name: `WWW.${ZONE}`, type: 'A', ttl: 300, data: '127.0.0.1' },
];
const validity = { inception: daysFromNow(-1), expiration: daysFromNow(10.5) };

describe.each([8, 13, 15] as DnssecAlgorithm[])('algorithm %i', (algorithm) => {
  const key = generateZoneKey(algorithm);

  it('verifies a signature over the RRset, in any record order and name case', () => {
    const sig = signRrset(rrset, key, ZONE, validity);

    const [check] = checkSignatures([...rrset].reverse().concat(sig), [key.dnskey]);

    expect(check).toMatchObject({
      rrset: 'www.signed.test. A',
      algorithm,
      signer: 'signed.test.',
      valid: true,
      daysLeft: 10,
    });
  });

  it('refuses a tampered answer', () => {
    const sig = signRrset(rrset, key, ZONE, validity);
    const tampered = [{ ...rrset[0], data: '127.0.0.66' } as Rr, rrset[1] as Rr, sig];

    expect(checkSignatures(tampered, [key.dnskey])[0]).toMatchObject({
      valid: false,
      problem: expect.stringMatching(/^signature by key \d+ does not verify$/),
    });
  });
});

describe('validity and keys', () => {
  const key = generateZoneKey(13);

  it.each([
    ['expired', { inception: daysFromNow(-20), expiration: daysFromNow(-1) }, /^expired on /],
    ['not yet valid', { inception: daysFromNow(1), expiration: daysFromNow(20) }, /^not valid before /],
  ])('%s', (_, window, problem) => {
    const sig = signRrset(rrset, key, ZONE, window);
    expect(checkSignatures([...rrset, sig], [key.dnskey])[0]).toMatchObject({
      valid: false,
      problem: expect.stringMatching(problem),
    });
  });

  it('a key the zone does not publish, and an unsigned answer', () => {
    const other = generateZoneKey(13);
    const sig = signRrset(rrset, other, ZONE, validity);
    expect(checkSignatures([...rrset, sig], [key.dnskey])[0]?.problem).toMatch(
      /^no DNSKEY with key tag \d+ \(algorithm 13\) for signed\.test\.$/,
    );
    expect(checkSignatures(rrset, [key.dnskey])[0]).toMatchObject({
      valid: false,
      problem: 'no RRSIG (the answer is not signed)',
    });
  });

  it('the DNSKEY RRset itself signs and verifies (self-signed by the KSK)', () => {
    const ksk = generateZoneKey(15, 257);
    const keys = [dnskeyRecord(ZONE, ksk), dnskeyRecord(ZONE, key)];
    const sig = signRrset(keys, ksk, ZONE, validity);
    expect(checkSignatures([...keys, sig], [ksk.dnskey, key.dnskey])[0]).toMatchObject({
      rrset: 'signed.test. DNSKEY',
      valid: true,
    });
  });
});

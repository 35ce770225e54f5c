/**
 * A small DNSSEC signer with node:crypto, for the lab's zone and the tests: zone keys of algorithm
 * 8, 13 or 15 and RRSIGs over RRsets, built from the same signed data the prober verifies
 * (shared/probes/dnssec.ts), so a signature the lab makes is one any validator accepts.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import {
  type DnskeyData,
  type DnssecAlgorithm,
  keyTag,
  type Rr,
  type RrsigData,
  signedData,
} from '../probes/dnssec.ts';

export interface ZoneKey {
  dnskey: DnskeyData;
  privateKey: KeyObject;
}

/** A zone signing key pair (flags 256; 257 for a key-signing key). RSA keys are 2048 bits. */
export function generateZoneKey(algorithm: DnssecAlgorithm, flags = 256): ZoneKey {
  const pair =
    algorithm === 8
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : algorithm === 13
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const jwk = pair.publicKey.export({ format: 'jwk' });
  const raw = (field: string | undefined) => Buffer.from(field ?? '', 'base64url');
  let key: Buffer;
  if (algorithm === 8) {
    const e = raw(jwk.e);
    key = Buffer.concat([Buffer.from([e.length]), e, raw(jwk.n)]);
  } else if (algorithm === 13) key = Buffer.concat([raw(jwk.x), raw(jwk.y)]);
  else key = raw(jwk.x);
  return { dnskey: { flags, algorithm, key }, privateKey: pair.privateKey };
}

/** The DNSKEY record of `key` at the zone apex. */
export function dnskeyRecord(zone: string, key: ZoneKey, ttl = 3600): Rr {
  return { name: zone, type: 'DNSKEY', ttl, data: key.dnskey };
}

/** The RRSIG over `rrset` (one owner and type) by `key` of zone `signer`, valid from `inception` to `expiration`. */
export function signRrset(
  rrset: readonly Rr[],
  key: ZoneKey,
  signer: string,
  validity: { inception: Date; expiration: Date },
): Rr {
  const first = rrset[0];
  if (first === undefined) throw new RangeError('an RRset to sign needs at least one record');
  const owner = first.name.replace(/\.$/, '');
  const unsigned: Omit<RrsigData, 'signature'> = {
    typeCovered: first.type,
    algorithm: key.dnskey.algorithm,
    labels: owner === '' ? 0 : owner.split('.').length,
    originalTTL: first.ttl ?? 0,
    expiration: Math.floor(validity.expiration.getTime() / 1000),
    inception: Math.floor(validity.inception.getTime() / 1000),
    keyTag: keyTag(key.dnskey),
    signersName: signer,
  };
  const data = signedData(unsigned, rrset);
  const algorithm = key.dnskey.algorithm;
  const signature =
    algorithm === 15
      ? sign(null, data, key.privateKey)
      : algorithm === 13
        ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', data, key.privateKey);
  return { name: first.name, type: 'RRSIG', ttl: first.ttl, data: { ...unsigned, signature } };
}

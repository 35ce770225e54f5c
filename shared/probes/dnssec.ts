/**
 * DNSSEC signatures checked with node:crypto (RFC 4034/4035): an RRset's RRSIG against the zone's
 * DNSKEY, for algorithms 8 (RSA/SHA-256), 13 (ECDSA P-256/SHA-256) and 15 (Ed25519). The chain to the
 * root is not followed: the question is whether the zone signs what it serves, and for how long.
 * Pure: records in (dns-packet's decoded form), verdicts out. The lab's signer (shared/lab/) builds the
 * same signed data (signedData) to sign its zone.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type * as dnsPacket from 'dns-packet';
import * as dnsPacketModule from 'dns-packet';

/** dns-packet's per-type codecs and its single-record codec; @types/dns-packet does not declare them. */
const packet = dnsPacketModule as unknown as {
  record(type: string): { encode(data: unknown): Buffer };
  answer: { encode(answer: unknown): Buffer };
};

export const DNSSEC_ALGORITHMS = { 8: 'RSASHA256', 13: 'ECDSAP256SHA256', 15: 'ED25519' } as const;
export type DnssecAlgorithm = keyof typeof DNSSEC_ALGORITHMS;

const DAY_MS = 86_400_000;

export type RrsigData = dnsPacket.RrsigData;
export type DnskeyData = dnsPacket.DnskeyData;

/** A record as dns-packet decodes it: owner, type, TTL and data. */
export interface Rr {
  name: string;
  type: string;
  ttl?: number;
  data: unknown;
}

/** One RRset's signature as checked: what it covers, by which key, until when, and the verdict. */
export interface SignatureCheck {
  /** "www.example.test. A" */
  rrset: string;
  keyTag: number;
  algorithm: number;
  signer: string;
  inception: string;
  expiration: string;
  /** Whole days until expiration (negative once expired). */
  daysLeft: number;
  valid: boolean;
  /** Why not valid: "expired on …", "no DNSKEY with key tag 1234", "signature does not verify", … */
  problem?: string;
}

/** The key tag of a DNSKEY (RFC 4034 Appendix B). */
export function keyTag(key: DnskeyData): number {
  const rdata = packet.record('DNSKEY').encode(key).subarray(2);
  let sum = 0;
  for (let i = 0; i < rdata.length; i++) sum += i & 1 ? (rdata[i] as number) : (rdata[i] as number) << 8;
  sum += (sum >> 16) & 0xffff;
  return sum & 0xffff;
}

/**
 * The bytes an RRSIG signs (RFC 4034 §3.1.8.1, §6): its own rdata without the signature, then the
 * RRset in canonical form (lower-case owner, the RRSIG's original TTL, records ordered by rdata).
 */
export function signedData(sig: Omit<RrsigData, 'signature'>, rrset: readonly Rr[]): Buffer {
  const head = packet
    .record('RRSIG')
    .encode({ ...sig, signersName: sig.signersName.toLowerCase(), signature: Buffer.alloc(0) });
  const records = rrset
    .map((rr) =>
      packet.answer.encode({
        name: rr.name.toLowerCase(),
        type: rr.type,
        class: 'IN',
        ttl: sig.originalTTL,
        data: canonicalData(rr),
      }),
    )
    .sort(byRdata);
  return Buffer.concat([head.subarray(2), ...records]);
}

/** Names inside rdata are lower-cased for the types RFC 4034 §6.2 lists (those netprobe queries). */
function canonicalData(rr: Rr): unknown {
  const data = rr.data;
  switch (rr.type) {
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return (data as string).toLowerCase();
    case 'MX': {
      const mx = data as { preference: number; exchange: string };
      return { ...mx, exchange: mx.exchange.toLowerCase() };
    }
    case 'SOA': {
      const soa = data as { mname: string; rname: string };
      return { ...soa, mname: soa.mname.toLowerCase(), rname: soa.rname.toLowerCase() };
    }
    default:
      return data;
  }
}

/** Canonical RR order: by rdata as unsigned bytes (owner, type, class and TTL are equal in an RRset). */
function byRdata(a: Buffer, b: Buffer): number {
  return rdataOf(a).compare(rdataOf(b));
}

function rdataOf(rr: Buffer): Buffer {
  // Owner name (uncompressed labels), then type(2) class(2) ttl(4) rdlength(2).
  let i = 0;
  while ((rr[i] as number) !== 0) i += (rr[i] as number) + 1;
  return rr.subarray(i + 1 + 10);
}

/** The DNSKEY as a node:crypto public key, for the algorithms netprobe verifies. */
export function publicKeyOf(key: DnskeyData): KeyObject | undefined {
  const b64 = (buf: Buffer) => buf.toString('base64url');
  switch (key.algorithm) {
    case 8: {
      const k = key.key;
      const long = k[0] === 0;
      const expLength = long ? k.readUInt16BE(1) : (k[0] as number);
      const start = long ? 3 : 1;
      const e = k.subarray(start, start + expLength);
      const n = k.subarray(start + expLength);
      return createPublicKey({ key: { kty: 'RSA', n: b64(n), e: b64(e) }, format: 'jwk' });
    }
    case 13:
      return createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: b64(key.key.subarray(0, 32)), y: b64(key.key.subarray(32, 64)) },
        format: 'jwk',
      });
    case 15:
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(key.key) }, format: 'jwk' });
    default:
      return undefined;
  }
}

/** Whether `signature` over `data` verifies under `key` with the RRSIG's algorithm. */
function verifies(algorithm: number, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  if (algorithm === 15) return verify(null, data, key, signature);
  if (algorithm === 13) return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  return verify('sha256', data, key, signature);
}

/**
 * Checks every RRset among `answers` (the RRSIGs beside them) against `keys`. An RRset without an
 * RRSIG is reported as such; one RRSIG that verifies and is in its validity window is enough.
 */
export function checkSignatures(
  answers: readonly Rr[],
  keys: readonly DnskeyData[],
  now = Date.now(),
): SignatureCheck[] {
  const sigs = answers.filter((rr) => rr.type === 'RRSIG');
  const rrsets = new Map<string, Rr[]>();
  for (const rr of answers) {
    if (rr.type === 'RRSIG' || rr.type === 'OPT') continue;
    const id = `${rr.name.toLowerCase().replace(/\.?$/, '.')} ${rr.type}`;
    rrsets.set(id, [...(rrsets.get(id) ?? []), rr]);
  }
  return [...rrsets.entries()].map(([id, rrset]) => {
    const first = rrset[0] as Rr;
    const covering = sigs.filter(
      (s) =>
        (s.data as RrsigData).typeCovered === first.type && s.name.toLowerCase() === first.name.toLowerCase(),
    );
    if (covering.length === 0) return missing(id);
    const checks = covering.map((s) => checkOne(id, s.data as RrsigData, rrset, keys, now));
    return checks.find((c) => c.valid) ?? (checks[0] as SignatureCheck);
  });
}

function missing(rrset: string): SignatureCheck {
  return {
    rrset,
    keyTag: 0,
    algorithm: 0,
    signer: '',
    inception: '',
    expiration: '',
    daysLeft: Number.NaN,
    valid: false,
    problem: 'no RRSIG (the answer is not signed)',
  };
}

function checkOne(
  rrset: string,
  sig: RrsigData,
  records: readonly Rr[],
  keys: readonly DnskeyData[],
  now: number,
): SignatureCheck {
  const expiration = sig.expiration * 1000;
  const inception = sig.inception * 1000;
  const base = {
    rrset,
    keyTag: sig.keyTag,
    algorithm: sig.algorithm,
    signer: sig.signersName.replace(/\.?$/, '.'),
    inception: new Date(inception).toISOString(),
    expiration: new Date(expiration).toISOString(),
    daysLeft: Math.floor((expiration - now) / DAY_MS),
  };
  const fail = (problem: string): SignatureCheck => ({ ...base, valid: false, problem });
  if (!(sig.algorithm in DNSSEC_ALGORITHMS))
    return fail(`algorithm ${sig.algorithm} is not one netprobe verifies (8, 13, 15)`);
  if (now > expiration) return fail(`expired on ${base.expiration}`);
  if (now < inception) return fail(`not valid before ${base.inception}`);
  const key = keys.find((k) => k.algorithm === sig.algorithm && keyTag(k) === sig.keyTag);
  if (key === undefined)
    return fail(`no DNSKEY with key tag ${sig.keyTag} (algorithm ${sig.algorithm}) for ${base.signer}`);
  const publicKey = publicKeyOf(key);
  let ok = false;
  try {
    ok =
      publicKey !== undefined && verifies(sig.algorithm, publicKey, signedData(sig, records), sig.signature);
  } catch {
    ok = false;
  }
  return ok ? { ...base, valid: true } : fail(`signature by key ${sig.keyTag} does not verify`);
}

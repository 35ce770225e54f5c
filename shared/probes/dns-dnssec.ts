/**
 * The DNS prober's DNSSEC check (`dnssec: true`): the answer, asked with the DO bit, must carry RRSIGs
 * that verify against the signer zone's DNSKEY set (asked of the same server), and the DNSKEY set
 * must verify under its own keys. The chain to the root is not followed. Invalid (missing, expired,
 * not yet valid, not verifying) is DNS_DNSSEC_INVALID, down; a signature expiring within
 * dnssecWarnDays is DNS_DNSSEC_EXPIRING, degraded. The AD flag a validating resolver set is reported.
 */
import type * as dnsPacket from 'dns-packet';
import { ask, type Upstream } from './dns-upstream.ts';
import { checkSignatures, type DnskeyData, type Rr, type RrsigData } from './dnssec.ts';
import type { DnssecInfo, ProbeError, Status } from './types.ts';

export { DEFAULT_DNSSEC_WARN_DAYS } from './spec.ts';

export interface DnssecVerdict {
  info: DnssecInfo;
  problem: { status: Exclude<Status, 'up'>; error: ProbeError } | null;
}

/** Checks the signed `packet` answering `name`; asks `upstream` for the signer's DNSKEY set. */
export async function checkDnssec(
  packet: dnsPacket.DecodedPacket,
  name: string,
  upstream: Upstream,
  warnDays: number,
  recursionDesired: boolean,
): Promise<DnssecVerdict> {
  const answers = records(packet);
  const rrsig = answers.find((rr) => rr.type === 'RRSIG');
  const signer = rrsig ? (rrsig.data as RrsigData).signersName : name;
  const keyResponse = await ask(upstream, signer, 'DNSKEY', recursionDesired, true);
  const keyRecords = keyResponse.packet ? records(keyResponse.packet) : [];
  const keys = keyRecords.filter((rr) => rr.type === 'DNSKEY').map((rr) => rr.data as DnskeyData);
  const started = performance.now();
  const signatures = [
    ...checkSignatures(answers, keys),
    ...(keys.length > 0 ? checkSignatures(keyRecords, keys) : []),
  ];
  const verifyMs = performance.now() - started;
  const daysLeft = Math.min(...signatures.map((s) => s.daysLeft).filter(Number.isFinite));
  const info: DnssecInfo = {
    ad: packet.flag_ad,
    signer: signer.replace(/\.?$/, '.'),
    keys: keys.length,
    signatures,
    ...(Number.isFinite(daysLeft) && { daysLeft }),
    verifyMs,
  };
  return { info, problem: judgeDnssec(info, warnDays, keyResponse.result.server) };
}

/**
 * The verdict on what the check saw: no key or a signature not valid is DNS_DNSSEC_INVALID (down);
 * the first signature expiring within `warnDays` is DNS_DNSSEC_EXPIRING (degraded). `server` is who
 * answered, named when it matters (authoritative mode asks every nameserver).
 */
export function judgeDnssec(info: DnssecInfo, warnDays: number, server: string): DnssecVerdict['problem'] {
  const invalid = info.signatures.find((s) => !s.valid);
  if (info.keys === 0) return down(`no DNSKEY for ${info.signer} from ${server}`);
  if (invalid) return down(`${invalid.rrset}: ${invalid.problem} (from ${server})`);
  const soonest = info.signatures.reduce((a, b) => (b.daysLeft < a.daysLeft ? b : a));
  if (soonest.daysLeft >= warnDays) return null;
  return {
    status: 'degraded',
    error: {
      code: 'DNS_DNSSEC_EXPIRING',
      message: `signature over ${soonest.rrset} by ${soonest.signer} (key ${soonest.keyTag}) expires on ${soonest.expiration} (${soonest.daysLeft} days left), under ${warnDays} days`,
    },
  };
}

function down(why: string): DnssecVerdict['problem'] {
  return { status: 'down', error: { code: 'DNS_DNSSEC_INVALID', message: `DNSSEC: ${why}` } };
}

function records(packet: dnsPacket.DecodedPacket): Rr[] {
  return (packet.answers ?? []).filter((a) => a.type !== 'OPT') as Rr[];
}

/**
 * DNS record data in presentation form, both ways:
 * - formatRdata: decoded wire data (dns-packet) → the text dig prints in its ANSWER section;
 * - parseRdata:  zone-file style text → dns-packet data, so the lab server's zones read like zone files.
 * Keeping both directions in one file keeps them exact inverses (the tests round-trip through dig).
 */
import { isIPv4, isIPv6 } from 'node:net';
import * as dnsPacket from 'dns-packet';
import ipaddr from 'ipaddr.js';
import type { DnsRecordType } from './types.ts';

/** The data of a resource record (every answer type but the EDNS pseudo-record). */
export type RecordData = Exclude<dnsPacket.Answer, dnsPacket.OptAnswer>['data'];

/** dns-packet exports its per-type codecs as `record(type)`; @types/dns-packet does not declare it. */
const recordCodec = (dnsPacket as unknown as { record(type: string): { encode(data: unknown): Buffer } })
  .record;

/** Fully-qualified form, as dig prints owner names and targets: "www.example.test." (root stays "."). */
export function fqdn(name: string): string {
  if (name === '' || name === '.') return '.';
  return name.endsWith('.') ? name : `${name}.`;
}

/** Lower-case, no trailing dot: the form used to compare names (DNS names are case-insensitive). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * A <character-string> as dig prints it: quoted; `"` and `\` escaped with a backslash;
 * bytes outside printable ASCII as \DDD (decimal), which is what dig does for UTF-8 too.
 */
function quoteCharacterString(bytes: Buffer): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${byte.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** RFC 3597 generic form ("\# 4 c0000201") for record types this module has no presentation for. */
function genericRdata(type: string, data: unknown): string {
  const rdata = Buffer.isBuffer(data) ? data : recordCodec(type).encode(data).subarray(2);
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${rdata.toString('hex')}`;
}

/**
 * An IPv6 address as dig prints it (libc inet_ntop): RFC 5952 (lower case, the longest run of zero
 * groups compressed), with an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) address ending
 * in dotted form. dns-packet's own text compresses the first zero run, not the longest.
 */
function presentIPv6(text: string): string {
  const address = ipaddr.IPv6.parse(text);
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0] = address.parts;
  const leadingZeros = a === 0 && b === 0 && c === 0 && d === 0 && e === 0;
  const dotted = address.parts
    .slice(6)
    .flatMap((word) => [word >> 8, word & 0xff])
    .join('.');
  if (leadingZeros && f === 0xffff) return `::ffff:${dotted}`;
  if (leadingZeros && f === 0 && g !== 0) return `::${dotted}`;
  return address.toRFC5952String();
}

/** The presentation text of one decoded answer, as dig prints it after the type column. */
export function formatRdata(answer: dnsPacket.Answer): string {
  switch (answer.type) {
    case 'A':
      return answer.data;
    case 'AAAA':
      return presentIPv6(answer.data);
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return fqdn(answer.data);
    case 'MX':
      return `${answer.data.preference ?? 0} ${fqdn(answer.data.exchange)}`;
    case 'TXT': {
      const strings = Array.isArray(answer.data) ? answer.data : [answer.data];
      return strings.map((s) => quoteCharacterString(Buffer.from(s))).join(' ');
    }
    case 'SOA': {
      const d = answer.data;
      return [fqdn(d.mname), fqdn(d.rname), d.serial, d.refresh, d.retry, d.expire, d.minimum]
        .map((v) => v ?? 0)
        .join(' ');
    }
    case 'CAA':
      return `${answer.data.flags ?? 0} ${answer.data.tag} ${quoteCharacterString(Buffer.from(answer.data.value))}`;
    case 'SRV': {
      const d = answer.data;
      return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port} ${fqdn(d.target)}`;
    }
    case 'OPT':
      // Never in an answer section; listed so the switch narrows the union.
      return '';
    default:
      return genericRdata(answer.type, answer.data);
  }
}

// ---------------------------------------------------------------- parsing (lab zones)

/**
 * Splits presentation text into tokens: whitespace-separated words, or "quoted strings" in which
 * \" \\ and \DDD are escapes. Quoted tokens come back as raw bytes.
 */
function tokenize(text: string): { bytes: Buffer; quoted: boolean }[] {
  const tokens: { bytes: Buffer; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const quoted = ch === '"';
    if (quoted) i++;
    const bytes: number[] = [];
    let closed = !quoted;
    while (i < text.length) {
      const c = text.charAt(i);
      if (quoted && c === '"') {
        closed = true;
        i++;
        break;
      }
      if (!quoted && /\s/.test(c)) break;
      if (c === '\\') {
        const digits = /^\d{3}/.exec(text.slice(i + 1));
        if (digits) {
          const value = Number(digits[0]);
          if (value > 255) throw new Error(`escape \\${digits[0]} is not a byte (0-255)`);
          bytes.push(value);
          i += 4;
          continue;
        }
        if (i + 1 >= text.length) throw new Error('dangling backslash at end of text');
        i++;
      }
      const code = text.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(code);
      bytes.push(...Buffer.from(char));
      i += char.length;
    }
    if (!closed) throw new Error('unterminated quoted string');
    tokens.push({ bytes: Buffer.from(bytes), quoted });
  }
  return tokens;
}

function uint(token: string | undefined, what: string, max: number): number {
  if (token === undefined || !/^\d+$/.test(token) || Number(token) > max) {
    throw new Error(`${what} must be an integer 0-${max}, got ${JSON.stringify(token ?? '')}`);
  }
  return Number(token);
}

function domainName(token: string | undefined, what: string): string {
  if (token === undefined || token === '') throw new Error(`${what} is missing`);
  const name = token === '.' ? '.' : token.replace(/\.$/, '');
  const labels = name === '.' ? [] : name.split('.');
  if (labels.some((label) => label.length === 0 || Buffer.byteLength(label) > 63)) {
    throw new Error(
      `${what} ${JSON.stringify(token)} is not a domain name (empty label or label over 63 bytes)`,
    );
  }
  if (Buffer.byteLength(name) > 253)
    throw new Error(`${what} ${JSON.stringify(token)} is longer than 253 bytes`);
  return name;
}

function expectCount(words: string[], count: number, form: string): void {
  if (words.length !== count) throw new Error(`expected "${form}", got ${words.length} field(s)`);
}

/**
 * Parses the RDATA text of one record, as written in a zone file with absolute names
 * (trailing dot optional): `10 mx.example.test.`, `"v=spf1 -all"`, `0 issue "ca.example"`…
 * Throws an Error saying what is wrong; the caller adds which record it was.
 */
export function parseRdata(type: DnsRecordType, text: string): RecordData {
  const tokens = tokenize(text);
  const words = tokens.map((t) => t.bytes.toString());
  switch (type) {
    case 'A':
      expectCount(words, 1, 'IPv4 address');
      if (!isIPv4(words[0] ?? '')) throw new Error(`${JSON.stringify(text)} is not an IPv4 address`);
      return words[0] as string;
    case 'AAAA':
      expectCount(words, 1, 'IPv6 address');
      if (!isIPv6(words[0] ?? '')) throw new Error(`${JSON.stringify(text)} is not an IPv6 address`);
      return words[0] as string;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      expectCount(words, 1, 'domain name');
      return domainName(words[0], 'target');
    case 'MX':
      expectCount(words, 2, '<preference> <exchange>');
      return { preference: uint(words[0], 'preference', 0xffff), exchange: domainName(words[1], 'exchange') };
    case 'TXT': {
      if (tokens.length === 0) throw new Error('TXT needs at least one character-string');
      const tooLong = tokens.find((t) => t.bytes.length > 255);
      if (tooLong) throw new Error(`character-string of ${tooLong.bytes.length} bytes exceeds 255: split it`);
      return tokens.map((t) => t.bytes);
    }
    case 'SOA':
      expectCount(words, 7, '<mname> <rname> <serial> <refresh> <retry> <expire> <minimum>');
      return {
        mname: domainName(words[0], 'mname'),
        rname: domainName(words[1], 'rname'),
        serial: uint(words[2], 'serial', 0xffffffff),
        refresh: uint(words[3], 'refresh', 0xffffffff),
        retry: uint(words[4], 'retry', 0xffffffff),
        expire: uint(words[5], 'expire', 0xffffffff),
        minimum: uint(words[6], 'minimum', 0xffffffff),
      };
    case 'CAA': {
      expectCount(words, 3, '<flags> <tag> <value>');
      const tag = words[1] ?? '';
      if (tag !== 'issue' && tag !== 'issuewild' && tag !== 'iodef') {
        throw new Error(`CAA tag must be issue, issuewild or iodef, got ${JSON.stringify(tag)}`);
      }
      return { flags: uint(words[0], 'flags', 255), tag, value: words[2] ?? '' };
    }
  }
}

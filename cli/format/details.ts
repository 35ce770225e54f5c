/**
 * What `netprobe check` prints under its table: the evidence a responder looks at next,
 * in the words of the tool they would otherwise reach for (dig's answer lines, curl's status line,
 * openssl's certificate fields). Response headers are already redacted by the prober.
 */
import type { Finding } from '../../shared/domain/finding.ts';
import { daysLeftWords } from '../../shared/probes/cert-expiry.ts';
import type {
  CdnInfo,
  DnsDetails,
  DnsFlags,
  DnsQueryResult,
  HttpDetails,
  TcpDetails,
  TlsInfo,
} from '../../shared/probes/types.ts';
import { formatMs } from './findings.ts';
import type { Paint } from './style.ts';
import { renderTable } from './table.ts';

const INDENT = '  ';

export function findingDetails(finding: Finding, paint: Paint): string[] {
  const d = finding.details;
  const lines =
    d.kind === 'dns' ? dnsLines(d, paint) : d.kind === 'tcp' ? tcpLines(d, paint) : httpLines(d, paint);
  return lines.map((line) => INDENT + line);
}

function dnsLines(d: DnsDetails, paint: Paint): string[] {
  const out = [`${paint('bold', 'query')} ${d.name} ${d.type}`, queryLine(d.query), ...answerLines(d.query)];
  if (d.nameservers) {
    out.push(`${paint('bold', 'zone')} ${d.zone ?? '?'}: ${d.nameservers.length} nameserver(s)`);
    const rows = d.nameservers.map((ns) => [
      ns.nameserver,
      ns.address ?? '-',
      ns.soaSerial === undefined ? '-' : String(ns.soaSerial),
      ns.rcode ?? '-',
      formatMs(ns.queryTimeMs),
      ns.error ? ns.error.code : ns.answers.map((a) => a.data).join(' ') || '-',
    ]);
    const table = renderTable(
      [
        { header: 'NAMESERVER' },
        { header: 'ADDRESS' },
        { header: 'SERIAL', align: 'right' },
        { header: 'RCODE' },
        { header: 'MS', align: 'right' },
        { header: 'ANSWER' },
      ],
      rows,
      paint,
    );
    out.push(...table.map((line) => INDENT + line));
  }
  return out;
}

function queryLine(q: DnsQueryResult): string {
  const parts = [`server ${q.server} (${q.transport})`];
  if (q.rcode) parts.push(`status ${q.rcode}`);
  if (q.flags) parts.push(`flags ${flagList(q.flags)}`);
  parts.push(`query time ${formatMs(q.queryTimeMs)} ms`);
  if (q.error) parts.push(`${q.error.code}: ${q.error.message}`);
  return parts.join(', ');
}

function flagList(flags: DnsFlags): string {
  const set = (Object.keys(flags) as (keyof DnsFlags)[]).filter((k) => flags[k]);
  return set.length > 0 ? set.join(' ') : 'none';
}

/** dig's ANSWER section layout: name, TTL, type, data. */
function answerLines(q: DnsQueryResult): string[] {
  return q.answers.map((a) => `${a.name}\t${a.ttl}\tIN\t${a.type}\t${a.data}`);
}

function tcpLines(d: TcpDetails, paint: Paint): string[] {
  const out = [`${paint('bold', 'resolved')} ${d.host} → ${d.addresses.join(', ') || '-'}`];
  for (const a of d.attempts) {
    const where = a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    out.push(
      a.error
        ? `connect ${where}: ${a.error.code} (${a.error.message})`
        : `connect ${where}: ${formatMs(a.connectMs)} ms`,
    );
  }
  if (d.tls) out.push(...tlsLines(d.tls, paint));
  if (d.banner !== undefined) out.push(`banner ${JSON.stringify(d.banner)}`);
  return out;
}

function httpLines(d: HttpDetails, paint: Paint): string[] {
  const out: string[] = [];
  for (const hop of d.redirects) {
    out.push(
      `redirect ${hop.status} ${hop.url} → ${hop.location ?? '?'} (${formatMs(hop.timings.total)} ms)`,
    );
  }
  if (d.statusCode !== undefined) {
    const from = d.remoteAddress ? ` from ${d.remoteAddress}` : '';
    const size = d.bodyBytes === undefined ? '' : `, ${d.bodyBytes} bytes`;
    out.push(
      `${paint('bold', `${d.method} ${d.url}`)} → HTTP/${d.httpVersion ?? '?'} ${d.statusCode}${from}${size}`,
    );
  } else {
    out.push(`${paint('bold', `${d.method} ${d.url}`)} → no response`);
  }
  if (d.tls) out.push(...tlsLines(d.tls, paint));
  if (d.cdn) out.push(cdnLine(d.cdn, paint));
  return out;
}

function tlsLines(tls: TlsInfo, paint: Paint): string[] {
  const session = [tls.protocol, tls.cipher, tls.alpn ? `alpn ${tls.alpn}` : undefined]
    .filter(Boolean)
    .join(' ');
  const trust = tls.authorized
    ? paint('green', 'trusted')
    : paint('red', `not trusted${tls.validationError ? ` (${tls.validationError})` : ''}`);
  const out = [`${paint('bold', 'tls')} ${session || '-'}, ${trust}`];
  const c = tls.certificate;
  if (c) {
    out.push(`certificate ${c.subject}, issuer ${c.issuer}`);
    if (c.sans.length > 0) out.push(`names ${c.sans.join(', ')}`);
    const words = daysLeftWords(c.daysLeft);
    const left = c.daysLeft < 0 ? paint('red', words) : words;
    out.push(`valid ${c.notBefore} → ${c.notAfter} (${left})`);
  }
  for (const issuer of tls.intermediates ?? []) {
    const words = daysLeftWords(issuer.daysLeft);
    const left = issuer.daysLeft < 0 ? paint('red', words) : words;
    out.push(`intermediate ${issuer.subject}, valid until ${issuer.notAfter} (${left})`);
  }
  return out;
}

function cdnLine(cdn: CdnInfo, paint: Paint): string {
  const parts = [`${paint('bold', 'cdn')} cache ${cdn.cache} (${cdn.source}: ${cdn.raw})`];
  if (cdn.provider) parts.push(cdn.provider);
  if (cdn.pop) parts.push(`pop ${cdn.pop}`);
  if (cdn.ageSeconds !== undefined) parts.push(`age ${cdn.ageSeconds} s`);
  return parts.join(', ');
}

import { describe, expect, it } from 'vitest';
import { parseTargetUrl, type TargetOptions, urlToProbeInput } from '../../shared/config/url.ts';
import { DEFAULT_TIMEOUT_MS, type DnsSpec, type ProbeSpec, type TcpSpec } from '../../shared/probes/spec.ts';
import { dnsSpec, httpSpec, tcpSpec, tlsOptions } from '../fixtures/specs.ts';
import { catchConfigError } from './catch-config-error.ts';

/** What parsing a bare URL resolves to: the shared test specs with the config's default timeout. */
const PARSED = { timeoutMs: DEFAULT_TIMEOUT_MS };
const dns = (fields: Partial<DnsSpec>): ProbeSpec => dnsSpec(undefined, { ...PARSED, ...fields });
const tcp = ({ port, ...fields }: Partial<TcpSpec> & { port: number }): ProbeSpec =>
  tcpSpec(port, { ...PARSED, ...fields });
const http = (url: string): ProbeSpec => httpSpec(url, PARSED);

describe('parseTargetUrl: every accepted form', () => {
  it.each<[string, ProbeSpec]>([
    ['dns://1.1.1.1/example.com', dns({ name: 'example.com', server: { host: '1.1.1.1', port: 53 } })],
    [
      'dns://1.1.1.1:5353/example.com?type=AAAA',
      dns({ name: 'example.com', type: 'AAAA', server: { host: '1.1.1.1', port: 5353 } }),
    ],
    [
      'dns://[2606:4700::1111]:53/example.com?type=mx',
      dns({ name: 'example.com', type: 'MX', server: { host: '2606:4700::1111', port: 53 } }),
    ],
    ['dns://[::1]/example.com', dns({ name: 'example.com', server: { host: '::1', port: 53 } })],
    [
      'dns://ns1.example.net/example.com',
      dns({ name: 'example.com', server: { host: 'ns1.example.net', port: 53 } }),
    ],
    ['dns:example.com?type=TXT', dns({ name: 'example.com', type: 'TXT' })],
    ['dns:example.com', dns({ name: 'example.com' })],
    ['dns:///example.com?type=NS', dns({ name: 'example.com', type: 'NS' })],
    ['DNS:///example.com.', dns({ name: 'example.com.' })],
    ['dns:///_dmarc.example.com?type=TXT', dns({ name: '_dmarc.example.com', type: 'TXT' })],
    ['dns:///example.com?type=SOA;class=IN', dns({ name: 'example.com', type: 'SOA' })],
    [
      'dns:///example.com?type=SOA&mode=authoritative',
      dns({ name: 'example.com', type: 'SOA', mode: 'authoritative' }),
    ],
    ['dns:///www%2Eexample.com', dns({ name: 'www.example.com' })],
    [
      'dns://127.0.0.1:15353/lab.test?type=SOA&mode=authoritative&nsPort=5300',
      dns({
        name: 'lab.test',
        type: 'SOA',
        mode: 'authoritative',
        nsPort: 5300,
        server: { host: '127.0.0.1', port: 15353 },
      }),
    ],
    [
      'dns:///example.com?mode=authoritative;NSPORT=53',
      dns({ name: 'example.com', mode: 'authoritative', nsPort: 53 }),
    ],
    ['tcp://db.example.net:5432', tcp({ host: 'db.example.net', port: 5432 })],
    ['tcp://db.example.net:5432/', tcp({ host: 'db.example.net', port: 5432 })],
    ['tcp://192.0.2.10:22', tcp({ host: '192.0.2.10', port: 22 })],
    ['tcp://[2001:db8::1]:22', tcp({ host: '2001:db8::1', port: 22 })],
    // Hosts are case-insensitive: one spelling in findings and subjects, as URL does for http(s).
    ['tcp://DB.Example.NET:5432', tcp({ host: 'db.example.net', port: 5432 })],
    ['tcp://[2001:DB8::1]:22', tcp({ host: '2001:db8::1', port: 22 })],
    ['tls://Mail.Example.NET:465', tcp({ host: 'mail.example.net', port: 465, tls: tlsOptions() })],
    // …but the name a dns:// URL asks for keeps its case, as dig sends it.
    [
      'dns://NS1.Example.NET/Example.com',
      dns({ name: 'Example.com', server: { host: 'ns1.example.net', port: 53 } }),
    ],
    ['tls://mail.example.net:465', tcp({ host: 'mail.example.net', port: 465, tls: tlsOptions() })],
    ['https://example.com', http('https://example.com/')],
    ['https://EXAMPLE.com:8443/health?full=1', http('https://example.com:8443/health?full=1')],
    ['http://[::1]:8080/status', http('http://[::1]:8080/status')],
  ])('%s', (url, spec) => {
    expect(parseTargetUrl(url)).toEqual(spec);
  });

  it('reports the scheme it parsed, for callers that check flags against it', () => {
    expect(urlToProbeInput('tls://mail.example.net:465')).toMatchObject({ kind: 'tcp', scheme: 'tls' });
    expect(urlToProbeInput('HTTPS://example.com')).toMatchObject({ kind: 'http', scheme: 'https' });
  });
});

describe('parseTargetUrl: every rejected form', () => {
  it.each([
    ['ftp://files.example.com/', 'unknown scheme "ftp:" (expected dns, tcp, tls, http, https)'],
    [
      'example.com',
      '"example.com" has no scheme (expected dns, tcp, tls, http, https, like https://example.com)',
    ],
    ['tcp://db.example.net', 'missing port (tcp://host:port)'],
    ['tcp://db.example.net:', 'missing port (tcp://host:port)'],
    ['tls://mail.example.net', 'missing port (tls://host:port)'],
    ['tcp://:5432', 'missing host (tcp://host:port)'],
    ['tcp:db:5432', 'expected tcp://host:port'],
    ['tcp://db:99999', 'port 99999 out of range (1-65535)'],
    ['tcp://db:0', 'port 0 out of range (1-65535)'],
    ['tcp://db:ssh', 'port "ssh" is not a number'],
    ['tcp://db:5432/path', 'tcp URLs take no path (tcp://host:port, or tcp://host:port?family=6)'],
    ['tcp://db:5432?timeout=1', 'tcp and tls URLs take one parameter, family (got "timeout=1")'],
    ['tls://db:5432?family=5', 'family must be auto, 4, 6 or both (got "5")'],
    ['tcp://user@db:5432', 'credentials are not allowed in the URL'],
    ['tcp://2001:db8::1:22', '"2001:db8::1:22": write IPv6 addresses in brackets, tcp://[::1]:port'],
    ['tcp://[db]:22', '"[db]:22": brackets must hold an IPv6 address'],
    ['tcp://db!1:22', '"db!1" is not a host name or IP address'],
    ['tcp://db:22#x', 'fragments (#…) are not allowed'],
    [
      'dns://1.1.1.1/example.com?type=AXFR',
      'unknown record type "AXFR" (expected A, AAAA, CNAME, MX, NS, TXT, SOA, CAA, PTR)',
    ],
    [
      'dns://1.1.1.1/example.com?type=',
      'unknown record type "" (expected A, AAAA, CNAME, MX, NS, TXT, SOA, CAA, PTR)',
    ],
    ['dns:///example.com?class=CH', 'only class IN is supported (got "CH")'],
    ['dns:///example.com?mode=iterative', 'unknown mode "iterative" (expected recursive, authoritative)'],
    [
      'dns:///example.com?server=1.1.1.1',
      'unknown parameter "server" (expected type, class, mode, family, dnssec, nsPort)',
    ],
    ['dns:///example.com?mode=authoritative&nsPort=0', 'nsPort: port 0 out of range (1-65535)'],
    ['dns:///example.com?mode=authoritative&nsPort=dns', 'nsPort: port "dns" is not a number'],
    [
      'dns:///example.com?nsPort=5300',
      'nsPort only applies with mode=authoritative (where the discovered nameservers listen)',
    ],
    ['dns:///example.com?type=A&type=MX', 'parameter "type" given twice'],
    ['dns://1.1.1.1', 'missing the name to query (dns://[server[:port]]/name?type=A)'],
    ['dns://1.1.1.1/', 'missing the name to query (dns://[server[:port]]/name?type=A)'],
    ['dns:///exa mple.com', '"exa mple.com" is not a valid DNS name'],
    ['dns:///a..b', '"a..b" is not a valid DNS name'],
    ['dns:///%E0%A4%A', 'bad percent-encoding in "%E0%A4%A"'],
    ['dns://1.1.1.1:53x/example.com', 'port "53x" is not a number'],
    ['https://', '"https://" is not a valid URL'],
    [
      'https://user:secret@example.com/',
      'credentials are not allowed in the URL (send an Authorization header)',
    ],
  ])('%s', (url, message) => {
    const err = catchConfigError(() => parseTargetUrl(url));

    expect(err.issues).toEqual([{ path: 'url', message }]);
    expect(err.message).toBe(`url: ${message}`);
  });
});

describe('parseTargetUrl: options', () => {
  it('merges HTTP options and assertions, with the same defaults and input forms as a config block', () => {
    const spec = parseTargetUrl('https://api.example.com/health', {
      timeoutMs: 3000,
      thresholds: { ttfb: 500 },
      method: 'post',
      headers: { accept: 'application/json' },
      body: '{}',
      maxRedirects: 0,
      insecure: true,
      certWarnDays: 30,
      assert: { status: ['2xx', 304], body: 'ok', json: [{ path: '$.status', match: 'ok' }] },
    });

    expect(spec).toEqual({
      kind: 'http',
      url: 'https://api.example.com/health',
      method: 'POST',
      headers: { accept: 'application/json' },
      body: '{}',
      maxRedirects: 0,
      maxBodyBytes: 1024 * 1024,
      tls: { insecure: true, certWarnDays: 30, certCriticalDays: 7 },
      assert: {
        status: [[200, 299], 304],
        body: [{ contains: 'ok' }],
        json: [{ path: '$.status', match: { equals: 'ok' } }],
      },
      timeoutMs: 3000,
      thresholds: { ttfb: 500 },
    });
  });

  it('puts TLS options of a tls:// URL on the TCP spec', () => {
    const spec = parseTargetUrl('tls://mail.example.net:465', {
      serverName: 'smtp.example.net',
      certCriticalDays: 3,
      expect: { regex: '^220 ' },
      send: 'EHLO netprobe\r\n',
    });

    expect(spec).toMatchObject({
      kind: 'tcp',
      tls: { insecure: false, serverName: 'smtp.example.net', certWarnDays: 21, certCriticalDays: 3 },
      expect: { regex: '^220 ' },
      send: 'EHLO netprobe\r\n',
    });
  });

  it('merges DNS assertions; a plain answer string means equals', () => {
    const spec = parseTargetUrl('dns://1.1.1.1/example.com', {
      recursionDesired: false,
      assert: { answers: ['93.184.215.14'], rcode: 'noerror', minTtl: 60 },
    });

    expect(spec).toMatchObject({
      recursionDesired: false,
      assert: { answers: [{ equals: '93.184.215.14' }], rcode: 'NOERROR', minTtl: 60 },
    });
  });

  it('ignores options that are undefined (unset flags)', () => {
    expect(parseTargetUrl('tcp://db.example.net:5432', { method: undefined, insecure: undefined })).toEqual(
      parseTargetUrl('tcp://db.example.net:5432'),
    );
  });

  it.each<[string, TargetOptions, string]>([
    ['dns:///example.com', { method: 'POST' }, 'method: only for http, https URLs'],
    ['tcp://db:5432', { insecure: true }, 'insecure: only for http, https, tls URLs'],
    ['https://example.com', { send: 'x' }, 'send: only for tcp, tls URLs'],
    ['https://example.com', { recursionDesired: true }, 'recursionDesired: only for dns URLs'],
    ['tcp://db:5432', { assert: { rcode: 'NOERROR' } }, 'assert: only for dns, http, https URLs'],
    [
      'https://example.com',
      { timeout: 5 } as TargetOptions,
      'timeout: unknown key (did you mean "timeoutMs"?)',
    ],
    ['https://example.com', { timeoutMs: 0 }, 'timeoutMs: expected 1-900000'],
    ['https://example.com', { timeoutMs: 1.5 }, 'timeoutMs: expected 1-900000'],
    [
      'https://example.com',
      { thresholds: { ttbf: 5 } } as TargetOptions,
      'thresholds.ttbf: unknown key (did you mean "ttfb"?)',
    ],
    [
      'https://example.com',
      { timeoutMs: 1000, thresholds: { total: 1000 } },
      'thresholds.total: 1s is not below the timeout (1s)',
    ],
    ['https://example.com', { method: 'GE T' }, 'method: expected an HTTP method like GET or POST'],
    ['https://example.com', { assert: { status: [99] } }, 'assert.status[0]: expected 100-599'],
    [
      'https://example.com',
      { assert: { answers: ['x'] } },
      'assert.answers: unknown key (expected one of status, headers, body, json)',
    ],
    [
      'https://example.com',
      { headers: { 'x-token': 'a\r\nb' } },
      'headers["x-token"]: header values must not contain CR, LF or NUL',
    ],
    [
      'https://example.com',
      { ca: 'not pem' },
      'ca: expected PEM text (-----BEGIN CERTIFICATE----- …), not a file name',
    ],
    [
      'tls://mail.example.net:465',
      { insecure: 'yes' } as unknown as TargetOptions,
      'insecure: expected boolean, got string',
    ],
    ['tls://mail.example.net:465', { certWarnDays: 3 }, 'certCriticalDays: must not exceed certWarnDays (3)'],
    [
      'dns:///example.com',
      { assert: { rcode: 'OK' } },
      'assert.rcode: expected one of NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, YXRRSET, NXRRSET, NOTAUTH, NOTZONE (got "OK")',
    ],
  ])('%s with %j → %s', (url, opts, message) => {
    expect(catchConfigError(() => parseTargetUrl(url, opts)).message).toBe(message);
  });

  it('rejects options that are not an object', () => {
    expect(catchConfigError(() => parseTargetUrl('https://example.com', null as never)).message).toBe(
      'expected an object of options, got null',
    );
  });
});

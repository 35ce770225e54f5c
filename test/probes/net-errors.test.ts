import { describe, expect, it } from 'vitest';
import {
  certificateFailure,
  classifyLookupError,
  classifyNetError,
  formatAddress,
  type NetPhase,
  timeoutFailure,
} from '../../shared/probes/net-errors.ts';

/** An error shaped like the ones node:net / node:tls emit. */
function nodeError(code: string, extra: { syscall?: string; message?: string } = {}): NodeJS.ErrnoException {
  return Object.assign(new Error(extra.message ?? `${extra.syscall ?? 'connect'} ${code} 192.0.2.1:443`), {
    code,
    syscall: extra.syscall,
  });
}

const at = '192.0.2.1:443';

describe('classifyNetError', () => {
  it.each([
    ['ECONNREFUSED', 'connect', 'TCP_REFUSED', 'transport', `${at} refused the connection`],
    ['ETIMEDOUT', 'connect', 'TCP_TIMEOUT', 'transport', `${at} did not answer in time`],
    ['ECONNRESET', 'io', 'TCP_RESET', 'transport', `${at} reset the connection`],
    ['EPIPE', 'io', 'TCP_RESET', 'transport', `${at} closed the connection while we were still writing`],
    ['EHOSTUNREACH', 'connect', 'TCP_UNREACHABLE', 'transport', `${at} is unreachable: no route to host`],
    [
      'ENETUNREACH',
      'connect',
      'TCP_UNREACHABLE',
      'transport',
      `${at} is unreachable: network is unreachable`,
    ],
    ['EADDRNOTAVAIL', 'connect', 'TCP_UNREACHABLE', 'transport', `${at} is unreachable: no local address`],
    ['CERT_HAS_EXPIRED', 'tls', 'TLS_CERT_EXPIRED', 'tls', `certificate of ${at} has expired`],
    [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'tls',
      'TLS_CERT_UNTRUSTED',
      'tls',
      `certificate of ${at} is self-signed`,
    ],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', 'TLS_CERT_UNTRUSTED', 'tls', 'self-signed root'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', 'TLS_CERT_UNTRUSTED', 'tls', 'unknown issuer'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls', 'TLS_CERT_UNTRUSTED', 'tls', 'not in the trust store'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'TLS_HOSTNAME_MISMATCH', 'tls', 'does not cover this host name'],
    [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'tls',
      'TLS_HANDSHAKE_FAILED',
      'tls',
      `TLS handshake with ${at} failed`,
    ],
  ] as const)('%s during %s → %s', (code, phase, expected, layer, says) => {
    const failure = classifyNetError(nodeError(code, { syscall: 'read' }), {
      phase: phase as NetPhase,
      address: at,
    });

    expect(failure.code).toBe(expected);
    expect(failure.layer).toBe(layer);
    expect(failure.message).toContain(says);
  });

  it('keeps only the OpenSSL reason and hints when the port does not speak TLS', () => {
    const err = nodeError('ERR_SSL_WRONG_VERSION_NUMBER', {
      message:
        'C0E7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record.c:354:',
    });

    const failure = classifyNetError(err, { phase: 'tls', address: at });

    expect(failure).toEqual({
      code: 'TLS_HANDSHAKE_FAILED',
      layer: 'tls',
      message: `TLS handshake with ${at} failed: wrong version number (the port does not speak TLS?)`,
    });
  });

  it("reads Node's syscall-less ECONNRESET in the handshake as the server hanging up, not a RST", () => {
    const hangUp = Object.assign(
      new Error('Client network socket disconnected before secure TLS connection'),
      {
        code: 'ECONNRESET',
      },
    );

    expect(classifyNetError(hangUp, { phase: 'tls', address: at }).code).toBe('TLS_HANDSHAKE_FAILED');
    expect(
      classifyNetError(nodeError('ECONNRESET', { syscall: 'read' }), { phase: 'tls', address: at }),
    ).toEqual({
      code: 'TCP_RESET',
      layer: 'transport',
      message: `${at} reset the connection during the TLS handshake`,
    });
  });

  it('falls back by phase for codes it does not know, keeping the raw code as evidence', () => {
    expect(classifyNetError(nodeError('EWEIRD'), { phase: 'connect', address: at })).toMatchObject({
      code: 'TCP_UNREACHABLE',
      layer: 'transport',
      message: expect.stringContaining('EWEIRD'),
    });
    expect(classifyNetError(new Error('boom'), { phase: 'tls', address: at })).toMatchObject({
      code: 'TLS_HANDSHAKE_FAILED',
      message: `TLS handshake with ${at} failed: boom`,
    });
    expect(classifyNetError('not even an Error', { phase: 'io', address: at }).message).toContain(
      'not even an Error',
    );
  });

  it('delegates the dns phase to the lookup classifier', () => {
    expect(classifyNetError(nodeError('ENOTFOUND'), { phase: 'dns', address: 'nowhere.test' }).code).toBe(
      'DNS_NXDOMAIN',
    );
  });
});

describe('classifyLookupError', () => {
  it.each([
    ['ENOTFOUND', 'DNS_NXDOMAIN'],
    ['ENODATA', 'DNS_NO_ANSWER'],
    ['ESERVFAIL', 'DNS_SERVFAIL'],
    ['EREFUSED', 'DNS_REFUSED'],
    ['EAI_AGAIN', 'DNS_TIMEOUT'],
    ['ETIMEOUT', 'DNS_TIMEOUT'],
    ['EAI_FAIL', 'DNS_SERVFAIL'],
  ] as const)('%s → %s, naming the host', (code, expected) => {
    const failure = classifyLookupError(nodeError(code), 'db.internal');

    expect(failure).toMatchObject({ code: expected, layer: 'dns' });
    expect(failure.message).toContain('db.internal');
  });
});

describe('certificateFailure', () => {
  it('maps every other verification code to untrusted, showing the raw code', () => {
    expect(certificateFailure('INVALID_CA', at)).toEqual({
      code: 'TLS_CERT_UNTRUSTED',
      layer: 'tls',
      message: `certificate of ${at} failed verification (INVALID_CA)`,
    });
  });
});

describe('timeoutFailure', () => {
  it.each([
    ['dns', 'DNS_TIMEOUT', 'dns', 'resolving 192.0.2.1:443 did not finish within 1500 ms'],
    ['connect', 'TCP_TIMEOUT', 'transport', 'TCP connect to 192.0.2.1:443 got no answer within 1500 ms'],
    [
      'tls',
      'TLS_HANDSHAKE_FAILED',
      'tls',
      'TLS handshake with 192.0.2.1:443 did not complete within 1500 ms',
    ],
    ['io', 'TCP_TIMEOUT', 'transport', '192.0.2.1:443 did not finish the exchange within 1500 ms'],
  ] as const)('%s → %s', (phase, code, layer, says) => {
    const failure = timeoutFailure(phase, at, 1499.6);

    expect(failure).toMatchObject({ code, layer });
    expect(failure.message).toContain(says);
  });
});

describe('formatAddress', () => {
  it('brackets IPv6 so the port stays readable', () => {
    expect(formatAddress('::1', 22)).toBe('[::1]:22');
    expect(formatAddress('127.0.0.1', 22)).toBe('127.0.0.1:22');
    expect(formatAddress('db.internal', 5432)).toBe('db.internal:5432');
  });
});

import { describe, expect, it } from 'vitest';
import { createAddressPolicy, forbiddenKind } from '../../shared/domain/ssrf.ts';

describe('forbiddenKind', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    // IPv4 hidden in IPv6 forms lands where the IPv4 address does.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:0a00:0001::1', 'private'],
    // IPv4-translated (::ffff:0:0:0/96) and the other forms of issue 10.
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['::ffff:0:10.0.0.2', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b:1::1', 'private'],
    ['64:ff9b:1::8.8.8.8', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    // Teredo: server 127.0.0.1 (client 8.8.8.8); then a public server (65.54.227.120) with client 10.0.0.2 stored inverted.
    ['2001:0:7f00:1::f7f7:f7f7', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffd', 'private'],
    ['db.internal', 'invalid'],
    ['', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(forbiddenKind(address)).toBe(kind);
  });

  it.each([
    '93.184.215.14',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '::ffff:0:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    // RFC 4380's example: server 65.54.227.120, client 192.0.2.45 (documentation, not a forbidden range).
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  ])('%s is public', (address) => {
    expect(forbiddenKind(address)).toBeNull();
  });
});

describe('createAddressPolicy', () => {
  it('refuses a private address and names it, the name it came from and the way out', () => {
    const refusal = createAddressPolicy([]).check('10.0.0.7', 443, 'db.internal');
    expect(refusal).toEqual({
      address: '10.0.0.7',
      port: 443,
      host: 'db.internal',
      kind: 'private',
      message:
        'refused to connect to port 443: db.internal resolved to 10.0.0.7, a private (RFC 1918) address; ' +
        'ad-hoc checks may only reach public addresses (list it in allowPrivateTargets to allow it)',
    });
  });

  it('lets public addresses through', () => {
    expect(createAddressPolicy([]).check('93.184.215.14', 443, 'example.com')).toBeNull();
  });

  it.each([
    [['10.0.0.0/8'], '10.20.30.40', 'x'],
    [['127.0.0.1'], '127.0.0.1', '127.0.0.1'],
    [['127.0.0.0/8'], '::ffff:127.0.0.2', 'localhost'],
    [['fd00::/8'], 'fd12::1', 'x'],
    [['DB.Internal.'], '10.0.0.7', 'db.internal'],
  ])('allow-list %j lets %s (from %s) through', (allow, address, host) => {
    expect(createAddressPolicy(allow).check(address, 80, host)).toBeNull();
  });

  it('keeps refusing addresses outside the allowed ranges', () => {
    const policy = createAddressPolicy(['10.0.0.0/8', 'db.internal']);
    expect(policy.check('192.168.1.1', 80, 'other.internal')?.kind).toBe('private');
    expect(policy.check('127.0.0.1', 80, 'localhost')?.kind).toBe('loopback');
  });

  it('opens a metadata address only when the list names the address itself', () => {
    expect(createAddressPolicy(['169.254.0.0/16']).check('169.254.169.254', 80, 'x')?.kind).toBe('metadata');
    expect(createAddressPolicy(['100.64.0.0/10']).check('100.100.100.200', 80, 'x')?.kind).toBe('metadata');
    // A name that resolves there is not the address: still refused.
    expect(
      createAddressPolicy(['metadata.google.internal']).check(
        '169.254.169.254',
        80,
        'metadata.google.internal',
      )?.message,
    ).toContain(
      'a cloud metadata service address; ad-hoc checks may only reach public addresses (list the address itself',
    );
    expect(createAddressPolicy(['169.254.169.254']).check('169.254.169.254', 80, 'x')).toBeNull();
    expect(createAddressPolicy(['169.254.169.254/32']).check('169.254.169.254', 80, 'x')).toBeNull();
  });

  it('writes the address alone when the target was the address itself', () => {
    expect(createAddressPolicy([]).check('::1', 8080, '::1')?.message).toMatch(
      /^refused to connect to port 8080: ::1, a loopback address;/,
    );
  });
});

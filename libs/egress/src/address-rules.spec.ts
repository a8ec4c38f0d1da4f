import { checkAddress, parseCidr } from './address-rules';

const none: ReturnType<typeof parseCidr>[] = [];
const rule = (address: string, allowed = none) => {
  const verdict = checkAddress(address, allowed);
  return verdict.allowed ? 'allowed' : verdict.rule;
};

describe('address rules', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['2130706433', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['192.168.0.10', 'private'],
    ['172.16.5.4', 'private'],
    ['0xA9FEA9FE', 'metadata'],
    ['169.254.169.254', 'metadata'],
    ['0251.0376.0251.0376', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::a9fe:a9fe', 'ipv4-compatible'],
    ['::10.1.2.3', 'ipv4-compatible'],
    ['64:ff9b::a00:1', 'translated'],
    ['2002:a00:1::', 'translated'],
    ['::ffff:10.1.2.3', 'private'],
    ['not-an-ip', 'not-an-address'],
  ])('refuses %s (%s)', (address, expected) => {
    expect(rule(address)).toBe(expected);
  });

  it.each(['8.8.8.8', '1.1.1.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '151.101.1.69'])(
    'allows the public address %s',
    (address) => expect(rule(address)).toBe('allowed'),
  );

  it('allows a refused range once listed, in every notation of its addresses', () => {
    const allowed = ['10.0.0.0/8', 'fd12::/16'].map(parseCidr);
    expect(rule('10.1.2.3', allowed)).toBe('allowed');
    expect(rule('0x0a010203', allowed)).toBe('allowed');
    expect(rule('::ffff:10.1.2.3', allowed)).toBe('allowed');
    expect(rule('fd12:3456::1', allowed)).toBe('allowed');
    expect(rule('192.168.0.1', allowed)).toBe('private');
    expect(rule('fd13::1', allowed)).toBe('unique-local');
  });

  it('keeps metadata addresses refused under a wide range, allowing one only when listed alone', () => {
    expect(rule('169.254.169.254', ['169.254.0.0/16'].map(parseCidr))).toBe('metadata');
    expect(rule('169.254.10.1', ['169.254.0.0/16'].map(parseCidr))).toBe('allowed');
    expect(rule('169.254.169.254', ['169.254.169.254'].map(parseCidr))).toBe('allowed');
  });
});

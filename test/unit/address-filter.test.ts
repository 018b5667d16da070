import { AddressFilter, parseAddressAllowlist } from '../../src/network/address-filter';
import { parseCidr, parseIpAddress } from '../../src/network/ip-address';

describe('parseIpAddress', () => {
  test.each([
    ['127.0.0.1', 4, 0x7f000001n],
    ['::1', 6, 1n],
    ['[::1]', 6, 1n],
    ['::ffff:127.0.0.1', 6, 0xffff7f000001n],
    ['::FFFF:7F00:1', 6, 0xffff7f000001n],
    ['fe80::1%eth0', 6, (0xfe80n << 112n) | 1n],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n],
  ])('parses %s', (text, version, value) => {
    expect(parseIpAddress(text)).toEqual({ version, value });
  });

  test.each(['localhost', 'example.com', '0177.0.0.1', '127.1', '', '::g'])(
    'rejects %j',
    (text) => {
      expect(parseIpAddress(text)).toBeNull();
    },
  );
});

describe('parseCidr', () => {
  test.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    [' 127.0.0.0/8 ', '127.0.0.0/8'],
    ['10.1.2.3', '10.1.2.3/32'],
    ['::1', '::1/128'],
    ['FC00::/7', 'fc00::/7'],
    ['2001:DB8:0:0::/32', '2001:db8::/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ])('reads %j as %s', (text, canonical) => {
    expect(parseCidr(text).text).toBe(canonical);
  });

  test.each([
    ['foo', 'is not a valid IP address or CIDR range'],
    ['10.0.0.0/8/8', 'is not a valid IP address or CIDR range'],
    ['fe80::1%eth0/64', 'is not a valid IP address or CIDR range'],
    ['10.0.0.0/33', 'from 0 to 32'],
    ['::/129', 'from 0 to 128'],
    ['10.0.0.0/', 'invalid prefix length'],
    ['10.0.0.0/+8', 'invalid prefix length'],
    ['10.1.2.3/8', 'did you mean 10.0.0.0/8?'],
    ['fd00::1/8', 'did you mean fd00::/8?'],
  ])('rejects %j', (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
  });
});

describe('parseAddressAllowlist', () => {
  test('skips empty entries', () => {
    const parsed = parseAddressAllowlist(' 127.0.0.0/8, ,::1/128,');

    expect(parsed.ranges).toEqual(['127.0.0.0/8', '::1/128']);
    expect(parsed.problems).toEqual([]);
  });

  test('lists every invalid entry', () => {
    const parsed = parseAddressAllowlist('10.0.0.0/8,nope,10.1.0.0/8');

    expect(parsed.ranges).toEqual(['10.0.0.0/8']);
    expect(parsed.problems).toHaveLength(2);
    expect(parsed.problems[0]).toContain('"nope"');
    expect(parsed.problems[1]).toContain('"10.1.0.0/8"');
  });
});

describe('AddressFilter', () => {
  const publicOnly = new AddressFilter();

  test.each([
    '93.184.215.14',
    '2001:4860:4860::8888',
    '::ffff:93.184.215.14',
    '64:ff9b::5db8:d70e',
  ])('allows public %s', (address) => {
    expect(publicOnly.check(address)).toBeNull();
  });

  test('names the range it rejects', () => {
    expect(publicOnly.check('10.0.0.7')).toBe('in the private range (10.0.0.0/8)');
  });

  test('allowlisted IPv4 range covers its IPv6 forms', () => {
    const filter = new AddressFilter(['10.0.0.0/8']);

    expect(filter.check('10.1.2.3')).toBeNull();
    expect(filter.check('::ffff:10.1.2.3')).toBeNull();
    expect(filter.check('64:ff9b::a01:203')).toBeNull();
    expect(filter.check('2002:a01:203::1')).toBeNull();
    expect(filter.check('192.168.1.1')).toContain('private range (192.168.0.0/16)');
  });

  test('allowlisted IPv6 range covers only itself', () => {
    const filter = new AddressFilter(['fd00:ec2::/32']);

    expect(filter.check('fd00:ec2::254')).toBeNull();
    expect(filter.check('fd00:ec3::1')).toContain('unique local range');
  });

  test('rejects text that is no address', () => {
    expect(publicOnly.check('example.com')).toBe('not an IP address');
  });
});

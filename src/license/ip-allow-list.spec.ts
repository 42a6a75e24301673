import { AllowList, normalizeClientIp, parseIpOrCidr } from './ip-allow-list';

describe('parseIpOrCidr', () => {
  it.each(['203.0.113.7', '203.0.113.0/24', '0.0.0.0/0', '2001:db8::1', '2001:db8::/32', '::/0', '::ffff:10.0.0.1'])(
    'should accept %s',
    (entry) => {
      expect(parseIpOrCidr(entry)).toBeDefined();
    },
  );

  it.each(['', 'example.com', '10.0.0.0/33', '2001:db8::/129', '10.0.0.256', '10.0.0.1/', '10.0.0.1/8/8', ' 10.0.0.1'])(
    'should refuse %j',
    (entry) => {
      expect(parseIpOrCidr(entry)).toBeUndefined();
    },
  );
});

describe('AllowList', () => {
  it('should allow any address when empty', () => {
    expect(new AllowList([]).allows('198.51.100.1')).toBe(true);
  });

  it('should allow the listed addresses and the addresses of the listed blocks only', () => {
    const list = new AllowList(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32']);
    expect(list.allows('203.0.113.7')).toBe(true);
    expect(list.allows('203.0.113.8')).toBe(false);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('11.0.0.1')).toBe(false);
    expect(list.allows('2001:db8:1::5')).toBe(true);
    expect(list.allows('2001:db9::1')).toBe(false);
    expect(list.allows('not an address')).toBe(false);
  });

  it('should read an IPv4 client on a dual-stack socket as IPv4', () => {
    expect(new AllowList(['10.0.0.0/8']).allows('::ffff:10.1.2.3')).toBe(true);
    expect(normalizeClientIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeClientIp('::1')).toBe('::1');
    expect(normalizeClientIp(undefined)).toBe('unknown');
  });
});

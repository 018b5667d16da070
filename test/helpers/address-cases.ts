/**
 * Endpoint URLs for the address-filter tests, shared by the creation check and the connect-time
 * check. `reason` is a part of the expected message that names the range.
 */
export interface BlockedUrlCase {
  url: string;
  reason: string;
}

const LOOPBACK_V4 = 'in the loopback range (127.0.0.0/8)';
const METADATA = 'the cloud metadata address in the link-local range (169.254.0.0/16)';
const MAPPED = 'in the IPv4-mapped IPv6 range (::ffff:0:0/96) and carries';

/** IP-literal hosts that must be rejected, in the spellings a URL parser accepts for them. */
export const BLOCKED_LITERAL_URLS: BlockedUrlCase[] = [
  // Loopback, spelled every way the WHATWG URL parser turns into 127.0.0.1.
  { url: 'https://127.0.0.1/hooks', reason: LOOPBACK_V4 },
  { url: 'https://127.0.0.53:8443/hooks', reason: LOOPBACK_V4 },
  { url: 'https://127.1/hooks', reason: LOOPBACK_V4 },
  { url: 'https://2130706433/hooks', reason: LOOPBACK_V4 },
  { url: 'https://0177.0.0.1/hooks', reason: LOOPBACK_V4 },
  { url: 'https://0x7f.1/hooks', reason: LOOPBACK_V4 },
  { url: 'https://0x7f000001/hooks', reason: LOOPBACK_V4 },
  { url: 'https://017700000001/hooks', reason: LOOPBACK_V4 },
  { url: 'https://127.0.0.1./hooks', reason: LOOPBACK_V4 },
  { url: 'https://%31%32%37.0.0.1/hooks', reason: LOOPBACK_V4 },
  { url: 'https://127\u30020\u30020\u30021/hooks', reason: LOOPBACK_V4 },
  { url: 'HTTPS://127.0.0.1/HOOKS', reason: LOOPBACK_V4 },
  { url: 'https://example.com@127.0.0.1/hooks', reason: LOOPBACK_V4 },
  { url: 'https://127.0.0.1#@example.com', reason: LOOPBACK_V4 },
  { url: 'https://127.0.0.1?@example.com', reason: LOOPBACK_V4 },
  { url: 'https://[::1]/hooks', reason: 'in the loopback range (::1/128)' },
  { url: 'https://[0:0:0:0:0:0:0:1]:8443/hooks', reason: 'in the loopback range (::1/128)' },
  {
    url: 'https://[::ffff:127.0.0.1]/hooks',
    reason: `${MAPPED} 127.0.0.1, which is ${LOOPBACK_V4}`,
  },
  { url: 'https://[::ffff:7f00:2]/hooks', reason: `${MAPPED} 127.0.0.2, which is ${LOOPBACK_V4}` },
  { url: 'https://[0:0:0:0:0:FFFF:7F00:0001]/hooks', reason: `${MAPPED} 127.0.0.1` },
  { url: 'https://[::127.0.0.1]/hooks', reason: 'IPv4-compatible IPv6 (deprecated) range (::/96)' },

  // Private networks (RFC 1918).
  { url: 'https://10.0.0.1/hooks', reason: 'in the private range (10.0.0.0/8)' },
  { url: 'https://10.255.255.254/hooks', reason: 'in the private range (10.0.0.0/8)' },
  { url: 'https://172.16.0.1/hooks', reason: 'in the private range (172.16.0.0/12)' },
  { url: 'https://172.31.255.254/hooks', reason: 'in the private range (172.16.0.0/12)' },
  { url: 'https://192.168.1.1/hooks', reason: 'in the private range (192.168.0.0/16)' },
  { url: 'https://3232235777/hooks', reason: 'in the private range (192.168.0.0/16)' },
  { url: 'https://0xc0.0xa8.1.1/hooks', reason: 'in the private range (192.168.0.0/16)' },
  { url: 'https://[::ffff:10.0.0.1]/hooks', reason: `${MAPPED} 10.0.0.1, which is in the private` },

  // Link-local, with the cloud metadata address in its spellings.
  { url: 'https://169.254.169.254/latest/meta-data/', reason: METADATA },
  { url: 'https://2852039166/latest/meta-data/', reason: METADATA },
  { url: 'https://0xa9.0xfe.0xa9.0xfe/', reason: METADATA },
  { url: 'https://0251.0376.0251.0376/', reason: METADATA },
  { url: 'https://169.254.1.1/hooks', reason: 'in the link-local range (169.254.0.0/16)' },
  {
    url: 'https://[::ffff:169.254.169.254]/',
    reason: `${MAPPED} 169.254.169.254, which is ${METADATA}`,
  },
  { url: 'https://[::ffff:a9fe:a9fe]/', reason: `${MAPPED} 169.254.169.254, which is ${METADATA}` },
  { url: 'https://[fe80::1]/hooks', reason: 'in the link-local range (fe80::/10)' },
  { url: 'https://[FE80::ABCD:1]/hooks', reason: 'in the link-local range (fe80::/10)' },
  {
    url: 'https://[fd00:ec2::254]/',
    reason: 'the cloud metadata address in the unique local range (fc00::/7)',
  },

  // The other special-purpose ranges.
  { url: 'https://100.64.0.1/hooks', reason: 'in the carrier-grade NAT range (100.64.0.0/10)' },
  {
    url: 'https://100.100.100.200/',
    reason: 'the cloud metadata address in the carrier-grade NAT range (100.64.0.0/10)',
  },
  { url: 'https://224.0.0.1/hooks', reason: 'in the multicast range (224.0.0.0/4)' },
  { url: 'https://239.255.255.250/hooks', reason: 'in the multicast range (224.0.0.0/4)' },
  { url: 'https://[ff02::1]/hooks', reason: 'in the multicast range (ff00::/8)' },
  { url: 'https://0.0.0.0/hooks', reason: 'in the unspecified ("this network") range (0.0.0.0/8)' },
  { url: 'https://0/hooks', reason: 'in the unspecified ("this network") range (0.0.0.0/8)' },
  { url: 'https://[::]/hooks', reason: 'in the unspecified range (::/128)' },
  {
    url: 'https://[::ffff:0.0.0.0]/hooks',
    reason: `${MAPPED} 0.0.0.0, which is in the unspecified`,
  },
  { url: 'https://255.255.255.255/hooks', reason: 'in the broadcast range (255.255.255.255/32)' },
  { url: 'https://4294967295/hooks', reason: 'in the broadcast range (255.255.255.255/32)' },
  { url: 'https://192.0.2.1/hooks', reason: 'in the documentation range (192.0.2.0/24)' },
  { url: 'https://198.51.100.7/hooks', reason: 'in the documentation range (198.51.100.0/24)' },
  { url: 'https://203.0.113.9/hooks', reason: 'in the documentation range (203.0.113.0/24)' },
  { url: 'https://[2001:db8::1]/hooks', reason: 'in the documentation range (2001:db8::/32)' },
  { url: 'https://[3fff::1]/hooks', reason: 'in the documentation range (3fff::/20)' },
  { url: 'https://198.18.0.1/hooks', reason: 'in the benchmarking range (198.18.0.0/15)' },
  { url: 'https://198.19.255.254/hooks', reason: 'in the benchmarking range (198.18.0.0/15)' },
  {
    url: 'https://192.0.0.8/hooks',
    reason: 'in the IETF protocol assignments range (192.0.0.0/24)',
  },
  { url: 'https://192.88.99.1/hooks', reason: '6to4 relay anycast (deprecated) range' },
  { url: 'https://[2001::1]/hooks', reason: 'IETF protocol assignments range (2001::/23)' },
  { url: 'https://[2001:2::1]/hooks', reason: 'in the benchmarking range (2001:2::/48)' },
  { url: 'https://240.0.0.1/hooks', reason: 'in the reserved range (240.0.0.0/4)' },
  { url: 'https://[fc00::1]/hooks', reason: 'in the unique local range (fc00::/7)' },
  { url: 'https://[fd12:3456:789a::1]/hooks', reason: 'in the unique local range (fc00::/7)' },
  { url: 'https://[fec0::1]/hooks', reason: 'in the site-local (deprecated) range (fec0::/10)' },
  {
    url: 'https://[4000::1]/hooks',
    reason: 'in the reserved range (outside global unicast 2000::/3)',
  },
  {
    url: 'https://[100::1]/hooks',
    reason: 'in the reserved range (outside global unicast 2000::/3)',
  },
  { url: 'https://[::8.8.8.8]/hooks', reason: 'IPv4-compatible IPv6 (deprecated) range (::/96)' },

  // IPv6 transition ranges that carry a non-public IPv4 address.
  {
    url: 'https://[64:ff9b::a9fe:a9fe]/',
    reason: `NAT64 range (64:ff9b::/96) and carries 169.254.169.254`,
  },
  {
    url: 'https://[64:ff9b::10.0.0.1]/',
    reason: 'NAT64 range (64:ff9b::/96) and carries 10.0.0.1',
  },
  { url: 'https://[64:ff9b:1::1]/hooks', reason: 'in the local-use NAT64 range (64:ff9b:1::/48)' },
  { url: 'https://[2002:7f00:1::]/hooks', reason: '6to4 range (2002::/16) and carries 127.0.0.1' },
  {
    url: 'https://[2002:a9fe:a9fe::1]/',
    reason: `6to4 range (2002::/16) and carries 169.254.169.254`,
  },
  {
    url: 'https://[2002:c0a8:101::]/hooks',
    reason: '6to4 range (2002::/16) and carries 192.168.1.1',
  },
];

/** Host names whose addresses are fixed, so the creation check rejects them without DNS. */
export const BLOCKED_NAME_URLS: BlockedUrlCase[] = [
  { url: 'https://localhost/hooks', reason: LOOPBACK_V4 },
  { url: 'https://LOCALHOST/hooks', reason: LOOPBACK_V4 },
  { url: 'https://localhost./hooks', reason: LOOPBACK_V4 },
  { url: 'https://sub.localhost/hooks', reason: LOOPBACK_V4 },
  { url: 'https://a.b.localhost:8443/hooks', reason: LOOPBACK_V4 },
  { url: 'https://metadata.google.internal/computeMetadata/v1/', reason: METADATA },
];

/** Public hosts, which both checks accept. Names resolve through the tests' fake DNS. */
export const PUBLIC_URLS = [
  'https://93.184.215.14/webhooks',
  'https://[2001:4860:4860::8888]/webhooks',
  'https://[::ffff:93.184.215.14]/webhooks',
  'https://[64:ff9b::5db8:d70e]/webhooks',
  'https://[2002:5db8:d70e::1]/webhooks',
  'https://hooks.example.com/webhooks',
  'https://HOOKS.EXAMPLE.COM./webhooks',
  'https://hooks.example.com:8443/postion?source=blog',
  'https://localhost.example.com/webhooks',
];

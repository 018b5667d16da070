import { checkEndpointUrl, type UrlPolicy } from '../../src/endpoints/url-policy';
import { AddressFilter, LOOPBACK_RANGES } from '../../src/network/address-filter';
import { BLOCKED_LITERAL_URLS, BLOCKED_NAME_URLS, PUBLIC_URLS } from '../helpers/address-cases';

const PUBLIC_ONLY = new AddressFilter();
const LOOPBACK_ALLOWED = new AddressFilter(LOOPBACK_RANGES);
const STRICT: UrlPolicy = { allowHttp: false, addressFilter: PUBLIC_ONLY };
const DEV: UrlPolicy = { allowHttp: true, addressFilter: LOOPBACK_ALLOWED };
const HTTP_ONLY: UrlPolicy = { allowHttp: true, addressFilter: PUBLIC_ONLY };
const LOOPBACK_ONLY: UrlPolicy = { allowHttp: false, addressFilter: LOOPBACK_ALLOWED };

// Hosts that reach this machine, in the spellings a URL parser accepts for them.
const LOOPBACK_URLS = [
  'https://localhost/hooks',
  'https://LOCALHOST/hooks',
  'https://localhost./hooks',
  'https://sub.localhost/hooks',
  'https://a.b.localhost:8443/hooks',
  'https://127.0.0.1/hooks',
  'https://127.0.0.53/hooks',
  'https://127.1/hooks',
  'https://2130706433/hooks',
  'https://0x7f.1/hooks',
  'https://[::1]/hooks',
  'https://[::1]:8443/hooks',
  'https://[0:0:0:0:0:0:0:1]/hooks',
  'https://[::ffff:127.0.0.1]/hooks',
];

describe('checkEndpointUrl', () => {
  test.each([
    'https://example.com/webhooks',
    'https://hooks.example.com:8443/postion?source=blog',
    'HTTPS://EXAMPLE.COM/webhooks',
    ...PUBLIC_URLS,
  ])('accepts %s', (url) => {
    expect(checkEndpointUrl(url, STRICT)).toBeNull();
  });

  test('rejects http by default', () => {
    const reason = checkEndpointUrl('http://example.com/webhooks', STRICT);

    expect(reason).toContain('http://');
  });

  test('accepts http when allowed', () => {
    expect(checkEndpointUrl('http://example.com/webhooks', HTTP_ONLY)).toBeNull();
  });

  test.each(['ftp://example.com/hooks', 'ws://example.com/hooks', 'javascript:alert(1)'])(
    'rejects scheme of %s',
    (url) => {
      const reason = checkEndpointUrl(url, DEV);

      expect(reason).toContain('is not supported');
    },
  );

  test('names rejected scheme', () => {
    expect(checkEndpointUrl('ftp://example.com/hooks', DEV)).toContain('ftp:');
  });

  test.each([
    'https://user:secret@example.com/hooks',
    'https://user@example.com/hooks',
    'https://:secret@example.com/hooks',
  ])('rejects credentials in %s', (url) => {
    expect(checkEndpointUrl(url, DEV)).toContain('credentials');
  });

  test.each(LOOPBACK_URLS)('rejects loopback %s', (url) => {
    expect(checkEndpointUrl(url, STRICT)).toContain('loopback');
  });

  test.each(LOOPBACK_URLS)('accepts loopback %s when allowed', (url) => {
    expect(checkEndpointUrl(url, LOOPBACK_ONLY)).toBeNull();
  });

  test('rejects mapped loopback beyond 127.0.0.1', () => {
    // Node's URL parser rewrites ::ffff:127.0.0.2 to ::ffff:7f00:2, which still reaches loopback.
    const reason = checkEndpointUrl('https://[::ffff:127.0.0.2]/hooks', STRICT);

    expect(reason).toContain('loopback');
  });

  test('accepts http loopback in dev', () => {
    expect(checkEndpointUrl('http://127.0.0.1:4000/hooks', DEV)).toBeNull();
  });

  test('checks http before loopback', () => {
    const reason = checkEndpointUrl('http://localhost/hooks', LOOPBACK_ONLY);

    expect(reason).toContain('http://');
  });

  test.each(['not-a-url', '', '/relative/path', 'example.com/hooks'])(
    'rejects garbage %j',
    (raw) => {
      const reason = checkEndpointUrl(raw, DEV);

      expect(reason).toContain(`${JSON.stringify(raw)} is not an absolute URL`);
    },
  );

  test.each([
    ' https://example.com/hooks',
    'https://example.com/ho oks',
    'https://example.com/\r\nX: 1',
  ])('rejects whitespace and control characters in %j', (url) => {
    expect(checkEndpointUrl(url, STRICT)).toContain('control characters');
  });
});

describe('checkEndpointUrl address filter', () => {
  test.each(BLOCKED_LITERAL_URLS)('rejects $url', ({ url, reason }) => {
    const problem = checkEndpointUrl(url, STRICT);

    expect(problem).toContain(reason);
    expect(problem).toContain('webhooks are only sent to public addresses');
  });

  test.each(BLOCKED_NAME_URLS)('rejects known name $url', ({ url, reason }) => {
    const problem = checkEndpointUrl(url, STRICT);

    expect(problem).toContain('always resolves to');
    expect(problem).toContain(reason);
  });

  test('names the host behind userinfo', () => {
    const problem = checkEndpointUrl('https://example.com@127.0.0.1/hooks', STRICT);

    expect(problem).toContain('host 127.0.0.1 is in the loopback range');
  });

  test.each(['https://[fe80::1%25eth0]/hooks', 'https://[fe80::1%eth0]:8443/hooks'])(
    'rejects zone id in %s',
    (url) => {
      expect(checkEndpointUrl(url, DEV)).toContain('IPv6 zone id');
    },
  );

  test.each([
    'https://10.0.0.1/hooks',
    'https://169.254.169.254/',
    'https://0.0.0.0/hooks',
    'https://[::]/hooks',
    'https://metadata.google.internal/',
  ])('loopback allowlist still rejects %s', (url) => {
    expect(checkEndpointUrl(url, DEV)).not.toBeNull();
  });

  test('allowlist accepts only its ranges', () => {
    const policy: UrlPolicy = {
      allowHttp: false,
      addressFilter: new AddressFilter(['10.0.0.0/8']),
    };

    expect(checkEndpointUrl('https://10.1.2.3/hooks', policy)).toBeNull();
    expect(checkEndpointUrl('https://[::ffff:10.1.2.3]/hooks', policy)).toBeNull();
    expect(checkEndpointUrl('https://172.16.0.1/hooks', policy)).toContain('private range');
    expect(checkEndpointUrl('https://localhost/hooks', policy)).toContain('loopback range');
  });

  test('localhost needs both loopback ranges', () => {
    const policy: UrlPolicy = {
      allowHttp: false,
      addressFilter: new AddressFilter(['127.0.0.0/8']),
    };

    expect(checkEndpointUrl('https://localhost/hooks', policy)).toContain('::1');
  });
});

import { isIP } from 'node:net';

/** Rules for endpoint URLs in this deployment. */
export interface UrlPolicy {
  /** Accepts `http:` URLs as well as `https:`. */
  allowHttp: boolean;
  /** Accepts `localhost` and loopback addresses, for the local dev stack only. */
  allowLoopback: boolean;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);

/** Returns why `raw` cannot be an endpoint URL under `policy`, or null if it can. */
export function checkEndpointUrl(raw: string, policy: UrlPolicy): string | null {
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    return `${JSON.stringify(raw)} contains spaces or control characters; send the URL trimmed and percent-encoded`;
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${JSON.stringify(raw)} is not an absolute URL; use the form https://example.com/webhooks`;
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `scheme ${url.protocol} is not supported; use https://`;
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    return 'plain http:// is not accepted; use https:// so payloads and signatures travel encrypted';
  }
  if (url.username || url.password) {
    return 'URLs with credentials (user:password@) are not accepted; authenticate with the signature instead';
  }
  if (isLoopback(url.hostname) && !policy.allowLoopback) {
    return `host ${url.hostname} reaches this machine (a loopback or unspecified address), which endpoints may not use`;
  }
  return null;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  // 0.0.0.0 and :: are "this host": connecting to them reaches local services too.
  if (isIP(host) === 4) return host.startsWith('127.') || host.startsWith('0.');
  if (isIP(host) === 6) return host === '::1' || host === '::' || isMappedLoopback(host);
  return false;
}

// The URL parser writes IPv4-mapped addresses in hex (::ffff:7f00:2 for 127.0.0.2), so test the
// high byte of the embedded IPv4 address for 127 (loopback) or 0 (this host).
function isMappedLoopback(host: string): boolean {
  const match = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
  if (match === null) return false;
  const firstOctet = parseInt(match[1]!, 16) >> 8;
  return firstOctet === 127 || firstOctet === 0;
}

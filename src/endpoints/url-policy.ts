import type { AddressFilter } from '../network/address-filter';
import { parseIpAddress } from '../network/ip-address';

/** Rules for endpoint URLs in this deployment. */
export interface UrlPolicy {
  /** Accepts `http:` URLs as well as `https:`. */
  allowHttp: boolean;
  /** Decides which IP addresses an endpoint host may have: public ones and allowlisted ranges. */
  addressFilter: AddressFilter;
}

/**
 * Returns the addresses of host names that resolve the same everywhere: `localhost` and its
 * subdomains (RFC 6761), and Google Cloud's metadata service name. Other names are checked when a
 * request resolves them, because their addresses can change after creation.
 */
function knownAddresses(hostname: string): string[] {
  const name = hostname.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return ['127.0.0.1', '::1'];
  if (name === 'metadata.google.internal') return ['169.254.169.254'];
  return [];
}

const PUBLIC_ONLY =
  'webhooks are only sent to public addresses, so use a public host name or IP address';

/**
 * Returns why `raw` cannot be an endpoint URL under `policy`, or null if it can. The address
 * filter checks an IP-literal host here, in any spelling the URL parser accepts (2130706433,
 * 0x7f.1, [::ffff:7f00:1]). The agent checks every host again on each new connection.
 */
export function checkEndpointUrl(raw: string, policy: UrlPolicy): string | null {
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    return `${JSON.stringify(raw)} contains spaces or control characters; send the URL trimmed and percent-encoded`;
  }
  // The URL standard has no IPv6 zone ids, and a zone only makes sense on this machine's links.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\[[^\]]*%/i.test(raw)) {
    return `${JSON.stringify(raw)} has an IPv6 zone id (%), which endpoint URLs cannot use; use a public host name`;
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
  // Before the credentials check, so that https://example.com@10.0.0.1/ names the real host.
  const hostProblem = checkHost(url.hostname, policy.addressFilter);
  if (hostProblem) return hostProblem;
  if (url.username || url.password) {
    return 'URLs with credentials (user:password@) are not accepted; authenticate with the signature instead';
  }
  return null;
}

function checkHost(hostname: string, filter: AddressFilter): string | null {
  if (parseIpAddress(hostname) !== null) {
    const reason = filter.check(hostname);
    return reason && `host ${hostname} is ${reason}; ${PUBLIC_ONLY}`;
  }

  for (const address of knownAddresses(hostname)) {
    const reason = filter.check(address);
    if (reason)
      return `host ${hostname} always resolves to ${address}, which is ${reason}; ${PUBLIC_ONLY}`;
  }
  return null;
}

import { lookup as dnsLookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import { errors, type buildConnector } from 'undici';
import type { AddressFilter } from './address-filter';
import { parseIpAddress } from './ip-address';

/** One address of a host name, as `dns.lookup` returns it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all of its addresses. */
export type LookupAllAddresses = (hostname: string) => Promise<ResolvedAddress[]>;

/** Passed to undici as the connect error when a host is, or resolves to, a rejected address. */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_BLOCKED_ADDRESS';

  constructor(
    message: string,
    readonly hostname: string,
    readonly address: string,
  ) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

/** Options of `createCheckedConnector`. */
export interface CheckedConnectorOptions {
  filter: AddressFilter;
  /** Opens a socket to an address that passed the filter; undici's `buildConnector()` in production. */
  dial: buildConnector.connector;
  /** Resolves host names; `dns.lookup` with `all: true` when unset. */
  lookup?: LookupAllAddresses;
  /** Time limit of one lookup, in milliseconds. */
  lookupTimeoutMs: number;
}

// Errors that mean this address cannot be reached from here, so the next address may work, as
// when a host has an AAAA record but this machine has no IPv6 route.
const NEXT_ADDRESS_CODES = new Set([
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
]);

const lookupAll: LookupAllAddresses = (hostname) => dnsLookup(hostname, { all: true });

/**
 * Creates an undici connector that checks every address before it dials. An IP-literal host is
 * checked as it is. A host name is resolved first, and the connection fails if any of its
 * addresses is rejected, so a name cannot mix a public address with a private one, and a second
 * resolution of a rebinding name is checked again. The connector then dials the checked address
 * itself, with the host name as TLS server name, so that certificates are still verified against
 * the name. No socket exists before the check has passed.
 */
export function createCheckedConnector(options: CheckedConnectorOptions): buildConnector.connector {
  return (connectOptions, callback) => {
    connectChecked(connectOptions, options).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error, null),
    );
  };
}

async function connectChecked(
  connectOptions: buildConnector.Options,
  options: CheckedConnectorOptions,
): Promise<Socket> {
  const hostname = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
  const isLiteral = parseIpAddress(hostname) !== null;
  const addresses = isLiteral ? [hostname] : await resolve(hostname, options);
  for (const address of addresses) rejectIfBlocked(hostname, address, isLiteral, options.filter);

  // SNI carries a name without its trailing dot (RFC 6066), and never an IP address.
  const servername =
    connectOptions.servername || (isLiteral ? undefined : hostname.replace(/\.$/, ''));
  for (let index = 0; ; index++) {
    const dialOptions = { ...connectOptions, hostname: addresses[index]!, servername };
    try {
      return await dial(options.dial, dialOptions);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const next = index + 1 < addresses.length && NEXT_ADDRESS_CODES.has(String(code));
      if (!next) throw error;
    }
  }
}

function rejectIfBlocked(
  hostname: string,
  address: string,
  isLiteral: boolean,
  filter: AddressFilter,
): void {
  const reason = filter.check(address);
  if (reason === null) return;

  const subject = isLiteral ? `${address} is` : `${hostname} resolved to ${address}, which is`;
  const message = `${subject} ${reason}; webhooks are only sent to public addresses`;
  throw new BlockedAddressError(message, hostname, address);
}

async function resolve(hostname: string, options: CheckedConnectorOptions): Promise<string[]> {
  const lookup = options.lookup ?? lookupAll;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const message = `DNS lookup of ${hostname} timed out after ${options.lookupTimeoutMs} ms`;
    timer = setTimeout(
      () => reject(new errors.ConnectTimeoutError(message)),
      options.lookupTimeoutMs,
    );
  });

  try {
    const resolved = await Promise.race([lookup(hostname), timeout]);
    if (resolved.length === 0) {
      const message = `DNS lookup of ${hostname} returned no addresses`;
      throw Object.assign(new Error(message), { code: 'ENOTFOUND' });
    }
    return resolved.map((entry) => entry.address);
  } finally {
    clearTimeout(timer);
  }
}

function dial(connector: buildConnector.connector, options: buildConnector.Options) {
  return new Promise<Socket>((resolve, reject) => {
    connector(options, (error, socket) => (error ? reject(error) : resolve(socket!)));
  });
}

import { isIP } from 'node:net';

/** An IP address as an unsigned integer: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

/** A CIDR range such as `10.0.0.0/8`, with `text` in canonical form. */
export interface CidrRange {
  version: 4 | 6;
  base: bigint;
  prefixLength: number;
  text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses an IP address in the canonical forms that URL parsers and DNS lookups return:
 * dotted-decimal IPv4, or IPv6 with optional brackets, an embedded dotted IPv4 tail and a zone id.
 * Returns null for anything else, host names included.
 */
export function parseIpAddress(text: string): IpAddress | null {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const version = isIP(unbracketed);
  if (version === 4) return { version: 4, value: parseIPv4(unbracketed) };
  if (version !== 6) return null;

  // A zone id (fe80::1%eth0) picks the interface, not the address, so it plays no part here.
  const address = unbracketed.split('%')[0]!.toLowerCase();
  return { version: 6, value: parseIPv6(address) };
}

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

// Expects text that isIP() accepted, so each group is valid and "::" appears at most once.
function parseIPv6(text: string): bigint {
  const [head = '', tail] = text.split('::');
  const headGroups = splitGroups(head);
  const tailGroups = tail === undefined ? [] : splitGroups(tail);
  const zeros = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...new Array<number>(zeros).fill(0), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

function splitGroups(part: string): number[] {
  if (part === '') return [];
  const groups: number[] = [];
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      const ipv4 = Number(parseIPv4(piece));
      groups.push(ipv4 >>> 16, ipv4 & 0xffff);
    } else {
      groups.push(parseInt(piece, 16));
    }
  }
  return groups;
}

/** Formats a 32-bit value as dotted-decimal IPv4. */
export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/**
 * Parses `address/prefix`, or a bare address as a range of that one address. Throws a message
 * that names the entry when it is not a valid range, or when it has bits set past the prefix,
 * since `10.1.2.3/8` is more likely a typing mistake than a deliberate `10.0.0.0/8`.
 */
export function parseCidr(text: string): CidrRange {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  const address = parseIpAddress(addressText);
  if (address === null || extra !== undefined || addressText.includes('%')) {
    throw new Error(
      `"${text}" is not a valid IP address or CIDR range; write it as 10.0.0.0/8 or fc00::/7`,
    );
  }

  const bits = BITS[address.version];
  const prefixLength = prefixText === undefined ? bits : Number(prefixText);
  const validPrefix = prefixText === undefined || /^\d{1,3}$/.test(prefixText);
  if (!validPrefix || prefixLength > bits) {
    throw new Error(`"${text}" has an invalid prefix length; use a whole number from 0 to ${bits}`);
  }

  const base = address.value & prefixMask(address.version, prefixLength);
  if (base !== address.value) {
    const suggestion = `${formatAddress(address.version, base)}/${prefixLength}`;
    throw new Error(`"${text}" has bits set past its prefix length; did you mean ${suggestion}?`);
  }
  return {
    version: address.version,
    base,
    prefixLength,
    text: `${formatAddress(address.version, base)}/${prefixLength}`,
  };
}

/** Returns true if `address` lies in `range`. An IPv4 range never contains an IPv6 address. */
export function rangeContains(range: CidrRange, address: IpAddress): boolean {
  if (range.version !== address.version) return false;
  return (address.value & prefixMask(range.version, range.prefixLength)) === range.base;
}

function prefixMask(version: 4 | 6, prefixLength: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return (all >> BigInt(prefixLength)) ^ all;
}

function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 4) return formatIPv4(value);
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) {
    groups.push(((value >> shift) & 0xffffn).toString(16));
  }
  // new URL() writes IPv6 hosts in the RFC 5952 form, compressing the longest run of zeros.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

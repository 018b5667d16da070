import { parseCidr, parseIpAddress, rangeContains, type CidrRange } from './ip-address';
import { describeMatch, findSpecialPurposeRange } from './special-purpose-ranges';

/** The ranges that reach this machine, which the local dev stack allows. */
export const LOOPBACK_RANGES: readonly string[] = ['127.0.0.0/8', '::1/128'];

/**
 * Parses a comma-separated list of CIDR ranges, such as `127.0.0.0/8,::1/128`, into canonical
 * form. A bare address is a range of that one address. Returns the valid ranges, and a message
 * for each invalid entry.
 */
export function parseAddressAllowlist(text: string): { ranges: string[]; problems: string[] } {
  const ranges: string[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    try {
      ranges.push(parseCidr(entry).text);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { ranges, problems };
}

/**
 * Decides which IP addresses endpoint requests may reach: every public address, and a non-public
 * one only when it lies in a range of the allowlist.
 */
export class AddressFilter {
  private readonly allowlist: readonly CidrRange[];

  /** Takes the allowlist as CIDR ranges, such as `LOOPBACK_RANGES`. An empty list allows none. */
  constructor(readonly allowedRanges: readonly string[] = []) {
    this.allowlist = allowedRanges.map((range) => parseCidr(range));
  }

  /**
   * Returns why requests may not reach `address`, worded to follow "<address> is", such as
   * "in the private range (10.0.0.0/8)". Returns null when the address is allowed.
   */
  check(address: string): string | null {
    const parsed = parseIpAddress(address);
    if (parsed === null) return 'not an IP address';
    if (this.allowlist.some((range) => rangeContains(range, parsed))) return null;

    const match = findSpecialPurposeRange(parsed);
    if (match === null) return null;

    // Allowing an IPv4 range also allows its IPv4-mapped, NAT64 and 6to4 forms, which reach
    // the same hosts.
    const embedded = match.embedded ? parseIpAddress(match.embedded.address) : null;
    if (embedded && this.allowlist.some((range) => rangeContains(range, embedded))) return null;
    return describeMatch(match);
  }
}

/**
 * The address ranges that webhooks must not reach. These are the ranges of the IANA IPv4 and IPv6
 * Special-Purpose Address Registries that are not globally reachable, taken as whole blocks
 * (192.0.0.0/24, and 2001::/23, which includes Teredo). Multicast, the deprecated 6to4 relay
 * anycast range and any IPv6 address outside global unicast (2000::/3) are added to them.
 */
import { formatIPv4, parseCidr, rangeContains, type CidrRange, type IpAddress } from './ip-address';

/** A named range of non-public addresses. */
export interface SpecialPurposeRange {
  name: string;
  /** The range in CIDR notation, as shown in messages. */
  cidr: string;
}

/** The non-public range that an address lies in. */
export interface SpecialPurposeMatch {
  range: SpecialPurposeRange;
  /** Set for a well-known service address in the range, such as the cloud metadata address. */
  service?: string;
  /** Set when an IPv6 address embeds an IPv4 address that is itself non-public. */
  embedded?: { address: string; match: SpecialPurposeMatch };
}

interface ParsedRange extends SpecialPurposeRange {
  parsed: CidrRange;
}

function parsedRange(cidr: string, name: string): ParsedRange {
  return { cidr, name, parsed: parseCidr(cidr) };
}

function table(entries: Array<[cidr: string, name: string]>): ParsedRange[] {
  return entries.map(([cidr, name]) => parsedRange(cidr, name));
}

const IPV4_RANGES = table([
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay anycast (deprecated)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['255.255.255.255/32', 'broadcast'],
]);

const IPV6_RANGES = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['2001::/23', 'IETF protocol assignments'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
]);

const GLOBAL_UNICAST = parseCidr('2000::/3');
const OUTSIDE_GLOBAL_UNICAST: SpecialPurposeRange = {
  name: 'reserved',
  cidr: 'outside global unicast 2000::/3',
};

const LOW_32_BITS = 0xffffffffn;

/**
 * IPv6 ranges that carry an IPv4 address, with where it sits. Dialling one of these can reach
 * the IPv4 address it carries, so that address is checked as well.
 */
const EMBEDDINGS = [
  { ...parsedRange('::ffff:0:0/96', 'IPv4-mapped IPv6'), routable: true, shift: 0n },
  { ...parsedRange('64:ff9b::/96', 'NAT64'), routable: true, shift: 0n },
  { ...parsedRange('2002::/16', '6to4'), routable: true, shift: 80n },
  // Deprecated by RFC 4291 and unused since, so rejected even when the IPv4 part is public.
  { ...parsedRange('::/96', 'IPv4-compatible IPv6 (deprecated)'), routable: false, shift: 0n },
];

// Instance metadata services hand out cloud credentials, so messages name them: AWS, GCP and
// Azure use 169.254.169.254, AWS also fd00:ec2::254, and Alibaba Cloud 100.100.100.200.
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((text) =>
  parseCidr(text),
);

/** Finds the non-public range of `address`, or returns null when the address is public. */
export function findSpecialPurposeRange(address: IpAddress): SpecialPurposeMatch | null {
  const ranges = address.version === 4 ? IPV4_RANGES : IPV6_RANGES;
  const range = findLongestMatch(ranges, address);
  if (range !== null) return withService({ range: publicFields(range) }, address);
  if (address.version === 4) return null;

  const embedding = EMBEDDINGS.find((candidate) => rangeContains(candidate.parsed, address));
  if (embedding !== undefined) {
    const ipv4: IpAddress = { version: 4, value: (address.value >> embedding.shift) & LOW_32_BITS };
    const inner = findSpecialPurposeRange(ipv4);
    const range = publicFields(embedding);
    if (inner !== null)
      return { range, embedded: { address: formatIPv4(ipv4.value), match: inner } };
    return embedding.routable ? null : { range };
  }

  if (!rangeContains(GLOBAL_UNICAST, address)) return { range: OUTSIDE_GLOBAL_UNICAST };
  return null;
}

// The most specific range names the address best, as with 169.254.169.254 inside 169.254/16.
function findLongestMatch(ranges: ParsedRange[], address: IpAddress): ParsedRange | null {
  let best: ParsedRange | null = null;
  for (const range of ranges) {
    if (!rangeContains(range.parsed, address)) continue;
    if (best === null || range.parsed.prefixLength > best.parsed.prefixLength) best = range;
  }
  return best;
}

function publicFields(range: ParsedRange): SpecialPurposeRange {
  return { name: range.name, cidr: range.cidr };
}

function withService(match: SpecialPurposeMatch, address: IpAddress): SpecialPurposeMatch {
  const isMetadata = METADATA_ADDRESSES.some((metadata) => rangeContains(metadata, address));
  return isMetadata ? { ...match, service: 'cloud metadata' } : match;
}

/**
 * Describes a match as the end of a sentence about an address, such as "[is] in the private
 * range (10.0.0.0/8)" or "[is] the cloud metadata address in the link-local range (169.254.0.0/16)".
 */
export function describeMatch(match: SpecialPurposeMatch): string {
  const inRange = `in the ${match.range.name} range (${match.range.cidr})`;
  if (match.embedded) {
    const { address, match: inner } = match.embedded;
    return `${inRange} and carries ${address}, which is ${describeMatch(inner)}`;
  }
  return match.service ? `the ${match.service} address ${inRange}` : inRange;
}

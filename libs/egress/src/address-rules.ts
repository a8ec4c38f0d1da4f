import ipaddr from 'ipaddr.js';

/** Why an address is refused; the names appear in error messages and docs/security.md. */
export type EgressRule =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade-nat'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'ipv4-compatible'
  | 'translated'
  | 'not-an-address';

export type AddressVerdict = { allowed: true } | { allowed: false; rule: EgressRule; address: string };

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Cloud metadata endpoints (AWS/GCP/Azure/OpenStack, AWS ECS, AWS IPv6, Alibaba): refused unless listed exactly. */
const METADATA = [
  '169.254.169.254',
  '169.254.170.2',
  '169.254.169.123',
  'fd00:ec2::254',
  '100.100.100.200',
].map((a) => ipaddr.parse(a).toNormalizedString());

const RULE_BY_RANGE: Record<string, EgressRule> = {
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  carrierGradeNat: 'carrier-grade-nat',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  // NAT64, 6to4 and Teredo carry an IPv4 address a gateway may translate to; nothing we call needs them.
  rfc6052: 'translated',
  rfc6145: 'translated',
  '6to4': 'translated',
  teredo: 'translated',
};

/** Parses an allowlist entry: a CIDR, or a bare address meaning just that address. Throws when malformed. */
export function parseCidr(entry: string): [Address, number] {
  const text = entry.trim();
  if (text.includes('/')) return ipaddr.parseCIDR(text);
  const addr = ipaddr.parse(text);
  return [addr, addr.kind() === 'ipv4' ? 32 : 128];
}

/**
 * The address family and form a socket would really reach: IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4
 * address itself. Accepts any notation ipaddr.js knows (dotted, hex, octal, short IPv4 forms; brackets and
 * zone ids on IPv6 are stripped first).
 */
export function parseAddress(text: string): Address | undefined {
  const bare = canonical(text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, ''));
  if (bare === undefined || !ipaddr.isValid(bare)) return undefined;
  const addr = ipaddr.parse(bare);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address();
  }
  return addr;
}

/**
 * IPv6 text through the WHATWG URL parser (the one undici connects with): ipaddr.js reads `::10.1.2.3`
 * as IPv4-mapped, while sockets reach the IPv4-compatible `::a01:203`.
 */
function canonical(text: string): string | undefined {
  if (!text.includes(':')) return text;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** Whether an address is inside one of the allowed ranges (same family only). */
function inAllowed(addr: Address, allowed: readonly [Address, number][]): boolean {
  return allowed.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** A metadata address is allowed only when the allowlist names it alone (a /32 or /128), not via a wide range. */
function metadataAllowed(addr: Address, allowed: readonly [Address, number][]): boolean {
  return allowed.some(
    ([net, bits]) =>
      net.kind() === addr.kind() &&
      bits === (addr.kind() === 'ipv4' ? 32 : 128) &&
      net.toNormalizedString() === addr.toNormalizedString(),
  );
}

/** Public unicast addresses pass; every special-purpose range is refused unless the operator allowed it. */
export function checkAddress(text: string, allowed: readonly [Address, number][]): AddressVerdict {
  const addr = parseAddress(text);
  if (!addr) return { allowed: false, rule: 'not-an-address', address: text };
  const address = addr.toString();
  if (METADATA.includes(addr.toNormalizedString())) {
    return metadataAllowed(addr, allowed) ? { allowed: true } : { allowed: false, rule: 'metadata', address };
  }
  if (inAllowed(addr, allowed)) return { allowed: true };
  if (addr.kind() === 'ipv6' && isIpv4Compatible(addr as ipaddr.IPv6)) {
    return { allowed: false, rule: 'ipv4-compatible', address };
  }
  const range = addr.range();
  if (range === 'unicast') return { allowed: true };
  return { allowed: false, rule: RULE_BY_RANGE[range] ?? 'reserved', address };
}

/** The deprecated ::a.b.c.d form (::/96 outside :: and ::1, which range() already names). */
function isIpv4Compatible(addr: ipaddr.IPv6): boolean {
  const parts = addr.parts;
  return parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7] > 1);
}

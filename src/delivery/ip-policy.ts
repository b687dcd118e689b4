// Which IP addresses a customer-supplied URL may reach.
//
// The block list follows Svix's `is_allowed` (svix-webhooks
// `src/core/webhook_http_client.rs`): anything that is not globally routable
// unicast is refused, because a customer who can point us at it can read our
// metadata service, databases or admin ports (SSRF). IPv6 forms that embed an
// IPv4 address are judged by the embedded address (IPv4-mapped) or refused
// outright (IPv4-compatible, NAT64, 6to4, Teredo), so `::ffff:127.0.0.1` cannot sneak past a
// check written for `127.0.0.1`.
//
// An allow-list of CIDRs (config `OUTBOUND_ALLOW_PRIVATE_NETWORKS`) punches
// holes for development and tests; it is consulted before the block list.
import { isIP } from 'node:net';

export type IpVersion = 4 | 6;

export type ParsedIp = { readonly version: IpVersion; readonly value: bigint };

export type Cidr = { readonly version: IpVersion; readonly network: bigint; readonly prefix: number; readonly text: string };

const V4_BITS = 32;
const V6_BITS = 128;

/** Parses a literal IPv4 / IPv6 address (brackets and an IPv6 zone id are tolerated). */
export function parseIp(text: string): ParsedIp | null {
  const bare = stripDecorations(text);
  const kind = isIP(bare);
  if (kind === 4) return { version: 4, value: parseV4(bare) };
  if (kind === 6) return { version: 6, value: parseV6(bare) };
  return null;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.version === 4) {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addrText = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) throw new Error(`invalid CIDR "${text}": "${addrText}" is not an IP address`);
  const bits = ip.version === 4 ? V4_BITS : V6_BITS;
  const prefixText = slash === -1 ? String(bits) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new Error(`invalid CIDR "${text}": prefix must be an integer 0-${bits}`);
  }
  const prefix = Number(prefixText);
  return { version: ip.version, network: ip.value & mask(bits, prefix), prefix, text: trimmed };
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.version !== ip.version) return false;
  const bits = ip.version === 4 ? V4_BITS : V6_BITS;
  return (ip.value & mask(bits, cidr.prefix)) === cidr.network;
}

/** Why an address is refused, or null when it may be contacted. */
export function blockReason(ip: ParsedIp, allow: readonly Cidr[] = []): string | null {
  if (allow.some((c) => cidrContains(c, ip))) return null;
  const embedded = embeddedV4(ip);
  if (embedded !== null) {
    // Judge the IPv4 address the packet would really reach, so an allow-list
    // entry like 127.0.0.0/8 also covers ::ffff:127.0.0.1.
    if (allow.some((c) => cidrContains(c, embedded))) return null;
    const inner = matchRange(V4_BLOCKS, embedded);
    return inner === null ? null : `${inner} (IPv4-mapped)`;
  }
  return matchRange(ip.version === 4 ? V4_BLOCKS : V6_BLOCKS, ip);
}

type Range = { readonly cidr: Cidr; readonly reason: string };

function range(text: string, reason: string): Range {
  return { cidr: parseCidr(text), reason };
}

// Order matters only for the reason reported; every entry is a refusal.
const V4_BLOCKS: readonly Range[] = [
  range('0.0.0.0/8', 'this-network (0.0.0.0/8)'),
  range('10.0.0.0/8', 'private (10/8)'),
  range('100.64.0.0/10', 'carrier-grade NAT (100.64/10)'),
  range('127.0.0.0/8', 'loopback (127/8)'),
  range('169.254.0.0/16', 'link-local / cloud metadata (169.254/16)'),
  range('172.16.0.0/12', 'private (172.16/12)'),
  range('192.0.0.0/24', 'IETF protocol assignments (192.0.0/24)'),
  range('192.0.2.0/24', 'documentation (192.0.2/24)'),
  range('192.88.99.0/24', '6to4 relay anycast (192.88.99/24)'),
  range('192.168.0.0/16', 'private (192.168/16)'),
  range('198.18.0.0/15', 'benchmarking (198.18/15)'),
  range('198.51.100.0/24', 'documentation (198.51.100/24)'),
  range('203.0.113.0/24', 'documentation (203.0.113/24)'),
  range('224.0.0.0/4', 'multicast (224/4)'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved (240/4)'),
];

const V6_BLOCKS: readonly Range[] = [
  range('::/128', 'unspecified (::)'),
  range('::1/128', 'loopback (::1)'),
  range('::/96', 'deprecated IPv4-compatible (::/96)'),
  range('64:ff9b::/96', 'NAT64 (64:ff9b::/96)'),
  range('64:ff9b:1::/48', 'local-use NAT64 (64:ff9b:1::/48)'),
  range('100::/64', 'discard-only (100::/64)'),
  range('2001::/32', 'Teredo (2001::/32)'),
  range('2001:2::/48', 'benchmarking (2001:2::/48)'),
  range('2001:db8::/32', 'documentation (2001:db8::/32)'),
  range('2002::/16', '6to4 (2002::/16)'),
  range('3fff::/20', 'documentation (3fff::/20)'),
  range('5f00::/16', 'SRv6 SIDs (5f00::/16)'),
  range('fc00::/7', 'unique-local (fc00::/7)'),
  range('fe80::/10', 'link-local (fe80::/10)'),
  range('fec0::/10', 'site-local (fec0::/10)'),
  range('ff00::/8', 'multicast (ff00::/8)'),
];

const MAPPED = parseCidr('::ffff:0:0/96');

function embeddedV4(ip: ParsedIp): ParsedIp | null {
  if (ip.version !== 6 || !cidrContains(MAPPED, ip)) return null;
  return { version: 4, value: ip.value & 0xffffffffn };
}

function matchRange(ranges: readonly Range[], ip: ParsedIp): string | null {
  for (const r of ranges) if (cidrContains(r.cidr, ip)) return r.reason;
  return null;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

function stripDecorations(text: string): string {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  return s;
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint {
  let s = text.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = Number(parseV4(tail));
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = s.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

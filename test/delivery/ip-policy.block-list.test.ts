import { describe, expect, it } from 'vitest';
import { blockReason, cidrContains, formatIp, parseCidr, parseIp } from '../../src/delivery/ip-policy.ts';

function reasonFor(address: string, allow: string[] = []): string | null {
  const ip = parseIp(address);
  if (ip === null) throw new Error(`test bug: ${address} is not an IP`);
  return blockReason(ip, allow.map((c) => parseCidr(c)));
}

// Cases follow Svix's is_allowed_test (svix-webhooks webhook_http_client.rs).
const BLOCKED = [
  '0.0.0.0',
  '0.1.2.3',
  '10.0.0.1',
  '10.255.255.255',
  '100.64.0.1',
  '100.127.255.254',
  '127.0.0.1',
  '127.255.255.254',
  '169.254.169.254',
  '169.254.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.0.0.8',
  '192.0.2.1',
  '192.88.99.1',
  '192.168.1.1',
  '198.18.0.1',
  '198.19.255.255',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '::',
  '::1',
  '::127.0.0.1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe',
  '64:ff9b::808:808',
  '64:ff9b:1::1',
  '100::1',
  '2001::1',
  '2001:db8::1',
  '2002:7f00:1::',
  '3fff::1',
  '5f00::1',
  'fc00::1',
  'fd7a:115c:a1e0::1',
  'fe80::1',
  'fe80::1%eth0',
  'fec0::1',
  'ff02::1',
];

const ALLOWED = ['1.1.1.1', '8.8.8.8', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '223.255.255.255', '::ffff:8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'];

describe('blockReason', () => {
  it.each(BLOCKED)('refuses %s', (address) => {
    expect(reasonFor(address)).not.toBeNull();
  });

  it.each(ALLOWED)('allows %s', (address) => {
    expect(reasonFor(address)).toBeNull();
  });

  it('names the range so operators can tell why', () => {
    expect(reasonFor('169.254.169.254')).toMatch(/metadata/);
    expect(reasonFor('::ffff:127.0.0.1')).toBe('loopback (127/8) (IPv4-mapped)');
  });

  it('lets allow-listed CIDRs through, including the IPv4-mapped form of an allowed IPv4 address', () => {
    expect(reasonFor('127.0.0.1', ['127.0.0.0/8'])).toBeNull();
    expect(reasonFor('::ffff:127.0.0.1', ['127.0.0.0/8'])).toBeNull();
    expect(reasonFor('::1', ['::1/128'])).toBeNull();
    expect(reasonFor('10.1.2.3', ['10.1.0.0/16'])).toBeNull();
    expect(reasonFor('10.2.0.1', ['10.1.0.0/16'])).not.toBeNull();
    expect(reasonFor('::1', ['127.0.0.0/8'])).not.toBeNull();
  });
});

describe('parseIp / parseCidr', () => {
  it('parses bracketed and compressed IPv6 and round-trips', () => {
    const ip = parseIp('[2001:db8::1]');
    expect(ip).not.toBeNull();
    expect(formatIp(ip as NonNullable<typeof ip>)).toBe('2001:db8:0:0:0:0:0:1');
    expect(formatIp(parseIp('10.0.0.1') as NonNullable<typeof ip>)).toBe('10.0.0.1');
  });

  it('returns null for names and junk', () => {
    expect(parseIp('localhost')).toBeNull();
    expect(parseIp('1.2.3')).toBeNull();
    expect(parseIp('')).toBeNull();
  });

  it('normalises the network and rejects bad CIDRs with a clear message', () => {
    const cidr = parseCidr('10.1.2.3/8');
    expect(cidrContains(cidr, parseIp('10.200.0.1') as NonNullable<ReturnType<typeof parseIp>>)).toBe(true);
    expect(parseCidr('127.0.0.1').prefix).toBe(32);
    expect(parseCidr('::/0').prefix).toBe(0);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix must be an integer 0-32/);
    expect(() => parseCidr('example.com/8')).toThrow(/not an IP address/);
    expect(() => parseCidr('10.0.0.0/x')).toThrow(/prefix/);
  });
});

import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BlockedAddressError, DisallowedUrlError, classifyOutboundError } from '../../src/delivery/outbound-errors.ts';
import { createOutboundClient } from '../../src/delivery/outbound-http.ts';
import type { OutboundClient, OutboundClientOptions, ResolvedAddress } from '../../src/delivery/outbound-http.ts';
import { startReceiver } from './local-receiver.ts';
import type { LocalReceiver } from './local-receiver.ts';

const BASE: OutboundClientOptions = { allowPrivateNetworks: [], connectTimeoutMs: 2_000, totalTimeoutMs: 5_000, maxResponseBytes: 64 * 1024 };

let receiver: LocalReceiver;
const clients: OutboundClient[] = [];

function client(overrides: Partial<OutboundClientOptions> = {}): OutboundClient {
  const c = createOutboundClient({ ...BASE, ...overrides });
  clients.push(c);
  return c;
}

async function blocked(promise: Promise<unknown>): Promise<BlockedAddressError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BlockedAddressError);
  return err as BlockedAddressError;
}

beforeAll(async () => {
  receiver = await startReceiver((_req, res) => res.end('ok'));
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await receiver.close();
});

describe('loopback receiver', () => {
  it('is refused by default, before any connection is made', async () => {
    const err = await blocked(client().request({ url: `${receiver.url}/hook`, body: '{}' }));
    expect(err).toMatchObject({ address: '127.0.0.1', phase: 'url', kind: 'blocked' });
    expect(classifyOutboundError(err)).toBe('blocked');
    expect(receiver.connections()).toBe(0);
  });

  it('is reachable once 127.0.0.0/8 is allow-listed', async () => {
    const res = await client({ allowPrivateNetworks: ['127.0.0.0/8'] }).request({ url: `${receiver.url}/hook?x=1`, body: '{}' });
    expect(res.status).toBe(200);
    expect(receiver.requests.at(-1)).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{}' });
  });

  it('refuses a hostname that resolves to loopback (localhost) after resolution, without connecting', async () => {
    const before = receiver.connections();
    const err = await blocked(client().request({ url: `http://localhost:${receiver.port}/`, body: '{}' }));
    expect(err.phase).toBe('dns');
    expect(err.hostname).toBe('localhost');
    expect(err.reason).toMatch(/loopback/);
    expect(receiver.connections()).toBe(before);
  });
});

describe('literal addresses in the URL', () => {
  it.each([
    ['http://10.0.0.1/hook', '10.0.0.1', /private/],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', /metadata/],
    ['http://[::1]:8080/', '::1', /loopback/],
    ['http://0.0.0.0:8080/', '0.0.0.0', /this-network/],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1', /loopback.*IPv4-mapped/],
    ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe', /metadata.*IPv4-mapped/],
    ['http://2130706433/', '127.0.0.1', /loopback/],
    ['http://0x7f.1/', '127.0.0.1', /loopback/],
    ['https://192.168.1.1/', '192.168.1.1', /private/],
    ['http://100.64.0.1/', '100.64.0.1', /carrier-grade/],
    ['http://[fd00::1]/', 'fd00::1', /unique-local/],
    ['http://[fe80::1]/', 'fe80::1', /link-local/],
    ['http://224.0.0.1/', '224.0.0.1', /multicast/],
    ['http://255.255.255.255/', '255.255.255.255', /broadcast/],
  ])('refuses %s before any socket is opened', async (url, address, reason) => {
    const netConnect = vi.spyOn(net, 'connect');
    const tlsConnect = vi.spyOn(tls, 'connect');
    const err = await blocked(client().request({ url, body: '{}' }));
    expect(err.address).toBe(address);
    expect(err.phase).toBe('url');
    expect(err.reason).toMatch(reason);
    expect(netConnect).not.toHaveBeenCalled();
    expect(tlsConnect).not.toHaveBeenCalled();
  });

  it('(control) the socket spies do see connections the guard allows', async () => {
    const netConnect = vi.spyOn(net, 'connect');
    await client({ allowPrivateNetworks: ['127.0.0.0/8'] }).request({ url: `${receiver.url}/control`, body: '{}' });
    expect(netConnect).toHaveBeenCalledTimes(1);
  });
});

describe('DNS answers', () => {
  function resolver(table: Record<string, ResolvedAddress[]>) {
    const calls: string[] = [];
    const resolve = async (hostname: string) => {
      calls.push(hostname);
      const answer = table[hostname];
      if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return answer;
    };
    return { resolve, calls };
  }

  it('connects to the checked address for an allowed name (pinned, no second lookup)', async () => {
    const { resolve, calls } = resolver({ 'receiver.test': [{ address: '127.0.0.1', family: 4 }] });
    const res = await client({ allowPrivateNetworks: ['127.0.0.0/8'], resolve }).request({ url: `http://receiver.test:${receiver.port}/pinned`, body: '{}' });
    expect(res.status).toBe(200);
    expect(calls).toEqual(['receiver.test']);
    expect(receiver.requests.at(-1)?.headers.host).toBe(`receiver.test:${receiver.port}`);
  });

  it('refuses the host when ANY resolved address is blocked', async () => {
    const before = receiver.connections();
    const { resolve } = resolver({ 'mixed.test': [{ address: '127.0.0.1', family: 4 }, { address: '10.0.0.5', family: 4 }] });
    const err = await blocked(client({ allowPrivateNetworks: ['127.0.0.0/8'], resolve }).request({ url: `http://mixed.test:${receiver.port}/`, body: '{}' }));
    expect(err).toMatchObject({ address: '10.0.0.5', hostname: 'mixed.test', phase: 'dns' });
    expect(receiver.connections()).toBe(before);
  });

  it('refuses IPv4-mapped metadata addresses in DNS answers', async () => {
    const { resolve } = resolver({ 'sneaky.test': [{ address: '::ffff:169.254.169.254', family: 6 }] });
    const err = await blocked(client({ resolve }).request({ url: 'http://sneaky.test/', body: '{}' }));
    expect(err.reason).toMatch(/metadata.*IPv4-mapped/);
  });

  it('reports a name that does not resolve as a connect error', async () => {
    const { resolve } = resolver({});
    await expect(client({ resolve }).request({ url: 'http://nowhere.test/', body: '{}' })).rejects.toMatchObject({ kind: 'connect', code: 'ENOTFOUND' });
  });
});

describe('URL rules', () => {
  it.each(['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/', 'not a url'])('refuses %s', async (url) => {
    await expect(client().request({ url, body: '{}' })).rejects.toBeInstanceOf(DisallowedUrlError);
  });

  it('refuses plain http in https-only mode', async () => {
    await expect(client({ httpsOnly: true }).request({ url: 'http://example.com/', body: '{}' })).rejects.toThrow(/https-only/);
  });

  it('rejects an invalid allow-list entry at construction', () => {
    expect(() => createOutboundClient({ ...BASE, allowPrivateNetworks: ['10.0.0.0/99'] })).toThrow(/invalid CIDR/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundConnectError, OutboundTimeoutError, classifyOutboundError } from '../../src/delivery/outbound-errors.ts';
import { EXCERPT_BYTES, createOutboundClient } from '../../src/delivery/outbound-http.ts';
import type { OutboundClient, OutboundClientOptions } from '../../src/delivery/outbound-http.ts';
import { startReceiver } from './local-receiver.ts';
import type { LocalReceiver } from './local-receiver.ts';

const BASE: OutboundClientOptions = {
  allowPrivateNetworks: ['127.0.0.0/8'],
  connectTimeoutMs: 2_000,
  totalTimeoutMs: 5_000,
  maxResponseBytes: 64 * 1024,
};

let receiver: LocalReceiver;
let http: OutboundClient;
const extraClients: OutboundClient[] = [];

beforeAll(async () => {
  receiver = await startReceiver((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/target' }).end();
    } else if (req.url === '/big') {
      res.end('a'.repeat(5000));
    } else if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'b'.repeat(16 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    } else if (req.url === '/utf8') {
      // 1023 ASCII bytes then a 3-byte character straddling the 1 KB cut.
      res.end(`${'x'.repeat(1023)}€tail`);
    } else if (req.url === '/hang') {
      // Never answers.
    } else if (req.url === '/slow-body') {
      res.writeHead(200);
      res.write('partial');
    } else if (req.url === '/throttled') {
      res.writeHead(429, { 'retry-after': '120', 'set-cookie': ['a=1', 'b=2'] }).end('slow down');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }
  });
  http = createOutboundClient(BASE);
});

afterAll(async () => {
  await Promise.all([http.close(), ...extraClients.map((c) => c.close())]);
  await receiver.close();
});

describe('responses', () => {
  it('returns status, lower-case headers, excerpt and duration', async () => {
    const res = await http.request({ url: `${receiver.url}/ok`, body: '{"a":1}', headers: { 'Content-Type': 'application/json', 'X-Custom': 'yes' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.bodyExcerpt).toBe('{"ok":true}');
    expect(res.bodyTruncated).toBe(false);
    expect(res.durationMs).toBeGreaterThan(0);
    const received = receiver.requests.at(-1);
    expect(received?.headers['x-custom']).toBe('yes');
    expect(received?.headers['user-agent']).toBe('Buddy-Webhooks/1');
  });

  it('returns a 3xx as a response and never follows it', async () => {
    const before = receiver.requests.length;
    const res = await http.request({ url: `${receiver.url}/redirect`, body: '{}' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/target');
    expect(receiver.requests.slice(before).map((r) => r.url)).toEqual(['/redirect']);
  });

  it('exposes Retry-After and joins repeated headers', async () => {
    const res = await http.request({ url: `${receiver.url}/throttled`, body: '{}' });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('120');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
  });

  it('keeps only the first 1 KB of the body', async () => {
    const res = await http.request({ url: `${receiver.url}/big`, body: '{}' });
    expect(res.bodyExcerpt).toBe('a'.repeat(EXCERPT_BYTES));
    expect(res.bodyTruncated).toBe(true);
  });

  it('does not leave half a UTF-8 character at the cut', async () => {
    const res = await http.request({ url: `${receiver.url}/utf8`, body: '{}' });
    expect(res.bodyExcerpt).toBe('x'.repeat(1023));
  });

  it('stops reading an endless body at maxResponseBytes', async () => {
    const small = createOutboundClient({ ...BASE, maxResponseBytes: 100_000 });
    extraClients.push(small);
    const res = await small.request({ url: `${receiver.url}/endless`, method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.bodyTruncated).toBe(true);
    expect(res.bodyExcerpt).toBe('b'.repeat(EXCERPT_BYTES));
  });

  it('strips hop-by-hop and framing headers the caller must not control', async () => {
    await http.request({
      url: `${receiver.url}/ok`,
      body: '{}',
      headers: { Host: 'internal.admin', Connection: 'close', 'Transfer-Encoding': 'chunked', 'Content-Length': '999', 'User-Agent': 'crm-hook' },
    });
    const received = receiver.requests.at(-1);
    expect(received?.headers.host).toBe(`127.0.0.1:${receiver.port}`);
    expect(received?.headers['content-length']).toBe('2');
    expect(received?.headers['user-agent']).toBe('crm-hook');
  });

  it('turns URL credentials into Basic auth', async () => {
    const url = `http://user%40x:p%3Ass@127.0.0.1:${receiver.port}/ok`;
    await http.request({ url, body: '{}' });
    expect(receiver.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('user@x:p:ss').toString('base64')}`);
  });

  it('reuses keep-alive connections to the same origin', async () => {
    const reuse = createOutboundClient(BASE);
    extraClients.push(reuse);
    const before = receiver.connections();
    for (let i = 0; i < 50; i++) await reuse.request({ url: `${receiver.url}/ok`, body: '{}' });
    // A bare undici Agent also opens a second socket on the second sequential
    // request; what matters is that 50 requests do not mean 50 connections.
    expect(receiver.connections() - before).toBeLessThanOrEqual(2);
  });
});

describe('failures', () => {
  it('times out a hanging receiver at the total timeout', async () => {
    const quick = createOutboundClient({ ...BASE, totalTimeoutMs: 300 });
    extraClients.push(quick);
    const started = Date.now();
    const err = await quick.request({ url: `${receiver.url}/hang`, body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundTimeoutError);
    expect(err).toMatchObject({ phase: 'total', timeoutMs: 300 });
    expect(classifyOutboundError(err)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts a body that stalls mid-way against the total timeout', async () => {
    const quick = createOutboundClient({ ...BASE, totalTimeoutMs: 300 });
    extraClients.push(quick);
    await expect(quick.request({ url: `${receiver.url}/slow-body`, body: '{}' })).rejects.toMatchObject({ name: 'OutboundTimeoutError', phase: 'total' });
  });

  it('reports a connect timeout when DNS + connect exceed connectTimeoutMs', async () => {
    const slowDns = createOutboundClient({
      ...BASE,
      connectTimeoutMs: 100,
      resolve: () => new Promise((resolve) => setTimeout(() => resolve([{ address: '127.0.0.1', family: 4 }]), 1_000)),
    });
    extraClients.push(slowDns);
    await expect(slowDns.request({ url: `http://slow-dns.test:${receiver.port}/`, body: '{}' })).rejects.toMatchObject({
      name: 'OutboundTimeoutError',
      phase: 'connect',
      timeoutMs: 100,
    });
  });

  it('reports a refused connection as a connect error', async () => {
    const closed = await startReceiver(() => undefined);
    const url = closed.url;
    await closed.close();
    const err = await http.request({ url, body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundConnectError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', kind: 'connect' });
  });
});

describe('bad requests', () => {
  it.each([
    ['a header value with CR/LF', { headers: { 'x-evil': 'a\r\nInjected: 1' } }],
    ['an invalid method', { method: 'GE T' }],
  ])('rejects %s as a request error without reaching the receiver', async (_label, extra) => {
    const before = receiver.requests.length;
    const err = await http.request({ url: `${receiver.url}/ok`, body: '{}', ...extra }).catch((e: unknown) => e);
    expect(classifyOutboundError(err)).toBe('other');
    expect(receiver.requests.length).toBe(before);
  });
});

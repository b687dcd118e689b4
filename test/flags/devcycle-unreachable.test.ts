/**
 * DevCycle absent, down or broken: the service starts and runs on environment values, and once
 * it has had a good config it keeps it.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DIALECTS, issueTokens, startTestService, type TestService } from '../support/service.ts';
import { startFakeConfigCdn, unreachableUrl } from './support/fake-config-cdn.ts';
import { devcycleEnv, sharedDatabase } from './support/flag-services.ts';

const SECONDS = { timeout: 5000, interval: 50 };

async function flagsView(t: TestService) {
  const { admin } = await issueTokens(t);
  return (await t.api('GET', '/flags', { token: admin })).json();
}

describe.each(DIALECTS)('DevCycle unavailable (%s)', (dialect) => {
  const cleanup: (() => Promise<void>)[] = [];
  beforeEach(() => {
    vi.stubEnv('BB_DISPATCH_ENABLED', 'false');
    vi.stubEnv('OUTBOUND_RATE_LIMIT_MAX_CALLS', '4');
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    vi.unstubAllEnvs();
  });

  it('refusing connections at start: the service starts at once on environment values', async () => {
    const started = Date.now();
    const t = await startTestService(dialect, devcycleEnv(await unreachableUrl()));
    cleanup.push(() => t.close());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(t.service.flags.boolean('bb_dispatch_enabled', true)).toBe(false);
    expect(t.service.flags.number('OUTBOUND_RATE_LIMIT_MAX_CALLS', 7)).toBe(4);
    const view = await flagsView(t);
    expect(view.flags).toContainEqual({ name: 'bb_dispatch_enabled', value: false, source: 'env' });
    expect(view.devcycle).toMatchObject({ configured: true, config_version: null, last_fetch_error: 'config CDN unreachable: ECONNREFUSED' });
  });

  it('picks DevCycle up by polling once it recovers, without a restart', async () => {
    const cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    cleanup.push(() => cdn.close());
    cdn.fail(true);
    const t = await startTestService(dialect, devcycleEnv(cdn.url, { DEVCYCLE_POLL_INTERVAL_SECONDS: '1' }));
    cleanup.push(() => t.close());
    t.service.startBackground();
    expect(t.service.flags.boolean('bb_dispatch_enabled', true)).toBe(false);
    cdn.fail(false);
    await expect.poll(() => t.service.flags.boolean('bb_dispatch_enabled', false), SECONDS).toBe(true);
  });

  it('keeps the last good config through failures and bad documents, and a new process boots on it', async () => {
    const db = await sharedDatabase(dialect);
    cleanup.push(() => db.drop());
    const cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true, outbound_rate_limit_max_calls: 2 });
    cleanup.push(() => cdn.close());
    const env = { ...db.env, ...devcycleEnv(cdn.url, { DEVCYCLE_POLL_INTERVAL_SECONDS: '1' }) };
    const first = await startTestService(dialect, env, db.options);
    cleanup.push(() => first.close());
    first.service.startBackground();
    expect(first.service.flags.boolean('bb_dispatch_enabled', false)).toBe(true);

    cdn.fail(true);
    await expect.poll(async () => (await flagsView(first)).devcycle.last_fetch_error, SECONDS).toBe('config CDN answered 500');
    cdn.fail(false);
    cdn.publishRaw('{"project": "not a config"}');
    await expect.poll(async () => (await flagsView(first)).devcycle.last_fetch_error, SECONDS).toMatch(/lacks project/);
    expect(first.service.flags.boolean('bb_dispatch_enabled', false)).toBe(true);
    expect(first.service.flags.number('OUTBOUND_RATE_LIMIT_MAX_CALLS', 7)).toBe(2);

    cdn.fail(true);
    const second = await startTestService(dialect, env, db.options);
    cleanup.push(() => second.close());
    expect(second.service.flags.describe()).toContainEqual({ name: 'bb_dispatch_enabled', value: true, source: 'devcycle' });
    expect(second.service.flags.number('OUTBOUND_RATE_LIMIT_MAX_CALLS', 7)).toBe(2);
  });
});

describe('DevCycle unavailable in other ways', () => {
  const dialect = DIALECTS[0];
  const cleanup: (() => Promise<void>)[] = [];
  beforeEach(() => {
    vi.stubEnv('BB_DISPATCH_ENABLED', 'false');
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    vi.unstubAllEnvs();
  });

  it('never answering at start: the service starts after the request timeout, on environment values', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const started = Date.now();
    const t = await startTestService(dialect, devcycleEnv(url, { DEVCYCLE_REQUEST_TIMEOUT_MS: '300' }));
    cleanup.push(() => t.close());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(t.service.flags.boolean('bb_dispatch_enabled', true)).toBe(false);
    expect((await flagsView(t)).devcycle.last_fetch_error).toBe('config CDN unreachable: timed out');
  });

  it('with an unknown server key (403): environment values, and the reason shown', async () => {
    const cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    cleanup.push(() => cdn.close());
    const t = await startTestService(dialect, devcycleEnv(cdn.url, { DEVCYCLE_SERVER_KEY: 'dvc_server_someone_else' }));
    cleanup.push(() => t.close());
    expect(t.service.flags.boolean('bb_dispatch_enabled', true)).toBe(false);
    expect((await flagsView(t)).devcycle.last_fetch_error).toBe('config CDN refused the server key (403)');
  });
});

import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestService, type TestService } from '../support/service.ts';
import { startFakeConfigCdn, type FakeConfigCdn } from './support/fake-config-cdn.ts';
import { devcycleEnv } from './support/flag-services.ts';
import { WEBHOOK_SECRET, changeDispatchFlag, webhookBody } from './support/devcycle-fixtures.ts';

const FLIP = { timeout: 5000, interval: 50 };
const json = { 'content-type': 'application/json' };

describe.each(DIALECTS)('POST /webhooks/devcycle (%s)', (dialect) => {
  let cdn: FakeConfigCdn;
  let t: TestService;
  const dispatching = () => t.service.flags.boolean('bb_dispatch_enabled', true);
  const change = (enabled: boolean) => changeDispatchFlag(cdn, enabled);

  beforeAll(async () => {
    cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    t = await startTestService(dialect, devcycleEnv(cdn.url));
    t.service.startBackground();
  });

  afterAll(async () => {
    await t?.close();
    await cdn?.close();
  });

  it('with the secret in the path, flips bb_dispatch_enabled within seconds', async () => {
    expect(dispatching()).toBe(true);
    const res = await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: change(false) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'refresh_scheduled' });
    await expect.poll(dispatching, FLIP).toBe(false);
  });

  it('with the secret in the x-webhook-secret header, flips it back', async () => {
    const res = await t.api('POST', '//webhooks/devcycle', { body: change(true), headers: { 'x-webhook-secret': WEBHOOK_SECRET } });
    expect(res.statusCode).toBe(202);
    await expect.poll(dispatching, FLIP).toBe(true);
  });

  it('refreshes once for a notification delivered twice', async () => {
    const body = change(true);
    const before = cdn.requests;
    const first = await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body });
    const again = await t.api('POST', '//webhooks/devcycle', { body, headers: { 'x-webhook-secret': WEBHOOK_SECRET } });
    expect([first.statusCode, again.statusCode]).toEqual([202, 200]);
    expect(again.json()).toEqual({ status: 'duplicate' });
    await expect.poll(dispatching, FLIP).toBe(true);
    expect(cdn.requests).toBe(before + 1);
  });

  it('retries when the CDN still serves the document from before the change', async () => {
    cdn.publish({ bb_dispatch_enabled: true }, new Date(Date.now() - 60_000));
    const body = change(false);
    cdn.lag(1); // the first fetch gets the previous document, a minute older than the webhook's date
    const before = cdn.requests;
    expect((await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body })).statusCode).toBe(202);
    await expect.poll(dispatching, FLIP).toBe(false);
    expect(cdn.requests).toBeGreaterThanOrEqual(before + 2);
  });
});

describe('DevCycle webhook refusals', () => {
  const dialect = DIALECTS[0];
  let cdn: FakeConfigCdn;
  let t: TestService;
  const dispatching = () => t.service.flags.boolean('bb_dispatch_enabled', true);
  const notifications = async () =>
    Number((await t.service.db.kysely.selectFrom('flag_notifications').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const change = (enabled: boolean) => changeDispatchFlag(cdn, enabled);

  beforeAll(async () => {
    cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    t = await startTestService(dialect, devcycleEnv(cdn.url));
    t.service.startBackground();
  });

  afterAll(async () => {
    await t?.close();
    await cdn?.close();
  });

  it('refuses a wrong or missing secret before reading the body, and changes nothing', async () => {
    const body = change(false);
    const before = { requests: cdn.requests, notifications: await notifications() };
    const wrong = [
      await t.api('POST', '//webhooks/devcycle/not-the-secret-at-all', { body }),
      await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}x`, { body }),
      await t.api('POST', '//webhooks/devcycle', { body, headers: { 'x-webhook-secret': 'nope' } }),
      await t.api('POST', '//webhooks/devcycle/not-the-secret-at-all', { body: '{not json', headers: json }),
    ];
    expect(wrong.map((r) => r.statusCode)).toEqual([403, 403, 403, 403]);
    expect(wrong[0]!.json()).toEqual({ detail: 'Invalid DevCycle webhook secret' });
    const missing = await t.api('POST', '//webhooks/devcycle', { body });
    expect(missing.statusCode).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // longer than a sync + SDK pick-up
    expect(dispatching()).toBe(true);
    expect(cdn.requests).toBe(before.requests);
    expect(await notifications()).toBe(before.notifications);
    // The change is still there for the next genuine notification.
    expect((await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body })).statusCode).toBe(202);
    await expect.poll(dispatching, FLIP).toBe(false);
  });

  it('answers 400 to a body that is not DevCycle JSON', async () => {
    const url = `//webhooks/devcycle/${WEBHOOK_SECRET}`;
    const bad = [
      await t.api('POST', url, { body: '{"events": [', headers: json }),
      await t.api('POST', url, { body: {} }),
      await t.api('POST', url, { body: [webhookBody()] }),
      await t.api('POST', url, { body: { ...webhookBody(), events: 'modifiedFeature' } }),
      await t.api('POST', url, { body: { ...webhookBody(), date: 'yesterday' } }),
      await t.api('POST', url, { body: { ...webhookBody(), changes: [{ newContents: {} }] } }),
    ];
    expect(bad.map((r) => r.statusCode)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(bad[4]!.json().detail).toMatch(/date/);
  });

});

describe('DevCycle webhook secret handling', () => {
  const dialect = DIALECTS[0];

  it('never writes the secret to a log line, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    const t = await startTestService(dialect, devcycleEnv(cdn.url), { logger: pino({ level: 'trace' }, sink) });
    try {
      await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: webhookBody() });
      await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: '{bad', headers: json });
      await t.api('POST', '//webhooks/devcycle/a-wrong-secret-guess', { body: webhookBody() });
      await t.api('GET', '/health-nope');
      expect(lines.length).toBeGreaterThan(0); // the logger works: other requests are logged
      expect(lines.join('')).not.toContain(WEBHOOK_SECRET);
      expect(lines.join('')).not.toContain('a-wrong-secret-guess');
    } finally {
      await t.close();
      await cdn.close();
    }
  });

  it('refuses every call when no secret is configured', async () => {
    const t = await startTestService(dialect);
    try {
      expect((await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: webhookBody() })).statusCode).toBe(403);
      expect((await t.api('POST', '//webhooks/devcycle', { body: webhookBody() })).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('acknowledges but ignores notifications when DevCycle itself is not configured', async () => {
    const t = await startTestService(dialect, { DEVCYCLE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    try {
      const res = await t.api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: webhookBody() });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ status: 'ignored' });
    } finally {
      await t.close();
    }
  });
});

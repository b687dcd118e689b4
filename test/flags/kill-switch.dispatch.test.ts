/**
 * Issue #7's kill switch, end to end: two services share one database, each with its dispatcher
 * running and its own fake Twilio (so every provider request says which service sent it). A
 * DevCycle webhook with the right secret, sent to ONE service, stops dialling on both within
 * seconds; due leads wait in BACKLOG, and are all dialled, once, when the switch is back on. A
 * wrong secret changes nothing. Each service takes one lead at a time and Twilio answers slowly,
 * so leads are still due when the switch flips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, sampleTemplate, startTestService, type TestService, type Tokens } from '../support/service.ts';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.ts';
import { ALWAYS_OPEN } from '../dispatch/harness.ts';
import { startFakeConfigCdn, type FakeConfigCdn } from './support/fake-config-cdn.ts';
import { devcycleEnv, sharedDatabase, type SharedDatabase } from './support/flag-services.ts';
import { WEBHOOK_SECRET, changeDispatchFlag } from './support/devcycle-fixtures.ts';

const SECONDS = { timeout: 5000, interval: 50 };
const LEADS = 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const phone = (i: number) => `+1415600${String(i).padStart(4, '0')}`;

describe.each(DIALECTS)('the kill switch stops dialling on every process sharing the database (%s)', (dialect) => {
  let db: SharedDatabase;
  let cdn: FakeConfigCdn;
  const twilio: FakeTwilio[] = [];
  const services: TestService[] = [];
  let tokens: Tokens;
  let templateId: string;
  const leadIds: string[] = [];

  const [a, b] = [() => services[0]!, () => services[1]!];
  const posts = () => twilio[0]!.posts.length + twilio[1]!.posts.length;
  const dispatching = () => services.map((s) => s.service.flags.boolean('bb_dispatch_enabled', true));
  const change = (enabled: boolean) => changeDispatchFlag(cdn, enabled);
  const pushLeads = async (count: number) => {
    for (let n = 0; n < count; n += 1) {
      const i = leadIds.length;
      const res = await a().api('POST', '/leads', { token: tokens.merchant, body: { request_id: `kill-${i}`, template: 'kill-switch', payload: { customer_mobile_number: phone(i), customer_name: 'Asha' } } });
      if (res.statusCode !== 201) throw new Error(`lead: ${res.statusCode} ${res.body}`);
      leadIds.push(res.json().lead_id as string);
    }
  };
  const statuses = async () => {
    const rows = await a().service.db.kysely.selectFrom('leads').select(['id', 'status', 'attempt_count', 'call_id']).execute();
    return new Map(rows.map((r) => [r.id, r]));
  };

  /** No lead claimed and not yet dialled, and every attempt started has reached the provider. */
  const settled = async () => {
    const k = a().service.db.kysely;
    const leased = await k.selectFrom('leads').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'BACKLOG').where('lease_owner', 'is not', null).executeTakeFirstOrThrow();
    const attempts = await k.selectFrom('call_attempts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(leased.n) === 0 && Number(attempts.n) === posts();
  };

  beforeAll(async () => {
    db = await sharedDatabase(dialect);
    cdn = await startFakeConfigCdn({ bb_dispatch_enabled: true });
    for (let i = 0; i < 2; i += 1) {
      const fake = await startFakeTwilio({ delayMs: 200 });
      twilio.push(fake);
      const env = { ...fake.env, OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8', BUDDY_DISPATCH_TICK_MS: '50', BUDDY_DISPATCH_CONCURRENCY: '1' };
      services.push(await startTestService(dialect, { ...db.env, ...devcycleEnv(cdn.url, env) }, db.options));
    }
    tokens = await issueTokens(a());
    const tpl = await a().api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('kill-switch') });
    templateId = tpl.json().id as string;
    const cfg = await a().api('POST', '/configurations', { token: tokens.reseller, body: { template_id: templateId, ...ALWAYS_OPEN } });
    const num = await a().api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: '+14155550100', provider: 'TWILIO', maximum_channels: 1000 } });
    expect([tpl.statusCode, cfg.statusCode, num.statusCode]).toEqual([201, 201, 201]);
    for (const s of services) s.service.startBackground();
  });

  afterAll(async () => {
    for (const s of services.reverse()) await s.close();
    for (const fake of twilio) await fake.close();
    await cdn?.close();
    await db?.drop();
  });

  it('both services dial due leads', async () => {
    await pushLeads(LEADS);
    await expect.poll(() => twilio.map((fake) => fake.posts.length > 0), SECONDS).toEqual([true, true]);
  });

  it('a webhook with a wrong secret changes nothing: dialling continues on both', async () => {
    const body = change(false); // the CDN already says off: only the secret stands in the way
    expect((await a().api('POST', '//webhooks/devcycle/not-the-secret', { body })).statusCode).toBe(403);
    expect((await b().api('POST', '//webhooks/devcycle', { body, headers: { 'x-webhook-secret': `${WEBHOOK_SECRET}x` } })).statusCode).toBe(403);
    await sleep(1200); // longer than a refresh plus a database sync
    expect(dispatching()).toEqual([true, true]);
    const before = posts();
    await expect.poll(posts, SECONDS).toBeGreaterThanOrEqual(before + 2);
  });

  it('the right secret sent to one service stops dialling on both within seconds; due leads wait', async () => {
    const sentAt = Date.now();
    expect((await a().api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: change(false) })).statusCode).toBe(202);
    await expect.poll(dispatching, SECONDS).toEqual([false, false]);
    // A lead claimed just before the flip is still placed; then nothing is in the pipeline.
    await expect.poll(settled, SECONDS).toBe(true);
    const stoppedAt = posts();
    const lastPost = Math.max(...twilio.flatMap((fake) => fake.posts.map((p) => p.receivedAt)));
    expect(lastPost - sentAt).toBeLessThan(3000);

    await pushLeads(3); // newly due while switched off
    await sleep(1500);
    expect(posts()).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(LEADS); // some were still due when the switch flipped

    const byId = await statuses();
    const dialled = new Set([...twilio[0]!.posts, ...twilio[1]!.posts].map((p) => p.to));
    const waiting = leadIds.filter((id, i) => !dialled.has(phone(i)));
    expect(waiting.length).toBe(LEADS + 3 - stoppedAt);
    for (const id of waiting) expect(byId.get(id)).toMatchObject({ status: 'BACKLOG', attempt_count: 0, call_id: null });
  });

  it('switched back on (via the other service), every waiting lead is dialled, once', async () => {
    expect((await b().api('POST', `//webhooks/devcycle/${WEBHOOK_SECRET}`, { body: change(true) })).statusCode).toBe(202);
    await expect.poll(dispatching, SECONDS).toEqual([true, true]);
    await expect.poll(posts, { timeout: 10_000, interval: 100 }).toBe(leadIds.length);

    const all = [...twilio[0]!.posts, ...twilio[1]!.posts];
    expect(new Set(all.map((p) => p.key)).size).toBe(leadIds.length);
    expect(new Set(all.map((p) => p.to))).toEqual(new Set(leadIds.map((_, i) => phone(i))));
    await expect
      .poll(async () => [...(await statuses()).values()].filter((r) => r.status === 'PROCESSING' && r.call_id !== null).length, SECONDS)
      .toBe(leadIds.length);
  });
});

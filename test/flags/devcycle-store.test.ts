import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, issueTokens, startTestService, type TestService, type Tokens } from '../support/service.ts';
import { outboundRateLimit, webhookRetryPolicy } from '../../src/flags/known-flags.ts';
import { REFERENCE_POLICY } from '../../src/delivery/retry-policy.ts';
import { startFakeConfigCdn, type FakeConfigCdn } from './support/fake-config-cdn.ts';
import { devcycleEnv } from './support/flag-services.ts';
import { SERVER_KEY, WEBHOOK_SECRET } from './support/devcycle-fixtures.ts';

describe.each(DIALECTS)('flags evaluated by the DevCycle SDK (%s)', (dialect) => {
  let cdn: FakeConfigCdn;
  let t: TestService;
  let tokens: Tokens;

  beforeAll(async () => {
    cdn = await startFakeConfigCdn({
      bb_dispatch_enabled: false,
      outbound_rate_limit_max_calls: 3,
      outbound_rate_limit_window_seconds: 'sixty', // a String where Buddy reads a number
      webhook_retry_policy: 'reference',
      enable_smart_turn: true,
    });
    vi.stubEnv('OUTBOUND_RATE_LIMIT_WINDOW_SECONDS', '120');
    vi.stubEnv('OUTBOUND_RATE_LIMIT_BLOCK_ENABLED', 'true');
    vi.stubEnv('OUTBOUND_RATE_LIMIT_MAX_CALLS', '9');
    t = await startTestService(dialect, devcycleEnv(cdn.url));
    tokens = await issueTokens(t);
  });

  afterAll(async () => {
    await t?.close();
    await cdn?.close();
    vi.unstubAllEnvs();
  });

  it('starts with DevCycle values, then env, then defaults', () => {
    const flags = t.service.flags;
    expect(flags.boolean('bb_dispatch_enabled', true)).toBe(false);
    // DevCycle (3) wins over env (9); a DevCycle value of the wrong type falls through to env.
    expect(outboundRateLimit(flags)).toEqual({ maxCalls: 3, windowSeconds: 120, blockEnabled: true });
    expect(webhookRetryPolicy(flags)).toBe(REFERENCE_POLICY);
    expect(flags.string('not_anywhere', 'fallback')).toBe('fallback');
  });

  it('never throws on a lookup, whatever the name or type asked', () => {
    const flags = t.service.flags;
    expect(flags.number('bb_dispatch_enabled', 1)).toBe(1);
    expect(flags.string('', 'x')).toBe('x');
    expect(flags.boolean('名前 with spaces', true)).toBe(true);
  });

  it('GET /flags shows each value and its source to admins, and no secret', async () => {
    const res = await t.api('GET', '/flags', { token: tokens.admin });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const row = (name: string) => body.flags.find((f: { name: string }) => f.name === name);
    expect(row('bb_dispatch_enabled')).toEqual({ name: 'bb_dispatch_enabled', value: false, source: 'devcycle' });
    expect(row('OUTBOUND_RATE_LIMIT_MAX_CALLS')).toMatchObject({ value: 3, source: 'devcycle' });
    expect(row('OUTBOUND_RATE_LIMIT_WINDOW_SECONDS')).toMatchObject({ value: 120, source: 'env' });
    expect(row('webhook_retry_policy')).toMatchObject({ value: 'reference', source: 'devcycle' });
    // Defined in DevCycle, not (yet) read by Buddy: still listed, once.
    expect(row('enable_smart_turn')).toMatchObject({ value: true, source: 'devcycle' });
    expect(body.flags.filter((f: { name: string }) => f.name.toLowerCase() === 'outbound_rate_limit_max_calls')).toHaveLength(1);
    expect(body.devcycle).toMatchObject({ configured: true, config_version: 1, last_fetch_error: null });
    expect(res.body).not.toContain(SERVER_KEY);
    expect(res.body).not.toContain(WEBHOOK_SECRET);
    expect(res.body).not.toContain(cdn.url);
  });

  it('GET /flags is for admins only', async () => {
    expect((await t.api('GET', '/flags')).statusCode).toBe(401);
    for (const token of [tokens.reseller, tokens.merchant, tokens.user]) {
      expect((await t.api('GET', '/flags', { token })).statusCode).toBe(403);
    }
  });
});

describe.each(DIALECTS)('flags without DevCycle (%s)', (dialect) => {
  it('run on the environment and say so', async () => {
    vi.stubEnv('BB_DISPATCH_ENABLED', 'false');
    const t = await startTestService(dialect);
    try {
      expect(t.service.flags.boolean('bb_dispatch_enabled', true)).toBe(false);
      const { admin } = await issueTokens(t);
      const body = (await t.api('GET', '/flags', { token: admin })).json();
      expect(body.devcycle).toEqual({ configured: false, config_version: null, last_fetch_at: null, last_fetch_error: null });
      expect(body.flags).toContainEqual({ name: 'bb_dispatch_enabled', value: false, source: 'env' });
      expect(body.flags).toContainEqual({ name: 'OUTBOUND_RATE_LIMIT_MAX_CALLS', value: 7, source: 'default' });
    } finally {
      await t.close();
      vi.unstubAllEnvs();
    }
  });
});

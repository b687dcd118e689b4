import { describe, expect, it, vi } from 'vitest';
import { createEnvFlagStore } from '../../src/flags/flag-store.ts';
import { dispatchEnabled, outboundRateLimit, webhookRetryPolicy, KNOWN_FLAGS } from '../../src/flags/known-flags.ts';
import { REFERENCE_POLICY, STANDARD_POLICY } from '../../src/delivery/retry-policy.ts';

describe('environment flag store', () => {
  it('reads the flag name upper-cased from the environment, else the call-site default', () => {
    const flags = createEnvFlagStore({ BB_DISPATCH_ENABLED: 'off', OUTBOUND_RATE_LIMIT_MAX_CALLS: ' 3 ', GREETING: 'hi' });
    expect(flags.boolean('bb_dispatch_enabled', true)).toBe(false);
    expect(flags.number('outbound_rate_limit_max_calls', 7)).toBe(3);
    expect(flags.string('greeting', 'hello')).toBe('hi');
    expect(flags.boolean('enable_smart_turn', true)).toBe(true);
  });

  it('ignores values that do not parse as the asked type', () => {
    const flags = createEnvFlagStore({ BB_DISPATCH_ENABLED: 'maybe', OUTBOUND_RATE_LIMIT_MAX_CALLS: 'seven', EMPTY: '' });
    expect(flags.boolean('bb_dispatch_enabled', true)).toBe(true);
    expect(flags.number('OUTBOUND_RATE_LIMIT_MAX_CALLS', 7)).toBe(7);
    expect(flags.number('empty', 5)).toBe(5);
  });

  it('describes every known flag and every flag asked for, with its source, re-read on each call', () => {
    const env: Record<string, string | undefined> = { OUTBOUND_RATE_LIMIT_WINDOW_SECONDS: '60' };
    const flags = createEnvFlagStore(env);
    flags.string('custom_knob', 'x');
    const rows = flags.describe();
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining([...KNOWN_FLAGS.map((f) => f.name), 'custom_knob']));
    expect(rows.find((r) => r.name === 'bb_dispatch_enabled')).toEqual({ name: 'bb_dispatch_enabled', value: true, source: 'default' });
    expect(rows.find((r) => r.name === 'OUTBOUND_RATE_LIMIT_WINDOW_SECONDS')).toEqual({
      name: 'OUTBOUND_RATE_LIMIT_WINDOW_SECONDS',
      value: 60,
      source: 'env',
    });
    env.BB_DISPATCH_ENABLED = 'false';
    expect(flags.describe().find((r) => r.name === 'bb_dispatch_enabled')).toMatchObject({ value: false, source: 'env' });
  });
});

describe('typed readers of the known flags', () => {
  it('dispatch kill switch defaults to on', () => {
    expect(dispatchEnabled(createEnvFlagStore({}))).toBe(true);
    expect(dispatchEnabled(createEnvFlagStore({ BB_DISPATCH_ENABLED: '0' }))).toBe(false);
  });

  it('outbound rate limit: reference defaults, env overrides, nonsense falls back', () => {
    expect(outboundRateLimit(createEnvFlagStore({}))).toEqual({ maxCalls: 7, windowSeconds: 3600, blockEnabled: false });
    const env = { OUTBOUND_RATE_LIMIT_MAX_CALLS: '2', OUTBOUND_RATE_LIMIT_WINDOW_SECONDS: '600', OUTBOUND_RATE_LIMIT_BLOCK_ENABLED: 'true' };
    expect(outboundRateLimit(createEnvFlagStore(env))).toEqual({ maxCalls: 2, windowSeconds: 600, blockEnabled: true });
    const bad = { OUTBOUND_RATE_LIMIT_MAX_CALLS: '-1', OUTBOUND_RATE_LIMIT_WINDOW_SECONDS: '0.5' };
    expect(outboundRateLimit(createEnvFlagStore(bad))).toMatchObject({ maxCalls: 7, windowSeconds: 3600 });
  });

  it('webhook retry policy: named or listed; a bad value falls back to standard and is reported once', () => {
    expect(webhookRetryPolicy(createEnvFlagStore({}))).toBe(STANDARD_POLICY);
    expect(webhookRetryPolicy(createEnvFlagStore({ WEBHOOK_RETRY_POLICY: 'reference' }))).toBe(REFERENCE_POLICY);
    expect(webhookRetryPolicy(createEnvFlagStore({ WEBHOOK_RETRY_POLICY: '0,5s,1m' })).scheduleSeconds).toEqual([5, 60]);
    const onInvalid = vi.fn();
    const flags = createEnvFlagStore({ WEBHOOK_RETRY_POLICY: '5s,1m' });
    expect(webhookRetryPolicy(flags, onInvalid)).toBe(STANDARD_POLICY);
    expect(webhookRetryPolicy(flags, onInvalid)).toBe(STANDARD_POLICY);
    expect(onInvalid).toHaveBeenCalledTimes(1);
  });
});

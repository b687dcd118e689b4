import { describe, expect, it } from 'vitest';
import { breakerOutcome, createCircuitBreakers } from '../../src/delivery/circuit-breaker.ts';
import type { AcquireResult, Permit } from '../../src/delivery/circuit-breaker.ts';

const A = 'https://a.example.com';
const B = 'https://b.example.com';

function setup(overrides: { maxConcurrent?: number; failureThreshold?: number; cooldownMs?: number } = {}) {
  const clock = { t: 1_000_000 };
  const breakers = createCircuitBreakers({
    maxConcurrent: overrides.maxConcurrent ?? 2,
    failureThreshold: overrides.failureThreshold ?? 3,
    cooldownMs: overrides.cooldownMs ?? 30_000,
    now: () => clock.t,
  });
  return { clock, breakers };
}

function granted(result: AcquireResult): Permit {
  if (result.kind !== 'granted') throw new Error(`expected a permit, got ${JSON.stringify(result)}`);
  return result.permit;
}

function failTimes(breakers: ReturnType<typeof setup>['breakers'], origin: string, n: number) {
  for (let i = 0; i < n; i++) granted(breakers.acquire(origin)).release('failure');
}

describe('concurrency cap', () => {
  it('grants up to maxConcurrent per origin and frees a slot on release', () => {
    const { breakers } = setup({ maxConcurrent: 2 });
    const p1 = granted(breakers.acquire(A));
    granted(breakers.acquire(A));
    expect(breakers.acquire(A)).toEqual({ kind: 'rejected', reason: 'concurrency_limit', retryInMs: null });
    // Another destination is unaffected by A being saturated.
    granted(breakers.acquire(B));
    p1.release('success');
    granted(breakers.acquire(A));
  });

  it('ignores a second release of the same permit', () => {
    const { breakers } = setup({ maxConcurrent: 1 });
    const p = granted(breakers.acquire(A));
    const q = granted(breakers.acquire(B));
    p.release('success');
    p.release('success');
    granted(breakers.acquire(A));
    expect(breakers.acquire(A).kind).toBe('rejected');
    q.release('success');
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failures and rejects with the remaining cooldown', () => {
    const { clock, breakers } = setup({ failureThreshold: 3, cooldownMs: 30_000 });
    failTimes(breakers, A, 2);
    expect(breakers.state(A)).toBe('closed');
    failTimes(breakers, A, 1);
    expect(breakers.state(A)).toBe('open');
    clock.t += 10_000;
    expect(breakers.acquire(A)).toEqual({ kind: 'rejected', reason: 'circuit_open', retryInMs: 20_000 });
    expect(breakers.state(B)).toBe('closed');
  });

  it('resets the failure count on success, so only consecutive failures count', () => {
    const { breakers } = setup({ failureThreshold: 3 });
    failTimes(breakers, A, 2);
    granted(breakers.acquire(A)).release('success');
    failTimes(breakers, A, 2);
    expect(breakers.state(A)).toBe('closed');
    expect(breakers.snapshot()[A]?.consecutiveFailures).toBe(2);
  });

  it('lets exactly one probe through after the cooldown and closes on its success', () => {
    const { clock, breakers } = setup({ failureThreshold: 1, cooldownMs: 5_000 });
    failTimes(breakers, A, 1);
    clock.t += 5_000;
    expect(breakers.state(A)).toBe('half_open');
    const probe = granted(breakers.acquire(A));
    expect(breakers.acquire(A)).toMatchObject({ kind: 'rejected', reason: 'circuit_open' });
    probe.release('success');
    expect(breakers.state(A)).toBe('closed');
    granted(breakers.acquire(A));
  });

  it('re-opens with a fresh cooldown when the probe fails', () => {
    const { clock, breakers } = setup({ failureThreshold: 1, cooldownMs: 5_000 });
    failTimes(breakers, A, 1);
    clock.t += 6_000;
    granted(breakers.acquire(A)).release('failure');
    expect(breakers.state(A)).toBe('open');
    expect(breakers.acquire(A)).toEqual({ kind: 'rejected', reason: 'circuit_open', retryInMs: 5_000 });
  });

  it('allows another probe when the probe result says nothing about health', () => {
    const { clock, breakers } = setup({ failureThreshold: 1, cooldownMs: 5_000 });
    failTimes(breakers, A, 1);
    clock.t += 5_000;
    granted(breakers.acquire(A)).release('neutral');
    expect(breakers.state(A)).toBe('half_open');
    granted(breakers.acquire(A)).release('success');
    expect(breakers.state(A)).toBe('closed');
  });

  it('ignores results of requests that were in flight when the circuit opened', () => {
    const { clock, breakers } = setup({ maxConcurrent: 5, failureThreshold: 2, cooldownMs: 1_000 });
    const straggler = granted(breakers.acquire(A));
    const straggler2 = granted(breakers.acquire(A));
    failTimes(breakers, A, 2);
    expect(breakers.state(A)).toBe('open');
    straggler.release('success');
    expect(breakers.state(A)).toBe('open');
    clock.t += 1_000;
    granted(breakers.acquire(A)).release('success');
    expect(breakers.state(A)).toBe('closed');
    // A late failure from before the trip must not count against the recovered circuit.
    straggler2.release('failure');
    expect(breakers.snapshot()[A]).toBeUndefined();
  });

  it('forgets healthy idle origins so memory tracks only live or troubled ones', () => {
    const { breakers } = setup();
    granted(breakers.acquire(A)).release('success');
    failTimes(breakers, B, 1);
    expect(Object.keys(breakers.snapshot())).toEqual([B]);
  });

  it('validates its options', () => {
    expect(() => createCircuitBreakers({ maxConcurrent: 0, failureThreshold: 1, cooldownMs: 0 })).toThrow(/maxConcurrent/);
    expect(() => createCircuitBreakers({ maxConcurrent: 1, failureThreshold: 1.5, cooldownMs: 0 })).toThrow(/failureThreshold/);
    expect(() => createCircuitBreakers({ maxConcurrent: 1, failureThreshold: 1, cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});

describe('breakerOutcome', () => {
  it.each([
    [{ status: 200 }, 'success'],
    [{ status: 302 }, 'success'],
    [{ status: 404 }, 'success'],
    [{ status: 410 }, 'success'],
    [{ status: 429 }, 'failure'],
    [{ status: 500 }, 'failure'],
    [{ status: 503 }, 'failure'],
    [{ error: 'timeout' as const }, 'failure'],
    [{ error: 'connect' as const }, 'failure'],
    [{ error: 'blocked' as const }, 'neutral'],
    [{ error: 'other' as const }, 'neutral'],
  ])('%j -> %s', (result, expected) => {
    expect(breakerOutcome(result)).toBe(expected);
  });
});

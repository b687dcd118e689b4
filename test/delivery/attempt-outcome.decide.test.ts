import { describe, expect, it } from 'vitest';
import { releaseFor, settlementFor, type AttemptResult } from '../../src/delivery/attempt-outcome.ts';
import type { ClaimedMessage } from '../../src/delivery/claims.ts';
import { parseRetryPolicy, REFERENCE_POLICY } from '../../src/delivery/retry-policy.ts';

const NOW = Date.UTC(2026, 1, 1, 10, 36, 15);
const policy = parseRetryPolicy('0,5s,5m');
const ctx = { policy, rng: () => 0.5, now: NOW }; // rng 0.5 = no jitter

const message = (over: Partial<ClaimedMessage> = {}): ClaimedMessage => ({
  id: 'msg_1',
  owner: { reseller_id: 'r', merchant_id: 'm' },
  kind: 'reporting',
  url: 'https://hooks.example.com/r',
  method: 'POST',
  headers: {},
  body: '{}',
  attemptCount: 0,
  lastStatusCode: null,
  lastError: null,
  manual: false,
  createdAt: NOW - 1000,
  leaseToken: 'w:1',
  leaseExpiresAt: NOW + 60_000,
  ...over,
});
const result = (over: Partial<AttemptResult>): AttemptResult => ({ startedAt: NOW - 12, durationMs: 12.5, ...over });

describe('what an attempt means for its message', () => {
  it('2xx: succeeded, attempt logged with its status, excerpt and duration', () => {
    const s = settlementFor(message({ attemptCount: 1 }), result({ status: 204, responseExcerpt: '' }), ctx);
    expect(s).toMatchObject({ status: 'succeeded', attemptCount: 2, completedAt: NOW, nextAttemptAt: null, lastError: null, lastStatusCode: 204 });
    expect(s.attempt).toMatchObject({ attemptNumber: 2, trigger: 'scheduled', startedAt: NOW - 12, durationMs: 12.5, statusCode: 204, outcome: 'succeeded', error: null });
  });

  it('a failure with retries left: pending until the next step of the schedule', () => {
    const s = settlementFor(message({ attemptCount: 1 }), result({ status: 500 }), ctx);
    expect(s).toMatchObject({ status: 'pending', attemptCount: 2, nextAttemptAt: NOW + 300_000, lastError: 'HTTP 500', completedAt: null });
    expect(s.attempt!.outcome).toBe('retrying');
  });

  it('a network error is logged with its message and retried', () => {
    const s = settlementFor(message(), result({ error: 'timeout', errorMessage: 'total timeout after 15000 ms' }), ctx);
    expect(s).toMatchObject({ status: 'pending', nextAttemptAt: NOW + 5_000, lastStatusCode: null, lastError: 'total timeout after 15000 ms' });
    expect(s.attempt).toMatchObject({ statusCode: null, error: 'total timeout after 15000 ms' });
  });

  it('Retry-After on 503 pushes the retry out (capped at the policy’s largest step)', () => {
    expect(settlementFor(message(), result({ status: 503, retryAfter: '120' }), ctx).nextAttemptAt).toBe(NOW + 120_000);
    expect(settlementFor(message(), result({ status: 503, retryAfter: '86400' }), ctx).nextAttemptAt).toBe(NOW + 300_000);
  });

  it('gives up on 410, on a blocked address, and when the schedule is exhausted', () => {
    expect(settlementFor(message(), result({ status: 410 }), ctx)).toMatchObject({ status: 'failed', completedAt: NOW, lastError: 'gave up (gone) after attempt 1: HTTP 410' });
    expect(settlementFor(message(), result({ error: 'blocked', errorMessage: 'refusing to connect to 10.0.0.1: private (10/8)' }), ctx).lastError).toBe(
      'gave up (blocked) after attempt 1: refusing to connect to 10.0.0.1: private (10/8)',
    );
    const last = settlementFor(message({ attemptCount: 2 }), result({ status: 500 }), { ...ctx, policy: REFERENCE_POLICY });
    expect(last).toMatchObject({ status: 'failed', attemptCount: 3, lastError: 'gave up (exhausted) after attempt 3: HTTP 500' });
    expect(last.attempt!.outcome).toBe('failed');
  });

  it('a manual resend is tried once: its failure is final, its success clears the flag', () => {
    const failed = settlementFor(message({ attemptCount: 8, manual: true }), result({ status: 500 }), ctx);
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 9, manual: false, lastError: 'manual attempt failed: HTTP 500' });
    expect(failed.attempt).toMatchObject({ attemptNumber: 9, trigger: 'manual', outcome: 'failed' });
    expect(settlementFor(message({ manual: true }), result({ status: 200 }), ctx)).toMatchObject({ status: 'succeeded', manual: false });
  });

  it('a release keeps the attempt count, the last result and the manual flag', () => {
    const m = message({ attemptCount: 3, lastStatusCode: 502, lastError: 'HTTP 502', manual: true });
    expect(releaseFor(m, NOW + 50)).toEqual({
      id: 'msg_1',
      leaseToken: 'w:1',
      status: 'pending',
      attemptCount: 3,
      nextAttemptAt: NOW + 50,
      lastStatusCode: 502,
      lastError: 'HTTP 502',
      completedAt: null,
      manual: true,
    });
  });
});

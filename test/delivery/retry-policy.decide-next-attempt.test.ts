import { describe, expect, it } from 'vitest';
import {
  REFERENCE_POLICY,
  STANDARD_POLICY,
  decideNextAttempt,
  formatRetryPolicy,
  parseRetryAfter,
  parseRetryPolicy,
} from '../../src/delivery/retry-policy.ts';
import type { AttemptOutcome, RetryPolicy } from '../../src/delivery/retry-policy.ts';
import { seededRng } from './seeded-rng.ts';

const NOW = Date.UTC(2026, 1, 1, 10, 36, 15);
const mid = () => 0.5; // zero jitter

function decide(policy: RetryPolicy, attemptNumber: number, outcome: AttemptOutcome, rng: () => number = mid) {
  return decideNextAttempt({ policy, attemptNumber, outcome, rng, now: NOW });
}

describe('decideNextAttempt: schedule', () => {
  it('follows the standard schedule attempt by attempt, then gives up after the 8th attempt', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => decide(STANDARD_POLICY, n, { status: 500 }));
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000].map((s) => ({ kind: 'retry', delayMs: s * 1000 })));
    expect(decide(STANDARD_POLICY, 8, { status: 500 })).toEqual({ kind: 'give_up', reason: 'exhausted' });
  });

  it('applies +/-20 % jitter drawn from the injected rng', () => {
    expect(decide(STANDARD_POLICY, 2, { status: 500 }, () => 0)).toEqual({ kind: 'retry', delayMs: 240_000 });
    expect(decide(STANDARD_POLICY, 2, { status: 500 }, () => 0.999_999)).toEqual({ kind: 'retry', delayMs: 360_000 });
  });

  it('keeps every seeded draw within the jitter band and actually spreads them', () => {
    const rng = seededRng(42);
    const delays = Array.from({ length: 500 }, () => {
      const d = decide(STANDARD_POLICY, 3, { error: 'timeout' }, rng);
      if (d.kind !== 'retry') throw new Error('expected retry');
      return d.delayMs;
    });
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1_440_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2_160_000);
    expect(new Set(delays).size).toBeGreaterThan(400);
    // Same seed, same sequence: decisions are reproducible.
    const again = seededRng(42);
    expect(decide(STANDARD_POLICY, 3, { error: 'timeout' }, again)).toEqual({ kind: 'retry', delayMs: delays[0] });
  });

  it.each<[string, AttemptOutcome]>([
    ['3xx (redirects are never followed)', { status: 302 }],
    ['4xx', { status: 400 }],
    ['5xx', { status: 502 }],
    ['timeout', { error: 'timeout' }],
    ['connect error', { error: 'connect' }],
    ['other error', { error: 'other' }],
    ['no status and no error', {}],
  ])('retries on the schedule after %s', (_label, outcome) => {
    expect(decide(STANDARD_POLICY, 1, outcome)).toEqual({ kind: 'retry', delayMs: 5000 });
  });

  it('gives up at once on 410 Gone and on an SSRF-blocked destination', () => {
    expect(decide(STANDARD_POLICY, 1, { status: 410 })).toEqual({ kind: 'give_up', reason: 'gone' });
    expect(decide(STANDARD_POLICY, 1, { error: 'blocked' })).toEqual({ kind: 'give_up', reason: 'blocked' });
  });

  it('refuses to be asked about a success or a nonsensical attempt number', () => {
    expect(() => decide(STANDARD_POLICY, 1, { status: 204 })).toThrow(/success status 204/);
    expect(() => decide(STANDARD_POLICY, 0, { status: 500 })).toThrow(RangeError);
    expect(() => decide(STANDARD_POLICY, 1.5, { status: 500 })).toThrow(RangeError);
  });
});

describe('decideNextAttempt: Retry-After', () => {
  it('waits for Retry-After seconds on 429 when longer than the scheduled delay', () => {
    expect(decide(STANDARD_POLICY, 1, { status: 429, retryAfterHeader: '120' })).toEqual({ kind: 'retry', delayMs: 120_000 });
  });

  it('accepts an HTTP-date on 503', () => {
    const at = new Date(NOW + 600_000).toUTCString();
    expect(decide(STANDARD_POLICY, 1, { status: 503, retryAfterHeader: at })).toEqual({ kind: 'retry', delayMs: 600_000 });
  });

  it('keeps the scheduled delay when Retry-After is shorter', () => {
    expect(decide(STANDARD_POLICY, 3, { status: 429, retryAfterHeader: '10' })).toEqual({ kind: 'retry', delayMs: 1_800_000 });
  });

  it("caps Retry-After at the policy's largest step", () => {
    expect(decide(STANDARD_POLICY, 1, { status: 429, retryAfterHeader: '9999999' })).toEqual({ kind: 'retry', delayMs: 36_000_000 });
  });

  it('ignores Retry-After on other statuses and when unparseable', () => {
    expect(decide(STANDARD_POLICY, 1, { status: 500, retryAfterHeader: '120' })).toEqual({ kind: 'retry', delayMs: 5000 });
    expect(decide(STANDARD_POLICY, 1, { status: 429, retryAfterHeader: 'soon' })).toEqual({ kind: 'retry', delayMs: 5000 });
    expect(decide(STANDARD_POLICY, 1, { status: 429 })).toEqual({ kind: 'retry', delayMs: 5000 });
  });

  it('parses delta-seconds and HTTP-dates, and treats past dates as now', () => {
    expect(parseRetryAfter(' 30 ', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Feb 2026 10:37:15 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sun, 01 Feb 2026 10:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('-5', NOW)).toBeNull();
    expect(parseRetryAfter('1.5', NOW)).toBeNull();
    expect(parseRetryAfter('2026-02-01', NOW)).toBeNull();
  });
});

describe('decideNextAttempt: reference policy', () => {
  it('makes 3 back-to-back attempts and ignores Retry-After like the platform it replaces', () => {
    expect(decide(REFERENCE_POLICY, 1, { status: 500 }, Math.random)).toEqual({ kind: 'retry', delayMs: 0 });
    expect(decide(REFERENCE_POLICY, 2, { status: 429, retryAfterHeader: '60' })).toEqual({ kind: 'retry', delayMs: 0 });
    expect(decide(REFERENCE_POLICY, 3, { status: 500 })).toEqual({ kind: 'give_up', reason: 'exhausted' });
  });
});

describe('parseRetryPolicy', () => {
  it('resolves named policies case-insensitively', () => {
    expect(parseRetryPolicy('standard')).toBe(STANDARD_POLICY);
    expect(parseRetryPolicy(' Reference ')).toBe(REFERENCE_POLICY);
  });

  it('parses a comma list whose first entry is the immediate first attempt', () => {
    const policy = parseRetryPolicy('0, 5s, 5m,30m,2h,1d,90');
    expect(policy.scheduleSeconds).toEqual([5, 300, 1800, 7200, 86400, 90]);
    expect(policy.jitter).toBe(0.2);
    expect(policy.name).toBe('0,5s,5m,30m,2h,1d,90s');
    expect(parseRetryPolicy('0').scheduleSeconds).toEqual([]);
    expect(parseRetryPolicy('0,0,0').scheduleSeconds).toEqual(REFERENCE_POLICY.scheduleSeconds);
  });

  it('round-trips through formatRetryPolicy', () => {
    expect(formatRetryPolicy(STANDARD_POLICY)).toBe('0,5s,5m,30m,2h,5h,10h,10h');
    expect(parseRetryPolicy(formatRetryPolicy(STANDARD_POLICY)).scheduleSeconds).toEqual(STANDARD_POLICY.scheduleSeconds);
  });

  it.each([
    ['', /unknown policy name/],
    ['aggressive', /unknown policy name.*standard, reference/],
    ['constructor', /unknown policy name/],
    ['5s,5m', /first entry is the initial attempt and must be 0/],
    ['0,5x', /entry 2 "5x" is not a duration/],
    ['0,-5s', /entry 2 "-5s" is not a duration/],
    ['0,,5s', /entry 2 "" is not a duration/],
    ['0,1.5s', /entry 2 "1.5s" is not a duration/],
    ['0,8d', /exceeds 7d/],
    [Array(52).fill('0').join(','), /at most 50 attempts/],
  ])('rejects %j with a clear message', (spec, message) => {
    expect(() => parseRetryPolicy(spec)).toThrow(message);
  });
});

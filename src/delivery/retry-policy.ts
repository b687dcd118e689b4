// Retry policy as data, plus the one pure function that reads it.
//
// A policy's `scheduleSeconds` lists the delay before each *retry*; the first
// attempt always goes out immediately, so a policy allows
// `scheduleSeconds.length + 1` attempts in total.
//
// decideNextAttempt, after a failed attempt number N (1-based):
//   410 Gone                     -> give up ('gone'); the receiver asked us to stop
//   SSRF-blocked                 -> give up ('blocked'); retrying cannot help
//   N > scheduleSeconds.length   -> give up ('exhausted')
//   429 / 503 with Retry-After   -> max(jittered schedule, min(Retry-After, largest step))
//   anything else (3xx, 4xx, 5xx, timeout, connect error)
//                                -> scheduleSeconds[N-1] +/- jitter
// 2xx is success and must not reach this function. Redirects are never
// followed, so 3xx is an ordinary failure (Standard Webhooks, Svix).
//
// Retry-After is capped at the policy's largest step so a receiver cannot park
// a message for days; under `reference` (all steps 0) it is therefore ignored,
// which is exactly the behaviour of the platform we replace.

export type RetryPolicy = {
  readonly name: string;
  /** Delay before retry k (index k-1), in seconds. */
  readonly scheduleSeconds: readonly number[];
  /** Fraction of each delay applied as +/- uniform jitter, 0..1. */
  readonly jitter: number;
};

export type AttemptError = 'timeout' | 'connect' | 'blocked' | 'other';

export type AttemptOutcome = {
  status?: number;
  retryAfterHeader?: string;
  error?: AttemptError;
};

export type GiveUpReason = 'gone' | 'blocked' | 'exhausted';

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'give_up'; reason: GiveUpReason };

export type DecideNextAttemptInput = {
  policy: RetryPolicy;
  /** The attempt that just failed, 1-based. */
  attemptNumber: number;
  outcome: AttemptOutcome;
  /** Uniform [0, 1); inject a seeded one in tests. */
  rng: () => number;
  /** Wall clock in ms, for HTTP-date Retry-After values. */
  now?: number;
};

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/** Svix's schedule: 8 attempts over about 27.6 h. */
export const STANDARD_POLICY: RetryPolicy = Object.freeze({
  name: 'standard',
  scheduleSeconds: Object.freeze([5, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]),
  jitter: 0.2,
});

/** The replaced platform: 3 attempts back to back, no delay. */
export const REFERENCE_POLICY: RetryPolicy = Object.freeze({
  name: 'reference',
  scheduleSeconds: Object.freeze([0, 0]),
  jitter: 0,
});

export const NAMED_POLICIES: Readonly<Record<string, RetryPolicy>> = Object.freeze({
  standard: STANDARD_POLICY,
  reference: REFERENCE_POLICY,
});

export const DEFAULT_JITTER = 0.2;
const MAX_STEP_SECONDS = 7 * 24 * HOUR;
const MAX_ATTEMPTS = 50;
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: MINUTE, h: HOUR, d: 24 * HOUR };

/**
 * Accepts a policy name (`standard`, `reference`) or a comma list of every
 * attempt's delay in the order they happen, e.g. `0,5s,5m,30m,2h`. The list
 * reads like "immediately, 5 s, 5 min, ..." as webhook docs write schedules,
 * so its first entry is the initial attempt and must be 0. Units: s, m, h, d;
 * a bare number is seconds. Custom lists get the default +/-20 % jitter.
 */
export function parseRetryPolicy(spec: string): RetryPolicy {
  const trimmed = spec.trim();
  const key = trimmed.toLowerCase();
  // hasOwn, so "constructor" or "toString" are not mistaken for policies.
  const named = Object.hasOwn(NAMED_POLICIES, key) ? NAMED_POLICIES[key] : undefined;
  if (named !== undefined) return named;
  const hint = `expected one of ${Object.keys(NAMED_POLICIES).join(', ')} or a comma list of delays such as "0,5s,5m,30m,2h"`;
  if (trimmed === '' || /^[a-z][\w-]*$/i.test(trimmed)) {
    throw new Error(`invalid retry policy "${spec}": unknown policy name; ${hint}`);
  }

  const parts = trimmed.split(',').map((p) => p.trim());
  if (parts.length > MAX_ATTEMPTS) throw new Error(`invalid retry policy "${spec}": at most ${MAX_ATTEMPTS} attempts`);
  const seconds = parts.map((part, i) => {
    const m = /^(\d+)\s*([smhd]?)$/i.exec(part);
    const unit = m?.[2]?.toLowerCase() ?? '';
    if (m === null || m[1] === undefined) {
      throw new Error(`invalid retry policy "${spec}": entry ${i + 1} "${part}" is not a duration like 30s, 5m, 2h or 1d; ${hint}`);
    }
    const value = Number(m[1]) * (UNIT_SECONDS[unit] ?? 1);
    if (value > MAX_STEP_SECONDS) throw new Error(`invalid retry policy "${spec}": entry ${i + 1} "${part}" exceeds 7d`);
    return value;
  });
  if (seconds[0] !== 0) {
    throw new Error(`invalid retry policy "${spec}": the first entry is the initial attempt and must be 0 (e.g. "0,${parts[0]}")`);
  }
  const scheduleSeconds = Object.freeze(seconds.slice(1));
  return Object.freeze({ name: formatSchedule(scheduleSeconds), scheduleSeconds, jitter: DEFAULT_JITTER });
}

/** Inverse of parseRetryPolicy for custom lists; handy in logs and docs. */
export function formatRetryPolicy(policy: RetryPolicy): string {
  return formatSchedule(policy.scheduleSeconds);
}

function formatSchedule(scheduleSeconds: readonly number[]): string {
  return ['0', ...scheduleSeconds.map(formatDuration)].join(',');
}

export function decideNextAttempt(input: DecideNextAttemptInput): RetryDecision {
  const { policy, attemptNumber, outcome, rng } = input;
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be an integer >= 1 (got ${attemptNumber})`);
  }
  const { status, error } = outcome;
  if (status !== undefined && status >= 200 && status < 300) {
    throw new Error(`decideNextAttempt called with success status ${status}`);
  }
  if (error === 'blocked') return { kind: 'give_up', reason: 'blocked' };
  if (status === 410) return { kind: 'give_up', reason: 'gone' };

  const scheduled = policy.scheduleSeconds[attemptNumber - 1];
  if (scheduled === undefined) return { kind: 'give_up', reason: 'exhausted' };

  const jitterFactor = 1 + policy.jitter * (2 * rng() - 1);
  const scheduledMs = Math.round(scheduled * 1000 * jitterFactor);

  if ((status === 429 || status === 503) && outcome.retryAfterHeader !== undefined) {
    const retryAfterMs = parseRetryAfter(outcome.retryAfterHeader, input.now ?? Date.now());
    if (retryAfterMs !== null) {
      const capMs = Math.max(...policy.scheduleSeconds) * 1000;
      return { kind: 'retry', delayMs: Math.max(scheduledMs, Math.min(retryAfterMs, capMs)) };
    }
  }
  return { kind: 'retry', delayMs: scheduledMs };
}

/** Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3); null when unusable. */
export function parseRetryAfter(header: string, nowMs: number): number | null {
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Date.parse accepts many formats; require an HTTP-date-looking value so
  // "10.5" or "soon" are treated as absent rather than as some odd date.
  if (!/^[A-Za-z]{3},? /.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 24 * HOUR], ['h', HOUR], ['m', MINUTE]] as const) {
    if (seconds !== 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return seconds === 0 ? '0' : `${seconds}s`;
}

/**
 * What one finished attempt means for its message: the attempt's log row and the message's
 * next state. Pure (time and randomness are passed in), so every rule is unit-tested.
 *
 *   2xx                                  → succeeded
 *   a person's resend / requeue failed   → failed (tried once on request; no schedule)
 *   otherwise decideNextAttempt (retry-policy.ts):
 *     retry                              → pending, next_attempt_at = now + delay (Retry-After)
 *     give up (410, blocked, exhausted)  → failed
 * 3xx is a failure like any other non-2xx: redirects are never followed.
 */
import type { AttemptRecord, ClaimedMessage, Settlement } from './claims.ts';
import { decideNextAttempt, type AttemptError, type RetryPolicy } from './retry-policy.ts';

export type AttemptResult = {
  startedAt: number;
  durationMs: number;
  status?: number;
  retryAfter?: string;
  responseExcerpt?: string;
  error?: AttemptError;
  /** Why the request failed (never contains request headers, so never a secret). */
  errorMessage?: string;
};

export type DecideContext = { policy: RetryPolicy; rng: () => number; now: number };

export const isSuccess = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;

export function settlementFor(message: ClaimedMessage, result: AttemptResult, ctx: DecideContext): Settlement {
  const attemptNumber = message.attemptCount + 1;
  const statusCode = result.status ?? null;
  const attemptError = result.error === undefined ? null : (result.errorMessage ?? result.error);
  const summary = attemptError ?? `HTTP ${statusCode}`;

  let status: Settlement['status'];
  let outcome: AttemptRecord['outcome'];
  let nextAttemptAt: number | null = null;
  let lastError: string | null;
  if (result.error === undefined && isSuccess(result.status)) {
    [status, outcome, lastError] = ['succeeded', 'succeeded', null];
  } else if (message.manual) {
    [status, outcome, lastError] = ['failed', 'failed', `manual attempt failed: ${summary}`];
  } else {
    const decision = decideNextAttempt({
      policy: ctx.policy,
      attemptNumber,
      outcome: { status: result.status, retryAfterHeader: result.retryAfter, error: result.error },
      rng: ctx.rng,
      now: ctx.now,
    });
    if (decision.kind === 'retry') {
      [status, outcome, lastError, nextAttemptAt] = ['pending', 'retrying', summary, ctx.now + decision.delayMs];
    } else {
      [status, outcome, lastError] = ['failed', 'failed', `gave up (${decision.reason}) after attempt ${attemptNumber}: ${summary}`];
    }
  }
  return {
    id: message.id,
    leaseToken: message.leaseToken,
    status,
    attemptCount: attemptNumber,
    nextAttemptAt,
    lastStatusCode: statusCode,
    lastError,
    completedAt: status === 'pending' ? null : ctx.now,
    manual: false,
    attempt: {
      // Derived, so ids ascend with the message's (append-only inserts) and a repeat collides.
      id: `atm_${message.id.slice(4)}_${attemptNumber}`,
      attemptNumber,
      trigger: message.manual ? 'manual' : 'scheduled',
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      statusCode,
      responseExcerpt: result.responseExcerpt ?? null,
      error: attemptError,
      outcome,
    },
  };
}

/** Hands a claimed message back untried (its destination is busy or its circuit open). */
export function releaseFor(message: ClaimedMessage, retryAt: number): Settlement {
  return {
    id: message.id,
    leaseToken: message.leaseToken,
    status: 'pending',
    attemptCount: message.attemptCount,
    nextAttemptAt: retryAt,
    lastStatusCode: message.lastStatusCode,
    lastError: message.lastError,
    completedAt: null,
    manual: message.manual,
  };
}

/**
 * Reconciliation of attempts that lost track of their call. Two sweeps, each run by any node:
 *
 * 1. Unplaced: an open OUTBOUND attempt with no call id, older than `reconcileAfterSeconds`,
 *    whose lead lease has run out. Its dispatcher died (or the provider never answered)
 *    between starting the attempt and recording the call. The placer looks the call up:
 *      found     → record it (and finish it at once if the provider says it ended);
 *      not found → the provider never got the request: place it now, same idempotency key;
 *      can't say → finish the attempt with provider_status UNKNOWN (never risk a second call).
 * 2. Stuck: an open attempt with a call id that has heard nothing for `stuckAfterSeconds`.
 *    The provider is asked: ended → finish with its facts; still live → ask again later;
 *    unknown to the provider → finish UNKNOWN.
 *
 * A sweeper takes the lead's lease before acting, so two nodes never reconcile one attempt.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.ts';
import { findAttempt, finishAttempt, type CallAttempt } from '../calls/attempts.ts';
import { isTerminalStatus, mapCarrierStatus } from '../telephony/index.ts';
import type { ProviderName } from '../telephony/provider.ts';
import type { BackgroundTask } from '../service.ts';
import { LookupUnsupportedError, PlacementError, type CallPlacer, type LookedUpCall } from './call-placer.ts';
import { claimProcessingLead, releaseLease } from './claim.ts';
import { recordCall } from './call-recorder.ts';

export type SweeperSettings = { intervalMs: number; leaseSeconds: number; reconcileAfterSeconds: number; stuckAfterSeconds: number };

export type Sweeper = BackgroundTask & { sweep(): Promise<{ reconciled: number; swept: number }> };

const BATCH = 100;

export function createSweeper(deps: { db: Db; logger: Logger; placer: CallPlacer; settings: SweeperSettings; clock?: () => number }): Sweeper {
  const { db, logger, placer, settings } = deps;
  const clock = deps.clock ?? Date.now;
  const nodeId = randomUUID().slice(0, 8);
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<unknown> | null = null;

  const openAttempts = (withCallId: boolean, olderThan: number) =>
    db.kysely
      .selectFrom('call_attempts as a')
      .innerJoin('leads as l', 'l.id', 'a.lead_id')
      .selectAll('a')
      .where('a.finished_at', 'is', null)
      .where('a.direction', '=', 'OUTBOUND')
      .where('a.call_id', withCallId ? 'is not' : 'is', null)
      .where(withCallId ? 'a.updated_at' : 'a.created_at', '<', olderThan)
      .where('l.status', '=', 'PROCESSING')
      .where((w) => w.or([w('l.lease_expires_at', 'is', null), w('l.lease_expires_at', '<', clock())]))
      .limit(BATCH)
      .execute();

  /** Facts for a call the provider reports ended, with no conversation report ever received. */
  const endedFacts = (call: LookedUpCall) => ({
    platform_status: 'INITIATED' as const,
    platform_reason: 'DIALED',
    ...mapCarrierStatus(call.status, null).facts,
    session_end_reason: call.status === 'completed' ? ('REAPED' as const) : null,
  });
  const unknown = (attempt: CallAttempt, why: string) =>
    finishAttempt(db.kysely, {
      attemptId: attempt.id,
      facts: { platform_status: 'INITIATED', platform_reason: 'DIALED', provider_status: 'UNKNOWN' },
      failureReason: `Call state unknown: ${why}`,
    });

  async function reconcile(attempt: CallAttempt): Promise<void> {
    let call: LookedUpCall | null;
    try {
      call = await placer.lookup(attempt);
    } catch (err) {
      if (err instanceof LookupUnsupportedError) return void (await unknown(attempt, err.message));
      throw err;
    }
    if (call) {
      await recordCall(db, attempt.id, call.callId);
      if (isTerminalStatus(call.status)) await finishAttempt(db.kysely, { attemptId: attempt.id, facts: endedFacts(call) });
      logger.info({ lead_id: attempt.lead_id, call_sid: call.callId, dial_key: attempt.dial_key }, 'reconciled an unrecorded call');
      return;
    }
    const lead = await db.kysely.selectFrom('leads').selectAll().where('id', '=', attempt.lead_id).executeTakeFirstOrThrow();
    try {
      const placed = await placer.place({
        lead,
        attempt,
        provider: attempt.provider as ProviderName,
        from: attempt.from_number ?? '',
        to: attempt.to_number,
        isTest: attempt.is_test === 1,
      });
      await recordCall(db, attempt.id, placed.callId);
      logger.info({ lead_id: attempt.lead_id, call_sid: placed.callId, dial_key: attempt.dial_key }, 'placed a call its dispatcher never sent');
    } catch (err) {
      if (!(err instanceof PlacementError)) throw err;
      await (err.transient
        ? finishAttempt(db.kysely, { attemptId: attempt.id, deferUntil: clock() + 30_000 })
        : finishAttempt(db.kysely, {
            attemptId: attempt.id,
            facts: { platform_status: 'INITIATED', platform_reason: 'DIALED', provider_status: 'NOT_ANSWERED', provider_reason: 'FAILED' },
            failureReason: `the provider refused the call: ${err.message}`,
          }));
    }
  }

  async function checkStuck(attempt: CallAttempt): Promise<void> {
    const call = await placer.lookup(attempt).catch((err: unknown) => {
      if (err instanceof LookupUnsupportedError) return null;
      throw err;
    });
    if (!call) return void (await unknown(attempt, 'the provider has no record of the call'));
    if (isTerminalStatus(call.status)) return void (await finishAttempt(db.kysely, { attemptId: attempt.id, facts: endedFacts(call) }));
    // Still live (a long conversation): ask again after another quiet period.
    await db.kysely.updateTable('call_attempts').set({ updated_at: clock() }).where('id', '=', attempt.id).execute();
  }

  async function each(attempts: CallAttempt[], act: (a: CallAttempt) => Promise<void>): Promise<number> {
    let done = 0;
    for (const seen of attempts) {
      const token = `sweep:${nodeId}:${seen.id}`;
      if (!(await claimProcessingLead(db.kysely, seen.lead_id, token, clock(), settings.leaseSeconds * 1000))) continue;
      try {
        // Read again under our lease: the dispatcher may have recorded the call meanwhile.
        const attempt = await findAttempt(db.kysely, seen.id);
        if (!attempt || attempt.finished_at !== null || attempt.call_id !== seen.call_id) continue;
        await act(attempt);
        done++;
      } catch (err) {
        logger.warn({ err, lead_id: seen.lead_id, dial_key: seen.dial_key }, 'reconciliation failed; will try again');
      } finally {
        await releaseLease(db.kysely, seen.lead_id, token);
      }
    }
    return done;
  }

  async function sweep(): Promise<{ reconciled: number; swept: number }> {
    const now = clock();
    const reconciled = await each(await openAttempts(false, now - settings.reconcileAfterSeconds * 1000), reconcile);
    const swept = await each(await openAttempts(true, now - settings.stuckAfterSeconds * 1000), checkStuck);
    return { reconciled, swept };
  }

  const schedule = () => {
    timer = setTimeout(() => {
      current = sweep()
        .catch((err: unknown) => logger.error({ err }, 'sweep failed'))
        .finally(() => {
          current = null;
          if (timer) schedule();
        });
    }, settings.intervalMs);
  };

  return {
    name: 'dispatch-sweeper',
    sweep,
    start() {
      if (!timer) schedule();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      await current;
    },
  };
}

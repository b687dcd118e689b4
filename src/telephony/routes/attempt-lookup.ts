/**
 * Finding the attempt a provider request is about. URLs Buddy hands out for a placed call
 * carry `attempt=<id>` (signed with the rest of the URL, or guarded by Exotel's URL secret), so
 * a callback that outruns the dispatcher's write of the call id still finds its attempt. URLs
 * configured on a number (inbound calls, Exotel flows) carry none: those are found by call id.
 *
 * Plivo answers a placed call with a request_uuid and only later reports the real CallUUID
 * (callbacks carry both): the attempt is found by either and then bound to the CallUUID,
 * which is what Plivo's hang-up and transfer APIs want.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { findAttempt, type CallAttempt } from '../../calls/attempts.ts';
import { now } from '../../core/ids.ts';
import type { ProviderName } from '../provider.ts';

/** How recent an attempt still waiting for its call id must be to be worth waiting for. */
const PENDING_WINDOW_MS = 60_000;

export type CallIds = { callId: string; requestId?: string };

export type LookupOptions = {
  attemptId?: string;
  /** Outbound calls only: wait this long for the dispatcher to record the call id. */
  graceMs?: number;
};

export async function resolveAttempt(
  db: Kysely<Database>,
  provider: ProviderName,
  ids: CallIds,
  options: LookupOptions = {},
): Promise<CallAttempt | undefined> {
  if (options.attemptId !== undefined) {
    const attempt = await findAttempt(db, options.attemptId);
    return attempt?.provider === provider ? attempt : undefined;
  }
  const deadline = now() + (options.graceMs ?? 0);
  for (;;) {
    const found = await findByCallIds(db, provider, ids);
    if (found || now() >= deadline || !(await placementPending(db, provider))) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Waiting only helps while some attempt of this provider is being placed (no call id yet).
async function placementPending(db: Kysely<Database>, provider: ProviderName): Promise<boolean> {
  const pending = await db
    .selectFrom('call_attempts')
    .select('id')
    .where('provider', '=', provider)
    .where('call_id', 'is', null)
    .where('finished_at', 'is', null)
    .where('created_at', '>', now() - PENDING_WINDOW_MS)
    .executeTakeFirst();
  return pending !== undefined;
}

async function findByCallIds(db: Kysely<Database>, provider: ProviderName, ids: CallIds): Promise<CallAttempt | undefined> {
  const candidates = [...new Set([ids.requestId, ids.callId].filter((id): id is string => id !== undefined))];
  return db
    .selectFrom('call_attempts')
    .selectAll()
    .where('provider', '=', provider)
    .where('call_id', 'in', candidates)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** Records the provider's live call id on the attempt (and its lead) when it is not there yet. */
export async function bindCallId(db: Kysely<Database>, attempt: CallAttempt, ids: CallIds): Promise<CallAttempt> {
  if (attempt.call_id === ids.callId) return attempt;
  // A Twilio/Exotel call is bound once; Plivo moves from request_uuid to CallUUID.
  const replaceable = attempt.call_id === null || (ids.requestId !== undefined && attempt.call_id === ids.requestId);
  if (!replaceable) return attempt;
  const at = now();
  await db.updateTable('call_attempts').set({ call_id: ids.callId, updated_at: at }).where('id', '=', attempt.id).execute();
  await db
    .updateTable('leads')
    .set({ call_id: ids.callId, updated_at: at })
    .where('id', '=', attempt.lead_id)
    .where('attempt_count', '=', attempt.attempt_number)
    .execute();
  return { ...attempt, call_id: ids.callId };
}

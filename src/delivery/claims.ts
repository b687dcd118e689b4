/**
 * The two statements of the delivery queue: claim due messages, and settle them (record the
 * attempt and the message's next state, or hand the message back untried).
 *
 * A claim stamps a lease token (`lease_owner`, unique per claim) and moves `next_attempt_at`
 * to the end of the lease. The queue is thus one index range, `status = 'pending' and
 * next_attempt_at <= now`: a message whose worker died becomes due again when its lease runs
 * out, with no sweeper. Settling requires the token to still be on the row, so a worker that
 * lost its lease (stalled past it, then woke) can neither overwrite the new owner's work nor
 * log a second attempt with the same number. `attempt_count` moves only when an attempt is
 * recorded: a message whose attempt never finished is retried under the same attempt number.
 *
 * PostgreSQL: the claim's inner select takes `FOR UPDATE SKIP LOCKED`, so concurrent workers
 * on many nodes take disjoint batches without waiting on each other. SQLite has one writer at a
 * time, so the conditional update alone is atomic.
 */
import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import { fromJson } from '../db/json.ts';

export type ClaimedMessage = {
  id: string;
  owner: { reseller_id: string; merchant_id: string | null };
  kind: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  /** Attempts recorded so far; this claim makes attempt number attemptCount + 1. */
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  manual: boolean;
  createdAt: number;
  leaseToken: string;
  leaseExpiresAt: number;
};

export type ClaimInput = { leaseToken: string; leaseMs: number; limit: number; now: number };

export async function claimDueMessages(db: Db, input: ClaimInput): Promise<ClaimedMessage[]> {
  const { leaseToken, leaseMs, limit, now } = input;
  const leaseExpiresAt = now + leaseMs;
  const rows = await db.kysely
    .updateTable('webhook_messages')
    .set({ lease_owner: leaseToken, lease_expires_at: leaseExpiresAt, next_attempt_at: leaseExpiresAt, updated_at: now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_messages')
        .select('id')
        // A literal, so PostgreSQL's planner can use the partial index webhook_messages_pending_due.
        .where(sql<boolean>`status = 'pending'`)
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .$if(db.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked()),
    )
    .returning(['id', 'reseller_id', 'merchant_id', 'kind', 'url', 'method', 'headers', 'body', 'attempt_count', 'last_status_code', 'last_error', 'manual_attempt', 'created_at'])
    .execute();
  return rows.map((r) => ({
    id: r.id,
    owner: { reseller_id: r.reseller_id, merchant_id: r.merchant_id },
    kind: r.kind,
    url: r.url,
    method: r.method,
    headers: fromJson<Record<string, string>>(r.headers, {}),
    body: r.body,
    attemptCount: r.attempt_count,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    manual: r.manual_attempt === 1,
    createdAt: Number(r.created_at),
    leaseToken,
    leaseExpiresAt,
  }));
}

export type AttemptRecord = {
  id: string;
  attemptNumber: number;
  trigger: 'scheduled' | 'manual';
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
  outcome: 'succeeded' | 'retrying' | 'failed';
};

/** The next state of one claimed message; `attempt` is absent when it is handed back untried. */
export type Settlement = {
  id: string;
  leaseToken: string;
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  completedAt: number | null;
  manual: boolean;
  attempt?: AttemptRecord;
};

/**
 * Applies a batch of settlements in one transaction: one UPDATE … FROM (VALUES …) for the
 * messages, one multi-row INSERT for their attempts. Returns the ids still under our lease
 * (the others were re-claimed by someone else and are left alone).
 */
export async function settleMessages(db: Db, settlements: readonly Settlement[], now: number): Promise<Set<string>> {
  if (settlements.length === 0) return new Set();
  return db.kysely.transaction().execute(async (trx) => {
    const settled = await updateMessages(trx, db.dialect, settlements, now);
    const attempts = settlements.filter((s) => s.attempt !== undefined && settled.has(s.id));
    if (attempts.length > 0) {
      await trx
        .insertInto('webhook_attempts')
        .values(
          attempts.map(({ id, attempt: a }) => ({
            id: a!.id,
            message_id: id,
            attempt_number: a!.attemptNumber,
            trigger: a!.trigger,
            started_at: a!.startedAt,
            duration_ms: a!.durationMs,
            status_code: a!.statusCode,
            response_excerpt: a!.responseExcerpt,
            error: a!.error,
            outcome: a!.outcome,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return settled;
  });
}

async function updateMessages(trx: Kysely<Database>, dialect: Db['dialect'], settlements: readonly Settlement[], now: number): Promise<Set<string>> {
  // VALUES columns are named column1..column9 on both dialects. PostgreSQL needs the casts to
  // type its parameters; SQLite is faster without them, and needs `+status` so that its planner
  // finds rows by primary key instead of scanning the status index.
  const row =
    dialect === 'postgres'
      ? (s: Settlement) =>
          sql`(cast(${s.id} as text), cast(${s.leaseToken} as text), cast(${s.status} as text), cast(${s.attemptCount} as integer), cast(${s.nextAttemptAt} as bigint), cast(${s.lastStatusCode} as integer), cast(${s.lastError} as text), cast(${s.completedAt} as bigint), cast(${s.manual ? 1 : 0} as integer))`
      : (s: Settlement) =>
          sql`(${s.id}, ${s.leaseToken}, ${s.status}, ${s.attemptCount}, ${s.nextAttemptAt}, ${s.lastStatusCode}, ${s.lastError}, ${s.completedAt}, ${s.manual ? 1 : 0})`;
  const pending = dialect === 'postgres' ? sql`webhook_messages.status = 'pending'` : sql`+webhook_messages.status = 'pending'`;
  const { rows } = await sql<{ id: string }>`
    update webhook_messages set
      status = v.column3, attempt_count = v.column4, next_attempt_at = v.column5, last_status_code = v.column6,
      last_error = v.column7, completed_at = v.column8, manual_attempt = v.column9,
      lease_owner = null, lease_expires_at = null, updated_at = ${now}
    from (values ${sql.join(settlements.map(row))}) as v
    where webhook_messages.id = v.column1 and webhook_messages.lease_owner = v.column2 and ${pending}
    returning webhook_messages.id`.execute(trx);
  return new Set(rows.map((r) => r.id));
}

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
import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import { fromJson } from '../db/json.ts';
import { boundedMemo } from './bounded-memo.ts';

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
 * Applies a batch of settlements in one transaction: UPDATE … FROM (VALUES …) for the messages,
 * multi-row INSERTs for their attempts. Returns the ids still under our lease (the others were
 * re-claimed by someone else and are left alone).
 */
export async function settleMessages(db: Db, settlements: readonly Settlement[], now: number): Promise<Set<string>> {
  if (settlements.length === 0) return new Set();
  return db.kysely.transaction().execute(async (trx) => {
    const settled = new Set<string>();
    for (const part of statementParts(settlements)) {
      const params: unknown[] = [now];
      for (const s of part) params.push(s.id, s.leaseToken, s.status, s.attemptCount, s.nextAttemptAt, s.lastStatusCode, s.lastError, s.completedAt, s.manual ? 1 : 0);
      const { rows } = await trx.executeQuery<{ id: string }>(CompiledQuery.raw(settleSql(db.dialect, part.length), params));
      for (const row of rows) settled.add(row.id);
    }
    const attempts = settlements.filter((s) => s.attempt !== undefined && settled.has(s.id));
    for (const part of statementParts(attempts)) {
      const params: unknown[] = [];
      for (const { id, attempt: a } of part) {
        params.push(a!.id, id, a!.attemptNumber, a!.trigger, a!.startedAt, a!.durationMs, a!.statusCode, a!.responseExcerpt, a!.error, a!.outcome);
      }
      await trx.executeQuery(CompiledQuery.raw(attemptsSql(db.dialect, part.length), params));
    }
    return settled;
  });
}

// Settling runs for every message, so its SQL is written here rather than built by Kysely:
// compiling (and on SQLite preparing) a VALUES list of hundreds of rows cost about as much as
// running it. A batch is written in statements of at most MAX_STATEMENT_ROWS rows, each a
// multiple of ROW_STEP rows except the last (fewer than ROW_STEP), so a statement's text takes
// one of TEXT_FORMS forms: each is built once, and SQLite's statement cache (db/connection.ts)
// finds it prepared. The row cap also keeps a statement under SQLite's 32,766 parameters.
const ROW_STEP = 32;
const MAX_STATEMENT_ROWS = 512;
const TEXT_FORMS = MAX_STATEMENT_ROWS / ROW_STEP + ROW_STEP - 1;

function* statementParts<T>(rows: readonly T[]): Generator<readonly T[]> {
  let at = 0;
  while (rows.length - at >= ROW_STEP) {
    const left = rows.length - at;
    const size = Math.min(MAX_STATEMENT_ROWS, left - (left % ROW_STEP));
    yield rows.slice(at, (at += size));
  }
  if (at < rows.length) yield at === 0 ? rows : rows.slice(at);
}

type StatementText = (dialect: Db['dialect'], rows: number) => string;

/** `text`, built once per dialect and row count. */
function builtOnce(text: StatementText): StatementText {
  const sqlite = boundedMemo(TEXT_FORMS, (rows: number) => text('sqlite', rows));
  const postgres = boundedMemo(TEXT_FORMS, (rows: number) => text('postgres', rows));
  return (dialect, rows) => (dialect === 'sqlite' ? sqlite(rows) : postgres(rows));
}

/** `rows` tuples of `width` placeholders: `?` on SQLite, `$n` from `first` on PostgreSQL, with `casts` if given. */
function valuesList(dialect: Db['dialect'], rows: number, width: number, first: number, casts?: readonly string[]): string {
  const tuples: string[] = [];
  let n = first;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < width; c++, n++) {
      if (dialect === 'sqlite') cells.push('?');
      else cells.push(casts === undefined ? `$${n}` : `cast($${n} as ${casts[c]})`);
    }
    tuples.push(`(${cells.join(', ')})`);
  }
  return tuples.join(', ');
}

// The VALUES columns (column1..column9 on both dialects) and the types PostgreSQL needs to
// type its parameters; SQLite is faster without the casts.
const SETTLE_TYPES = ['text', 'text', 'text', 'integer', 'bigint', 'integer', 'text', 'bigint', 'integer'];

/**
 * Parameters: `now`, then per row its id, lease token, status, attempt count, next attempt,
 * last status code, last error, completed at, manual. SQLite needs `+status` so that its
 * planner finds rows by primary key instead of scanning the status index.
 */
const settleSql = builtOnce((dialect, rows) => {
  const pg = dialect === 'postgres';
  return `update webhook_messages set
      status = v.column3, attempt_count = v.column4, next_attempt_at = v.column5, last_status_code = v.column6,
      last_error = v.column7, completed_at = v.column8, manual_attempt = v.column9,
      lease_owner = null, lease_expires_at = null, updated_at = ${pg ? '$1' : '?'}
    from (values ${valuesList(dialect, rows, SETTLE_TYPES.length, 2, pg ? SETTLE_TYPES : undefined)}) as v
    where webhook_messages.id = v.column1 and webhook_messages.lease_owner = v.column2 and ${pg ? '' : '+'}webhook_messages.status = 'pending'
    returning webhook_messages.id`;
});

/** An attempt number is logged once: a worker that lost its lease and reports late is ignored. */
const attemptsSql = builtOnce(
  (dialect, rows) =>
    'insert into webhook_attempts (id, message_id, attempt_number, trigger, started_at, duration_ms, status_code, response_excerpt, error, outcome) ' +
    `values ${valuesList(dialect, rows, 10, 1)} on conflict do nothing`,
);

/**
 * Leases on leads: how several dispatchers (one per process, many processes on one
 * PostgreSQL) share the schedule without dialling a lead twice.
 *
 *   BACKLOG, due, lease free ──claimDueLeads──▶ BACKLOG + lease(token, expiry)
 *        ├── holdLeases (in the transaction that starts the attempt) ──▶ PROCESSING
 *        ├── deferLead ──▶ BACKLOG, next_attempt_at later, lease free
 *        └── process dies ──▶ the lease expires and any dispatcher claims the lead again
 *
 * A lease token is unique per claim, so a dispatcher whose lease ran out and was taken over
 * can never start an attempt on a lead it no longer holds. Cancel (src/api/routes/leads.ts)
 * only touches BACKLOG leads with a free or expired lease; `holdLeases` re-checks the status.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Dialect } from '../db/connection.ts';
import type { LeadRow } from '../db/repos/leads.ts';

/** Execution modes the dispatcher dials; web sessions (DAILY*) are started by their client. */
export const DIALLED_MODES = ['TELEPHONY', 'TELEPHONY_TEST'] as const;

export type ClaimOptions = { token: string; limit: number; now: number; leaseMs: number };

/**
 * Claims up to `limit` due BACKLOG leads, oldest due first. PostgreSQL: the candidate rows are
 * locked with SKIP LOCKED, so concurrent claimers take disjoint sets without waiting, and a row
 * changed by a claimer that committed first is re-checked against the conditions when locked
 * (READ COMMITTED), so it drops out. SQLite has one writer at a time, so the statement is atomic
 * as it is. The outer update filters on the id list only, which lets SQLite use the primary key.
 */
export async function claimDueLeads(db: Kysely<Database>, dialect: Dialect, o: ClaimOptions): Promise<LeadRow[]> {
  if (o.limit <= 0) return [];
  return db
    .updateTable('leads')
    .set({ lease_owner: o.token, lease_expires_at: o.now + o.leaseMs })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('leads')
        .select('id')
        .where('status', '=', 'BACKLOG')
        .where('next_attempt_at', '<=', o.now)
        .where('execution_mode', 'in', DIALLED_MODES)
        .where((w) => w.or([w('lease_expires_at', 'is', null), w('lease_expires_at', '<', o.now)]))
        .orderBy('next_attempt_at')
        .limit(o.limit)
        .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
    )
    .returningAll()
    .execute();
}

/**
 * Inside the transaction that acts on claimed leads: the ids of those still BACKLOG and still
 * held under the given tokens. On PostgreSQL the update also locks those rows until the
 * transaction ends, so a concurrent cancel waits and then finds the lead PROCESSING. The lease
 * is renewed, so that the provider request that follows has a whole lease before a sweeper may
 * look at it. One statement per distinct token (a dial group spans a claim or two).
 */
export async function holdLeases(
  trx: Transaction<Database>,
  dialect: Dialect,
  leads: readonly { id: string; token: string }[],
  now: number,
  leaseMs: number,
): Promise<Set<string>> {
  const byToken = new Map<string, string[]>();
  for (const { id, token } of leads) byToken.set(token, [...(byToken.get(token) ?? []), id]);
  // SQLite's planner, without statistics, would walk the (status, next_attempt_at) index over
  // every BACKLOG lead instead of looking the ids up (1.3 ms instead of 0.1 at 10,000 due
  // leads); a unary + keeps the status term out of index selection.
  const backlog = dialect === 'sqlite' ? sql<boolean>`+status = 'BACKLOG'` : sql<boolean>`status = 'BACKLOG'`;
  const held = new Set<string>();
  for (const [token, ids] of byToken) {
    const rows = await trx
      .updateTable('leads')
      .set({ updated_at: now, lease_expires_at: now + leaseMs })
      .where('id', 'in', ids)
      .where(backlog)
      .where('lease_owner', '=', token)
      .returning('id')
      .execute();
    for (const row of rows) held.add(row.id);
  }
  return held;
}

/** Keeps a claimed lead ours until `until` (work that may outlast the lease, e.g. pre-checks). */
export async function extendLease(db: Kysely<Database>, leadId: string, token: string, until: number): Promise<boolean> {
  const result = await db
    .updateTable('leads')
    .set({ lease_expires_at: until })
    .where('id', '=', leadId)
    .where('status', '=', 'BACKLOG')
    .where('lease_owner', '=', token)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Puts a claimed lead back to wait until `until`, releasing the lease. No attempt is spent. */
export async function deferLead(db: Kysely<Database>, leadId: string, token: string, until: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('leads')
    .set({ next_attempt_at: until, lease_owner: null, lease_expires_at: null, updated_at: now })
    .where('id', '=', leadId)
    .where('status', '=', 'BACKLOG')
    .where('lease_owner', '=', token)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The sweeper's lease on a PROCESSING lead whose attempt it reconciles, taken only when no
 * one else holds one (the dispatcher that started the attempt keeps its claim lease).
 */
export async function claimProcessingLead(db: Kysely<Database>, leadId: string, token: string, now: number, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('leads')
    .set({ lease_owner: token, lease_expires_at: now + leaseMs })
    .where('id', '=', leadId)
    .where('status', '=', 'PROCESSING')
    .where((w) => w.or([w('lease_expires_at', 'is', null), w('lease_expires_at', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives a lease back (the lead stays in whatever state it is in). */
export async function releaseLease(db: Kysely<Database>, leadId: string, token: string): Promise<void> {
  await db.updateTable('leads').set({ lease_owner: null, lease_expires_at: null }).where('id', '=', leadId).where('lease_owner', '=', token).execute();
}

/**
 * Serialises transactions about these destination numbers (PostgreSQL; SQLite has one writer).
 * Taken in sorted order, so that two groups sharing destinations cannot deadlock.
 */
export async function lockDestinations(trx: Transaction<Database>, dialect: Dialect, phones: Iterable<string>): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const phone of [...new Set(phones)].sort()) await sql`select pg_advisory_xact_lock(hashtext(${`buddy:dest:${phone}`}))`.execute(trx);
}

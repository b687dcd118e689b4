/**
 * Records placed calls (the provider's call id on the attempt and on the lead) in groups
 * (grouper.ts): the calls placed while one transaction commits are written together by the
 * next, so a busy dispatcher pays about one commit for many calls instead of one each.
 *
 * A call id that is never written (crash, failed write) only leaves an attempt without a call
 * id, which the sweeper looks up at the provider.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Db } from '../db/connection.ts';
import { recordPlacedCalls } from '../calls/attempts.ts';
import { createGrouper } from './grouper.ts';

type PlacedCall = { attemptId: string; callId: string };

export type CallRecorder = { record(attemptId: string, callId: string): Promise<void> };

/** One call, in its own transaction: attempt and lead both or neither. */
export async function recordCall(db: Db, attemptId: string, callId: string): Promise<void> {
  await writeCalls(db, [{ attemptId, callId }]);
}

// PostgreSQL commits without waiting for the WAL flush: losing this write in a database crash
// costs a lookup by the sweeper, never a call, so it need not cost an fsync per call.
async function writeCalls(db: Db, calls: PlacedCall[]): Promise<void[]> {
  await db.kysely.transaction().execute(async (trx) => {
    if (db.dialect === 'postgres') await sql`set local synchronous_commit to off`.execute(trx);
    await recordPlacedCalls(trx as Kysely<Database>, calls);
  });
  return calls.map(() => undefined);
}

export function createCallRecorder(db: Db): CallRecorder {
  const write = createGrouper<PlacedCall, void>((calls) => writeCalls(db, calls), 500);
  return { record: (attemptId, callId) => write({ attemptId, callId }) };
}

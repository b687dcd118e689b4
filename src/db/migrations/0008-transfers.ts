import { type Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

/**
 * Warm transfers (src/transfer): one row per hand-over of a call to a human agent. A call may
 * try more than once (the AI carries on after a failed transfer and may transfer again); the
 * lead's `metaData.transfer` shows the latest. New table only, so the migration can be re-run.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('call_transfers')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('attempt_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('room', 'text', (c) => c.notNull())
    .addColumn('agent_number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('error', 'text')
    .addColumn('agent_call_id', 'text')
    .addColumn('conference_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_transfers_attempt').ifNotExists().on('call_transfers').columns(['attempt_id', 'created_at']).execute();
}

import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

/**
 * The dispatcher derives what it counts from call_attempts rows rather than keeping counters
 * (src/dispatch/channels.ts), so it only needs indexes: open attempts per number (channels in
 * use) and recent attempts per destination (the outbound rate limit). Safe to re-run.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('call_attempts_number_open').ifNotExists().on('call_attempts').columns(['number_id', 'finished_at']).execute();
  await db.schema.createIndex('call_attempts_destination').ifNotExists().on('call_attempts').columns(['to_number', 'created_at']).execute();
}

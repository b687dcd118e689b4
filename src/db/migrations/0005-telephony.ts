import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

/**
 * Telephony: the answer documents served per call turn, inbound call routing records, the
 * inbound rate-limit windows and what registering a number did at its provider. New tables
 * only (created if absent), so the migration is safe to re-run.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;

  // One row per answer document served to a call: turn 0 answers the call, turn n answers the
  // n-th gather. A provider that repeats a request gets the same document again, and providers
  // whose flow fetches the document separately (Exotel's applets) read the latest one.
  await db.schema
    .createTable('call_turns')
    .ifNotExists()
    .addColumn('attempt_id', 'text', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('document', json)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_turns_pk', ['attempt_id', 'turn'])
    .execute();

  // Every inbound call Buddy answered: routed to a template (lead_id), a menu, or blocked
  // (outcome BLOCKED_REJECT / BLOCKED_REDIRECT / CAPACITY_REJECTED; blocked calls have no lead).
  await db.schema
    .createTable('inbound_calls')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('reseller_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('number_id', 'text')
    .addColumn('template_id', 'text')
    .addColumn('lead_id', 'text')
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbound_calls_call').ifNotExists().on('inbound_calls').columns(['provider', 'call_id']).execute();
  await db.schema.createIndex('inbound_calls_owner').ifNotExists().on('inbound_calls').columns(['reseller_id', 'created_at']).execute();

  // Fixed-window counters of the inbound rate limit: one row per (bucket, window start).
  await db.schema
    .createTable('inbound_rate_counters')
    .ifNotExists()
    .addColumn('bucket', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_rate_counters_pk', ['bucket', 'window_start'])
    .execute();

  // What registering a number configured at its provider (Twilio number URLs, Plivo application).
  await db.schema
    .createTable('number_provider_setup')
    .ifNotExists()
    .addColumn('number_id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('configured', 'integer', (c) => c.notNull())
    .addColumn('provider_ref', 'text')
    .addColumn('detail', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

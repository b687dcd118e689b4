import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

/**
 * Delivery: the attempt log of every outbound webhook, signing secrets per merchant (or
 * reseller), and the indexes the delivery workers claim by. Safe to re-run from the top.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // One row per HTTP attempt of a webhook message, written with the message's new state.
  await db.schema
    .createTable('webhook_attempts')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('attempt_number', 'integer', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_excerpt', 'text')
    .addColumn('error', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .execute();
  // Unique: an attempt number is logged once, even if a worker that lost its lease reports late.
  await db.schema
    .createIndex('webhook_attempts_message')
    .ifNotExists()
    .on('webhook_attempts')
    .columns(['message_id', 'attempt_number'])
    .unique()
    .execute();

  // Standard Webhooks secrets. owner_key = "<reseller>/<merchant or *>"; at most one secret per
  // owner has no expiry (the current one); rotated-out secrets keep signing until expires_at.
  await db.schema
    .createTable('webhook_signing_secrets')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revealed_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .execute();
  await sql`create unique index if not exists webhook_signing_secrets_current on webhook_signing_secrets (owner_key) where expires_at is null`.execute(db);
  await sql`create index if not exists webhook_signing_secrets_owner on webhook_signing_secrets (owner_key, expires_at)`.execute(db);

  // A person's resend / requeue is tried once; a failure of that attempt is final.
  // (Checked in this schema only: introspection would also list other schemas' tables.)
  if (dialect === 'postgres') {
    await sql`alter table webhook_messages add column if not exists manual_attempt integer not null default 0`.execute(db);
  } else {
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info('webhook_messages')`.execute(db);
    if (!rows.some((c) => c.name === 'manual_attempt')) {
      await sql`alter table webhook_messages add column manual_attempt integer not null default 0`.execute(db);
    }
  }
  // The claim query scans only pending rows in due order (the literal must match the query's).
  // It replaces 0002's (status, next_attempt_at) index, which every claim and settle would also
  // have to maintain for rows that are never looked up by it again.
  await sql`create index if not exists webhook_messages_pending_due on webhook_messages (next_attempt_at) where status = 'pending'`.execute(db);
  await sql`drop index if exists webhook_messages_due`.execute(db);
  // Re-queue of failed messages in a time range: created_at never changes, so this index costs
  // nothing when a message changes state.
  await db.schema.createIndex('webhook_messages_created').ifNotExists().on('webhook_messages').column('created_at').execute();
}

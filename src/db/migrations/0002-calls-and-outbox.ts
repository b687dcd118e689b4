import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;

  // One row per dial attempt of a lead: its own call id, facts and outcome (reference §6.2).
  await db.schema
    .createTable('call_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('attempt_number', 'integer', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('is_test', 'integer', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('number_id', 'text')
    .addColumn('from_number', 'text')
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('dial_key', 'text', (c) => c.notNull().unique())
    .addColumn('call_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_rank', 'integer', (c) => c.notNull())
    .addColumn('last_sequence', 'integer')
    .addColumn('last_event_at', 'bigint')
    .addColumn('platform_status', 'text')
    .addColumn('platform_reason', 'text')
    .addColumn('provider_status', 'text')
    .addColumn('provider_reason', 'text')
    .addColumn('provider_hangup_cause', 'text')
    .addColumn('session_end_reason', 'text')
    .addColumn('agent_outcome', 'text')
    .addColumn('agent_outcome_source', 'text')
    .addColumn('outcome', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('call_ended_by', 'text')
    .addColumn('duration_seconds', 'integer')
    .addColumn('recording_url', 'text')
    .addColumn('conversation', json)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_attempts_lead').on('call_attempts').columns(['lead_id', 'attempt_number']).unique().execute();
  await db.schema.createIndex('call_attempts_call_id').on('call_attempts').columns(['provider', 'call_id']).execute();
  await db.schema.createIndex('call_attempts_open').on('call_attempts').columns(['finished_at', 'created_at']).execute();

  // The outbox: every outbound webhook, written in the transaction of the change that causes it.
  await db.schema
    .createTable('webhook_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('lead_id', 'text')
    .addColumn('call_attempt_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('headers', json, (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_messages_due').on('webhook_messages').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_messages_lead').on('webhook_messages').columns(['lead_id', 'created_at']).execute();
}

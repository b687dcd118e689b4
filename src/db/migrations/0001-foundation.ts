import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

// JSON documents: JSONB where the database has it, TEXT on SQLite (see src/db/schema.ts).
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('reseller_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('reseller_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('contact_email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('merchants_reseller').on('merchants').column('reseller_id').execute();

  await db.schema
    .createTable('templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('flow', json, (c) => c.notNull())
    .addColumn('expected_payload_schema', json)
    .addColumn('configurations', json, (c) => c.notNull())
    .addColumn('secrets', json, (c) => c.notNull())
    .addColumn('expected_callback_response_schema', json)
    .addColumn('outbound_number_id', 'text')
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // A lead names its template; the name is unique within one owner (reseller, merchant or none).
  await db.schema
    .createIndex('templates_owner_name')
    .on('templates')
    .unique()
    .expression(sql`reseller_id, coalesce(merchant_id, ''), name`)
    .execute();

  await db.schema
    .createTable('call_configs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('template_id', 'text', (c) => c.notNull().unique().references('templates.id').onDelete('cascade'))
    .addColumn('settings', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('phone_number', 'text', (c) => c.notNull().unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('maximum_channels', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('blacklist')
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blacklist_pk', ['reseller_id', 'phone_number'])
    .execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secrets', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('template_name', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('payload', json, (c) => c.notNull())
    .addColumn('reporting_webhook_url', 'text')
    .addColumn('execution_mode', 'text', (c) => c.notNull())
    .addColumn('is_playground', 'integer', (c) => c.notNull())
    .addColumn('configurations_override', json)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('attempt_count', 'integer', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('recording_url', 'text')
    .addColumn('meta_data', json, (c) => c.notNull())
    .addColumn('platform_status', 'text')
    .addColumn('platform_reason', 'text')
    .addColumn('provider_status', 'text')
    .addColumn('provider_reason', 'text')
    .addColumn('provider_hangup_cause', 'text')
    .addColumn('session_end_reason', 'text')
    .addColumn('agent_outcome', 'text')
    .addColumn('agent_outcome_source', 'text')
    .addColumn('call_direction', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  // The dial schedule: due BACKLOG leads in time order.
  await db.schema.createIndex('leads_due').on('leads').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('leads_owner_created').on('leads').columns(['reseller_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('leads_request_id').on('leads').column('request_id').execute();
  await db.schema.createIndex('leads_call_id').on('leads').column('call_id').execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal', 'key'])
    .execute();
}

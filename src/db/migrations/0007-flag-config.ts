import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const json = dialect === 'postgres' ? sql`jsonb` : sql`text`;

  // The last good DevCycle config document, shared by every process on this database. `version`
  // goes up on each change; processes poll it (cheap) and load the document only when it moved.
  // The row itself is created on first write (INSERT … ON CONFLICT DO NOTHING), so this
  // migration only creates objects and can be re-run after a crash.
  await db.schema
    .createTable('flag_config')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', json)
    .addColumn('content_hash', 'text')
    .addColumn('etag', 'text')
    .addColumn('source_modified_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // DevCycle webhook notifications already seen (by any process), to refresh once per change.
  await db.schema
    .createTable('flag_notifications')
    .ifNotExists()
    .addColumn('dedupe_key', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flag_notifications_received').ifNotExists().on('flag_notifications').column('received_at').execute();
}

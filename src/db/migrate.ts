/**
 * Append-only, numbered migrations shared by both dialects. Never edit a shipped migration;
 * add the next number. Kysely runs SQLite migrations without a transaction, so each migration
 * must be safe to re-run from the top after a crash (ours only create objects).
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Dialect } from './connection.ts';
import * as foundation from './migrations/0001-foundation.ts';
import * as callsAndOutbox from './migrations/0002-calls-and-outbox.ts';
import * as delivery from './migrations/0003-delivery.ts';
import * as dispatch from './migrations/0004-dispatch.ts';
import * as telephony from './migrations/0005-telephony.ts';
import * as flagConfig from './migrations/0007-flag-config.ts';
import * as transfers from './migrations/0008-transfers.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-foundation': foundation,
  '0002-calls-and-outbox': callsAndOutbox,
  '0003-delivery': delivery,
  '0004-dispatch': dispatch,
  '0005-telephony': telephony,
  '0007-flag-config': flagConfig,
  '0008-transfers': transfers,
};

class InCodeMigrations implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, this.dialect) }]),
    );
  }
}

export async function migrateToLatest(db: Db): Promise<void> {
  // PostgreSQL: Kysely looks for its bookkeeping tables in every schema it can see, so another
  // schema's (a parallel test's, another deployment's) would hide ours; name the one we use.
  const migrationTableSchema =
    db.dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely)).rows[0]?.schema : undefined;
  // Unordered: migrations developed in parallel may land with numbers below one already applied.
  const migrator = new Migrator({ db: db.kysely, provider: new InCodeMigrations(db.dialect), allowUnorderedMigrations: true, migrationTableSchema });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (!error && !failed) return;
    // That listing fails with invalid_schema_name when another schema is dropped meanwhile (a
    // parallel test's); nothing has run yet, so it is safe to look again.
    if (!failed && (error as { code?: unknown } | undefined)?.code === PG_INVALID_SCHEMA_NAME && attempt < 3) continue;
    throw new Error(`migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}

const PG_INVALID_SCHEMA_NAME = '3F000';

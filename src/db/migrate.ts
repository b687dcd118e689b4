/**
 * Append-only, numbered migrations shared by both dialects. Never edit a shipped migration;
 * add the next number. Kysely runs SQLite migrations without a transaction, so each migration
 * must be safe to re-run from the top after a crash (ours only create objects).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Dialect } from './connection.ts';
import * as foundation from './migrations/0001-foundation.ts';
import * as callsAndOutbox from './migrations/0002-calls-and-outbox.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-foundation': foundation,
  '0002-calls-and-outbox': callsAndOutbox,
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
  // Unordered: migrations developed in parallel may land with numbers below one already applied.
  const migrator = new Migrator({ db: db.kysely, provider: new InCodeMigrations(db.dialect), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}

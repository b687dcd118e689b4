/**
 * Opens the database for the configured dialect: SQLite (better-sqlite3, WAL) by default,
 * PostgreSQL (pg pool) when DATABASE_URL is a postgres URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { DatabaseConfig } from '../config/config.ts';
import type { Database } from './schema.ts';

export type Dialect = DatabaseConfig['dialect'];

export type Db = {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /**
   * PostgreSQL only: a new, unconnected client with the pool's settings, for work that needs one
   * session for its whole life (LISTEN) and must not hold a pooled connection.
   */
  dedicatedClient?: () => pg.Client;
  close(): Promise<void>;
};

// BIGINT (epoch ms) columns come back from pg as strings unless told otherwise; every value we
// store fits in a double (ms timestamps, counters).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type OpenOptions = {
  /** PostgreSQL only: run every query in this schema (tests isolate themselves this way). */
  schema?: string;
  poolSize?: number;
};

/**
 * Kysely prepares every query anew; preparing costs about as much as running a small one, so
 * prepared statements are kept by SQL text. Safe on one connection that runs one query at a time.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= 1000) cache.clear(); // queries with long IN lists vary in text
        statement = sqlite.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Db {
  if (config.dialect === 'sqlite') {
    if (config.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(config.path)), { recursive: true });
    const sqlite = new SQLite(config.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
  }
  const settings = { connectionString: config.url, ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}) };
  const pool = new pg.Pool({ ...settings, max: options.poolSize ?? 10 });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', dedicatedClient: () => new pg.Client(settings), close: () => kysely.destroy() };
}

/** Services wired to the fake config CDN, and databases that several services share. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPgSchema, dropPgSchema, type TestDialect, type TestServiceOptions } from '../../support/service.ts';
import { SERVER_KEY, WEBHOOK_SECRET } from './devcycle-fixtures.ts';

/** DevCycle on, pointed at `cdnUrl`; the CDN is polled rarely, so changes come by webhook + database. */
export function devcycleEnv(cdnUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DEVCYCLE_SERVER_KEY: SERVER_KEY,
    DEVCYCLE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    DEVCYCLE_CONFIG_URL: cdnUrl,
    DEVCYCLE_POLL_INTERVAL_SECONDS: '600',
    DEVCYCLE_REQUEST_TIMEOUT_MS: '2000',
    FLAG_SYNC_INTERVAL_MS: '100',
    ...extra,
  };
}

export type SharedDatabase = {
  /** Pass to every startTestService sharing the database. */
  env: Record<string, string>;
  options: TestServiceOptions;
  /** DATABASE_URL for a separate OS process on the same database. */
  processDatabaseUrl: string;
  drop(): Promise<void>;
};

export async function sharedDatabase(dialect: TestDialect): Promise<SharedDatabase> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buddy-flags-'));
    const url = `sqlite:${path.join(dir, 'buddy.sqlite')}`;
    return { env: { DATABASE_URL: url }, options: {}, processDatabaseUrl: url, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const pgUrl = process.env.TEST_DATABASE_URL!;
  const schema = await createPgSchema(pgUrl);
  const separator = pgUrl.includes('?') ? '&' : '?';
  return {
    env: {},
    options: { schema },
    processDatabaseUrl: `${pgUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: () => dropPgSchema(pgUrl, schema),
  };
}

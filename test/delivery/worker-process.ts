// A delivery worker alone in its own process, for the crash test (worker.crash-recovery.test.ts):
// configured from the environment, DATABASE_URL (+ PG_SCHEMA on PostgreSQL) already migrated.
// Prints "ready" once loaded and starts delivering when it reads a line on stdin (so a test can
// pay the start-up cost in advance); SIGTERM stops it gracefully, SIGKILL is the crash under test.
import pino from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { createEnvFlagStore } from '../../src/flags/flag-store.ts';
import { createDeliveryWorker } from '../../src/delivery/worker.ts';

const config = loadConfig(process.env);
const db = openDatabase(config.database, process.env.PG_SCHEMA ? { schema: process.env.PG_SCHEMA } : {});
const worker = createDeliveryWorker({ db, config: config.delivery, flags: createEnvFlagStore(), logger: pino({ level: config.logLevel }) });
process.stdin.once('data', () => worker.start());
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void worker
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});

/**
 * Wires one Buddy process: database (migrated), first admin, token service, HTTP app.
 * `main.ts serve` and the tests both start the service through here.
 */
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.ts';
import { openDatabase, type Db, type OpenOptions } from './db/connection.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createTokenService, loadJwtSecret } from './auth/tokens.ts';
import { hashPassword } from './auth/passwords.ts';
import { buildApp } from './api/app.ts';
import { newId, now } from './core/ids.ts';
import type { FlagStore } from './flags/flag-store.ts';
import { createFlags } from './flags/index.ts';
import { createDispatchTasks } from './dispatch/index.ts';
import { createMetrics } from './api/metrics.ts';
import { createDeliveryWorker } from './delivery/worker.ts';
import { createEnqueueBroadcaster, createEnqueueListener } from './delivery/cross-node-wakeups.ts';
import { createTelephony, type Telephony } from './telephony/telephony.ts';

/** A loop that runs beside the HTTP server (dispatcher, delivery workers, sweepers). */
export type BackgroundTask = { name: string; start(): void; stop(): Promise<void> };

export type Service = {
  config: Config;
  db: Db;
  app: FastifyInstance;
  logger: Logger;
  flags: FlagStore;
  tasks: BackgroundTask[];
  /** Provider runtime, in-process emulator (TELEPHONY_TEST leads) and the dispatcher's call placer. */
  telephony: Telephony;
  /** Starts the background tasks (after `app.listen`, since some call back into the app). */
  startBackground(): void;
  close(): Promise<void>;
};

export function createLogger(level: string): Logger {
  return pino({
    level,
    // Secrets must never reach a log line, whatever object a caller logs.
    redact: {
      paths: ['req.headers.authorization', '*.password', '*.secrets', '*.api_key', '*.auth_token', 'headers.authorization'],
      censor: '***',
    },
  });
}

/** Creates the first admin from BUDDY_ADMIN_EMAIL / BUDDY_ADMIN_PASSWORD when there is no admin yet. */
async function ensureFirstAdmin(db: Db, config: Config, logger: Logger): Promise<void> {
  if (!config.adminEmail || !config.adminPassword) return;
  const existing = await db.kysely.selectFrom('users').select('id').where('role', '=', 'admin').executeTakeFirst();
  if (existing) return;
  await db.kysely
    .insertInto('users')
    .values({
      id: newId(),
      email: config.adminEmail.toLowerCase(),
      password_hash: await hashPassword(config.adminPassword),
      role: 'admin',
      reseller_id: null,
      merchant_id: null,
      created_at: now(),
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
  logger.info({ email: config.adminEmail }, 'created the first admin user');
}

export async function createService(config: Config, options: OpenOptions & { logger?: Logger } = {}): Promise<Service> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.database, options);
  try {
    await migrateToLatest(db);
    await ensureFirstAdmin(db, config, logger);
    const tokens = createTokenService(db, await loadJwtSecret(db, config.jwtSecret), config.accessTokenTtlSeconds);
    // DevCycle-backed when DEVCYCLE_SERVER_KEY is set (its poller is a background task), env otherwise.
    const { flags, devcycle, tasks: flagTasks } = await createFlags({ config, db, logger });
    const tasks: BackgroundTask[] = [...flagTasks];
    const telephony = await createTelephony({ config, db, logger });
    tasks.push(telephony.task);
    // Background tasks record their metrics on the app's registry.
    const metrics = createMetrics(db);
    // The dispatcher and its sweeper (BUDDY_DISPATCHER_ENABLED=false on API-only nodes).
    if (config.dispatch.enabled) {
      tasks.push(...(await createDispatchTasks({ config, db, flags, logger, placer: telephony.placer, metrics: metrics.dispatch })).tasks);
    }
    // Webhook delivery (WEBHOOK_WORKER_ENABLED=false on API-only nodes, which on PostgreSQL wake
    // the worker nodes when they enqueue).
    if (config.delivery.workerEnabled) {
      const worker = createDeliveryWorker({ db, config: config.delivery, flags, logger, metrics: metrics.delivery });
      tasks.push(worker);
      if (db.dialect === 'postgres') tasks.push(createEnqueueListener(db, worker.wake, logger));
    } else if (db.dialect === 'postgres') {
      tasks.push(createEnqueueBroadcaster(db, logger));
    }
    const app = await buildApp({ config, db, tokens, logger, flags, devcycle, metrics, telephony: telephony.app });
    await app.ready();
    let started = false;
    return {
      config,
      db,
      app,
      logger,
      flags,
      tasks,
      telephony,
      startBackground() {
        if (started) return;
        started = true;
        for (const task of tasks) task.start();
      },
      async close() {
        // Stop the loops first so that none of them writes to a closing database.
        await Promise.all(tasks.map((task) => task.stop()));
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * Wakes the delivery workers of other nodes when messages are enqueued, through PostgreSQL
 * LISTEN/NOTIFY. Within one node signals.ts does this in process; this carries it across nodes
 * for the deployment where it matters: API-only nodes (WEBHOOK_WORKER_ENABLED=false) receive
 * the provider callbacks that finish attempts, so they enqueue reporting webhooks they do not
 * send. Such a node broadcasts each (coalesced) enqueue; nodes with a worker listen and claim at
 * once instead of at their next poll. Nodes with a worker do not broadcast: their own worker
 * already has the message, and waking every other node would only make them race for it.
 *
 * A lost notification (a dropped connection, a node restarting) costs latency, never a message:
 * the poll (WEBHOOK_POLL_INTERVAL_MS) stays the safety net. The payload is the sender's schema,
 * so deployments sharing one database in different schemas do not wake each other.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { BackgroundTask } from '../service.ts';
import { onEnqueued } from './signals.ts';

const CHANNEL = 'buddy_webhook_enqueued';
const RECONNECT_MS = 1_000;

/** On a node without a delivery worker: NOTIFY after each enqueue (one at a time, bursts coalesced). */
export function createEnqueueBroadcaster(db: Db, logger: Logger): BackgroundTask {
  let unsubscribe: (() => void) | undefined;
  let sending: Promise<void> | null = null;
  let again = false;

  function broadcast(): void {
    if (sending) {
      again = true;
      return;
    }
    again = false;
    sending = sql`select pg_notify(${CHANNEL}, current_schema())`
      .execute(db.kysely)
      .then(
        () => undefined,
        (err: unknown) => logger.warn({ err }, 'webhook delivery: could not wake the worker nodes; they find the messages at their next poll'),
      )
      .finally(() => {
        sending = null;
        if (again) broadcast();
      });
  }

  return {
    name: 'webhook-enqueue-broadcaster',
    start() {
      unsubscribe ??= onEnqueued(broadcast);
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      again = false;
      await sending;
    },
  };
}

/** On a node with a delivery worker: LISTEN on a dedicated connection and `wake` the worker. */
export function createEnqueueListener(db: Db, wake: () => void, logger: Logger): BackgroundTask {
  const newClient = db.dedicatedClient;
  if (!newClient) throw new Error('cross-node wakeups need PostgreSQL');
  let client: pg.Client | null = null;
  let running = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = newClient!();
    client = c;
    c.on('error', (err) => reconnect(c, err));
    c.on('end', () => reconnect(c));
    try {
      await c.connect();
      const { rows } = await c.query<{ schema: string }>('select current_schema() as schema');
      const schema = rows[0]?.schema;
      c.on('notification', (n) => {
        if (n.channel === CHANNEL && n.payload === schema) wake();
      });
      await c.query(`listen ${CHANNEL}`);
      // Anything enqueued while we were not listening.
      wake();
    } catch (err) {
      reconnect(c, err);
    }
  }

  function reconnect(c: pg.Client, err?: unknown): void {
    if (client !== c) return; // already replaced
    client = null;
    c.removeAllListeners('end');
    void c.end().catch(() => {});
    if (!running) return;
    logger.warn({ err }, 'webhook delivery: lost the LISTEN connection; reconnecting (polling meanwhile)');
    retry = setTimeout(() => void connect(), RECONNECT_MS);
  }

  return {
    name: 'webhook-enqueue-listener',
    start() {
      if (running) return;
      running = true;
      void connect();
    },
    async stop() {
      running = false;
      clearTimeout(retry);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => {});
      }
    },
  };
}

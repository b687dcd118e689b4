// A worker process SIGKILLed in the middle of a stream of deliveries loses nothing: another
// process re-claims the unfinished messages when their leases run out and delivers them. Only a
// message whose attempt had not been recorded when the process died may arrive twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSchema, DIALECTS, dropPgSchema } from '../support/service.ts';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import type { DatabaseConfig } from '../../src/config/config.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { enqueueMessages } from '../../src/delivery/outbox.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { waitFor } from './delivery-harness.ts';

const WORKER = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const MESSAGES = 400;

/** Spawns a worker process; resolves once it is loaded (it starts delivering on `go`). */
function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });
}

const go = (child: ChildProcess) => child.stdin!.write('go\n');

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe.each(DIALECTS)('a worker process killed mid-delivery (%s)', (dialect) => {
  let receiver: LocalReceiver;
  let db: Db;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // 20 ms per request, 8 at a time: the stream lasts about a second.
    receiver = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), 20));
    let config: DatabaseConfig;
    let url: string;
    let schema: string | undefined;
    if (dialect === 'postgres') {
      url = process.env.TEST_DATABASE_URL!;
      schema = await createPgSchema(url);
      config = { dialect: 'postgres', url };
      cleanup = () => dropPgSchema(url, schema!);
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'buddy-crash-'));
      config = { dialect: 'sqlite', path: path.join(dir, 'buddy.sqlite') };
      url = `sqlite:${config.path}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    db = openDatabase(config, schema ? { schema } : {});
    await migrateToLatest(db);
    env = {
      DATABASE_URL: url,
      ...(schema ? { PG_SCHEMA: schema } : {}),
      LOG_LEVEL: 'silent',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
      WEBHOOK_DESTINATION_CONCURRENCY: '8',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_LEASE_MS: '3000',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_RETRY_POLICY: '0,0,0',
    };
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await db.close();
    await receiver.close();
    await cleanup();
  });

  it('loses nothing, and resends only messages whose attempt had not finished', async () => {
    const owner = { reseller_id: 'res_1', merchant_id: 'mer_a' };
    const ids = await enqueueMessages(
      db.kysely,
      Array.from({ length: MESSAGES }, (_, i) => ({ kind: 'reporting' as const, owner, leadId: null, url: `${receiver.url}/report`, body: { i } })),
    );

    // Both processes load first: start-up under tsx costs seconds on a busy machine.
    const [first, second] = await Promise.all([spawnWorker(env), spawnWorker(env)]);
    children.push(first, second);
    go(first);
    await waitFor(() => receiver.requests.length >= 100, 10_000, 'the first worker to deliver 100');
    first.kill('SIGKILL');
    await exited(first);

    const rows = await db.kysely.selectFrom('webhook_messages').select(['id', 'status', 'lease_owner']).execute();
    const recordedBeforeKill = new Set(rows.filter((r) => r.status === 'succeeded').map((r) => r.id));
    const leasedAtKill = new Set(rows.filter((r) => r.status === 'pending' && r.lease_owner !== null).map((r) => r.id));
    expect(recordedBeforeKill.size).toBeGreaterThan(0);
    expect(recordedBeforeKill.size).toBeLessThan(MESSAGES);
    expect(leasedAtKill.size).toBeGreaterThan(0);

    go(second);
    await waitFor(
      async () => {
        const left = await db.kysely.selectFrom('webhook_messages').select('id').where('status', '!=', 'succeeded').execute();
        return left.length === 0;
      },
      15_000,
      'every message to be delivered',
    );
    second.kill('SIGTERM');
    await exited(second);

    const received = new Map<string, number>();
    for (const r of receiver.requests) received.set(String(r.headers['webhook-id']), (received.get(String(r.headers['webhook-id'])) ?? 0) + 1);
    for (const id of ids) expect(received.get(id) ?? 0).toBeGreaterThanOrEqual(1);
    for (const id of recordedBeforeKill) expect(received.get(id)).toBe(1);
    for (const [id, count] of received) if (count > 1) expect(leasedAtKill.has(id)).toBe(true);

    // One recorded attempt per message: an attempt cut off by the crash is redone under its number.
    const attempts = await db.kysely.selectFrom('webhook_attempts').select(['message_id', 'attempt_number', 'outcome']).execute();
    expect(attempts).toHaveLength(MESSAGES);
    expect(attempts.every((a) => a.attempt_number === 1 && a.outcome === 'succeeded')).toBe(true);
  });
});

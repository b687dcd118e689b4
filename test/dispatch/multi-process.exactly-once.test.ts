/**
 * Three `buddy serve` processes share one PostgreSQL schema and dial 2,000 due leads through a
 * fake Twilio in this process. One of them is killed with SIGKILL mid-run: its leased leads must
 * come back after the lease, and the calls it had sent but not recorded must be found again by
 * the sweeper (not dialled twice). Every lead ends with exactly one provider request and call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSchema, dropPgSchema } from '../support/service.ts';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.ts';
import { seedDueLeads } from '../support/seed-leads.ts';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

const PG_URL = process.env.TEST_DATABASE_URL;
const LEADS = 2_000;

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startNode(env: Record<string, string>): { child: ChildProcess; listening: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('buddy is listening')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`buddy exited with ${code}: ${output.slice(-2000)}`)));
  });
  return { child, listening };
}

describe.skipIf(!PG_URL)('three processes on one PostgreSQL', () => {
  let schema: string;
  let db: Db;
  let twilio: FakeTwilio;
  const nodes: ChildProcess[] = [];
  let atKill: number | null = null;

  beforeAll(async () => {
    schema = await createPgSchema(PG_URL!);
    db = openDatabase({ dialect: 'postgres', url: PG_URL! }, { schema, poolSize: 2 });
    await migrateToLatest(db);
    // Node i calls the fake on 127.0.0.(i+1), so a create tells which node sent it. Node 0 is
    // killed the moment it sends a create once a quarter of the calls exist: that call is made
    // at the provider and never recorded, so the sweeper must find it rather than dial again.
    twilio = await startFakeTwilio({
      delayMs: 100,
      keepAlive: true,
      listenOnAllLoopback: true,
      onCreate: (req) => {
        if (atKill === null && req.localAddress === '127.0.0.1' && twilio.calls.length >= LEADS / 4) {
          nodes[0]!.kill('SIGKILL');
          atKill = twilio.calls.length;
        }
        return 'create';
      },
    });
  });

  afterAll(async () => {
    for (const node of nodes) if (node.exitCode === null && node.signalCode === null) node.kill('SIGKILL');
    await db?.close();
    await twilio?.close();
    if (schema) await dropPgSchema(PG_URL!, schema);
  });

  it('dials every lead exactly once, even when one process is killed mid-run', { timeout: 90_000 }, async () => {
    const port = new URL(twilio.baseUrl).port;
    const env = {
      ...twilio.env,
      DATABASE_URL: `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      BUDDY_DISPATCH_TICK_MS: '50',
      BUDDY_DISPATCH_LEASE_SECONDS: '8',
      BUDDY_DISPATCH_RECONCILE_AFTER_SECONDS: '8',
      BUDDY_DISPATCH_SWEEP_INTERVAL_MS: '500',
    };
    const started = [0, 1, 2].map((i) => startNode({ ...env, TWILIO_API_BASE_URL: `http://127.0.0.${i + 1}:${port}` }));
    nodes.push(...started.map((s) => s.child));
    await Promise.all(started.map((s) => s.listening));

    const dueAt = Date.now();
    await seedDueLeads(db, { leads: LEADS, dueAt: () => dueAt });
    await until('node 0 to be killed mid-request', () => atKill !== null, 30_000);

    await until(
      'every lead to have its call recorded',
      async () => {
        const row = await db.kysely.selectFrom('leads').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'PROCESSING').where('call_id', 'is not', null).executeTakeFirstOrThrow();
        return Number(row.n) === LEADS;
      },
      60_000,
    );
    expect(atKill!).toBeLessThan(LEADS);
    // The killed node's calls that the provider had created were found by a search, not re-sent.
    expect(twilio.searches.filter((search) => search.found > 0).length).toBeGreaterThan(0);

    // Exactly one provider request and one call per lead: no request was repeated, even by key.
    const keys = twilio.posts.map((p) => p.key!);
    expect(new Set(keys).size).toBe(keys.length);
    expect(twilio.calls).toHaveLength(LEADS);
    expect(new Set(twilio.calls.map((c) => c.to)).size).toBe(LEADS);

    const attempts = await db.kysely.selectFrom('call_attempts').select(['lead_id', 'dial_key', 'call_id', 'finished_at']).execute();
    expect(attempts).toHaveLength(LEADS);
    const sidByKey = new Map(twilio.calls.map((c) => [c.key, c.sid]));
    for (const a of attempts) {
      expect(a.dial_key).toBe(`${a.lead_id}:1`);
      expect(a.call_id).toBe(sidByKey.get(a.dial_key));
      expect(a.finished_at).toBeNull();
    }
  });
});

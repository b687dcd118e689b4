/**
 * Dispatcher benchmark: one node, 10,000 leads, a local Twilio-speaking provider endpoint.
 *
 * - paced:   leads fall due at a steady 500/s; reports the delay from each lead's
 *            next_attempt_at to the provider receiving its request (target p99 < 250 ms).
 * - backlog: all 10,000 due at once; reports how many leads per second one node dispatches.
 * - paced, N processes (PostgreSQL only, when BENCH_NODES is set, e.g. 3): the paced scenario
 *            dialled by that many `buddy serve` processes sharing the database, as a multi-node
 *            deployment runs; also checks that no lead was dialled twice. On a 2-CPU machine the
 *            processes, PostgreSQL and the provider share two cores: a check, not a target.
 *
 * SQLite always (a file in a temp dir), PostgreSQL when BENCH_DATABASE_URL or
 * TEST_DATABASE_URL is set. Knobs: BENCH_LEADS, BENCH_RATE (paced leads per second), BENCH_NODES.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type Db } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/service.ts';
import { createDispatchTasks } from '../src/dispatch/index.ts';
import { createTelephony } from '../src/telephony/telephony.ts';
import { createEnvFlagStore } from '../src/flags/flag-store.ts';
import { seedDueLeads } from '../test/support/seed-leads.ts';
import { createPgSchema, dropPgSchema } from '../test/support/service.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const NODES = Number(process.env.BENCH_NODES ?? 0);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Result = { dialect: string; scenario: string; leads: number; seconds: number; perSecond: number; cpuMs: number; p50: number; p99: number; max: number };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function openFresh(dialect: 'sqlite' | 'postgres'): Promise<{ db: Db; url: string; cleanup(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'buddy-bench-'));
    const file = path.join(dir, 'bench.sqlite');
    return { db: openDatabase({ dialect: 'sqlite', path: file }), url: `sqlite:${file}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = await createPgSchema(PG_URL!);
  return {
    db: openDatabase({ dialect: 'postgres', url: PG_URL! }, { schema }),
    url: `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    cleanup: () => dropPgSchema(PG_URL!, schema),
  };
}

type Provider = { env: Record<string, string>; ask<T>(type: string): Promise<T>; close(): Promise<void> };

async function startProvider(): Promise<Provider> {
  const child = fork(fileURLToPath(new URL('./fake-provider-process.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  const [ready] = (await once(child, 'message')) as [{ env: Record<string, string> }];
  const ask = async <T>(type: string): Promise<T> => {
    const reply = once(child, 'message');
    child.send({ type });
    return ((await reply) as [T])[0];
  };
  return { env: ready.env, ask, close: async () => void (child.send({ type: 'close' }), await once(child, 'exit')) };
}

async function run(dialect: 'sqlite' | 'postgres', scenario: 'paced' | 'backlog'): Promise<Result> {
  const twilio = await startProvider();
  const { db, url, cleanup } = await openFresh(dialect);
  try {
    await migrateToLatest(db);
    // BUDDY_DISPATCH_* knobs pass through, so a run can try other tick, batch and concurrency values.
    const knobs = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BUDDY_DISPATCH_')));
    const config = loadConfig({ ...knobs, DATABASE_URL: url, ...twilio.env, LOG_LEVEL: 'silent', EMULATOR_ENABLED: 'false' });
    // Seeded relative to 0, then shifted to start shortly after the dispatcher is ready, so that
    // the time spent writing 10,000 rows does not count as delay.
    const offset = scenario === 'paced' ? (i: number) => Math.floor((i * 1000) / RATE) : () => 0;
    const { leadIds } = await seedDueLeads(db, { leads: LEADS, dueAt: offset, numbers: 20, channelsPerNumber: 1000 });

    const logger = createLogger('silent');
    const telephony = await createTelephony({ config, db, logger });
    const { dispatcher, tasks } = await createDispatchTasks({ config, db, flags: createEnvFlagStore({}), logger, placer: telephony.placer });
    const start = Date.now() + 200;
    await db.kysely.updateTable('leads').set((eb) => ({ next_attempt_at: eb('next_attempt_at', '+', start) })).execute();
    const due = new Map(leadIds.map((id, i) => [`${id}:1`, start + offset(i)]));
    const cpu = process.cpuUsage();
    dispatcher.start();
    const deadline = Date.now() + 300_000;
    while ((await twilio.ask<{ count: number }>('count')).count < LEADS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([...tasks, telephony.task].map((t) => t.stop()));
    const used = process.cpuUsage(cpu);

    const { calls } = await twilio.ask<{ calls: { key: string; createdAt: number }[] }>('calls');
    const delays = calls.map((c) => c.createdAt - due.get(c.key)!).sort((a, b) => a - b);
    const first = Math.min(...calls.map((c) => c.createdAt));
    const last = Math.max(...calls.map((c) => c.createdAt));
    const seconds = (last - first) / 1000;
    const cpuMs = (used.user + used.system) / 1000 / calls.length;
    return { dialect, scenario, leads: calls.length, seconds, perSecond: calls.length / seconds, cpuMs, p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? NaN };
  } finally {
    await db.close();
    await twilio.close();
    await cleanup();
  }
}

/** `buddy serve` (the real CLI) on this database; resolves once it logs that it listens (LOG_LEVEL info). */
async function startNode(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('buddy is listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`buddy serve exited with ${code}: ${output.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`buddy serve did not start in 30 s: ${output.slice(-2000)}`)), 30_000).unref();
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return child;
}

/** The paced scenario, dialled by `nodes` processes sharing one PostgreSQL schema. */
async function runNodes(nodes: number): Promise<Result> {
  const twilio = await startProvider();
  const { db, url, cleanup } = await openFresh('postgres');
  const children: ChildProcess[] = [];
  try {
    await migrateToLatest(db);
    // Seeded far in the future while the processes start, then shifted to fall due at the rate.
    const far = 1e13;
    const offset = (i: number) => Math.floor((i * 1000) / RATE);
    const { leadIds } = await seedDueLeads(db, { leads: LEADS, dueAt: (i) => far + offset(i), numbers: 20, channelsPerNumber: 1000 });
    const env = { ...twilio.env, DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', EMULATOR_ENABLED: 'false', BUDDY_ADMIN_EMAIL: 'bench@example.com', BUDDY_ADMIN_PASSWORD: 'bench-password-1' };
    for (let i = 0; i < nodes; i++) children.push(await startNode(env));
    const start = Date.now() + 500;
    await db.kysely.updateTable('leads').set((eb) => ({ next_attempt_at: eb('next_attempt_at', '-', far - start) })).execute();
    const due = new Map(leadIds.map((id, i) => [`${id}:1`, start + offset(i)]));
    const deadline = Date.now() + 300_000;
    while ((await twilio.ask<{ count: number }>('count')).count < LEADS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { calls } = await twilio.ask<{ calls: { key: string; createdAt: number }[] }>('calls');
    if (new Set(calls.map((c) => c.key)).size !== calls.length) throw new Error('a lead was dialled twice');
    const delays = calls.map((c) => c.createdAt - due.get(c.key)!).sort((a, b) => a - b);
    const seconds = (Math.max(...calls.map((c) => c.createdAt)) - Math.min(...calls.map((c) => c.createdAt))) / 1000;
    return { dialect: 'postgres', scenario: `paced, ${nodes} processes`, leads: calls.length, seconds, perSecond: calls.length / seconds, cpuMs: NaN, p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? NaN };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
    await db.close();
    await twilio.close();
    await cleanup();
  }
}

export default async function main(): Promise<void> {
  const dialects: ('sqlite' | 'postgres')[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
  const results: Result[] = [];
  for (const dialect of dialects) for (const scenario of ['paced', 'backlog'] as const) results.push(await run(dialect, scenario));
  if (PG_URL && NODES > 0) results.push(await runNodes(NODES));
  console.log(`\ndispatcher: ${LEADS} leads, local provider endpoint (paced = due at ${RATE}/s); one node unless the scenario says otherwise`);
  console.table(
    results.map((r) => ({
      dialect: r.dialect,
      scenario: r.scenario,
      dispatched: r.leads,
      'dispatches/s': Math.round(r.perSecond),
      'node CPU ms/dispatch': Number.isNaN(r.cpuMs) ? '—' : Number(r.cpuMs.toFixed(2)),
      'delay p50 ms': r.p50,
      'delay p99 ms': r.p99,
      'delay max ms': r.max,
    })),
  );
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes share these CPUs)`);
  if (!PG_URL) console.log('(set BENCH_DATABASE_URL or TEST_DATABASE_URL to include PostgreSQL)');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

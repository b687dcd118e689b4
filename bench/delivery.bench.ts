/**
 * Webhook delivery benchmark: one node, a local receiver in its own process, 1 KB JSON bodies,
 * every message signed (Standard Webhooks) and every attempt recorded in webhook_attempts.
 *
 * - ceiling: plain undici POSTs to the same receiver, 64 in flight (what this machine can do),
 *            and at the steady rate the delay from dispatch to arrival (the latency floor);
 * - burst:   BENCH_BURST (20,000) messages enqueued at once (transactions of 500); deliveries/s
 *            from the first enqueue to the last attempt recorded, and enqueue → arrival delay;
 * - steady:  BENCH_RATE (500) messages/s for BENCH_SECONDS (10), each enqueued in its own
 *            transaction followed by notifyEnqueued(), as finishAttempt does; enqueue → arrival.
 *
 * "Delay" is measured from the commit of the message's enqueue transaction to its arrival at
 * the receiver (a clock shared by both processes), so it is an upper bound on enqueue → first
 * attempt. SQLite always (a WAL file in a temp dir); PostgreSQL when BENCH_DATABASE_URL or
 * TEST_DATABASE_URL is set. Knobs: BENCH_BURST, BENCH_RATE, BENCH_SECONDS, BENCH_SCENARIOS
 * (burst,steady).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { sql } from 'kysely';
import { Agent } from 'undici';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase, type Db } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createEnvFlagStore } from '../src/flags/flag-store.ts';
import { createDeliveryWorker } from '../src/delivery/worker.ts';
import { enqueueMessage, enqueueMessages, type NewMessage } from '../src/delivery/outbox.ts';
import { notifyEnqueued } from '../src/delivery/signals.ts';
import { createPgSchema, dropPgSchema } from '../test/support/service.ts';

const BURST = Number(process.env.BENCH_BURST ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'burst,steady').split(',') as ('burst' | 'steady')[];
const CHUNK = 500;

const clock = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// A 1 KB reporting-webhook-like body.
const BODY = {
  orderId: 'req_unique_001',
  leadId: '2b4e3e4a-9c5e-4b6a-ae7f-3d8e2c1a5b77',
  callSid: 'CA1234567890abcdef',
  outcome: 'confirmed',
  status: 'FINISHED',
  attemptCount: 1,
  transcription: [{ role: 'assistant', content: 'x'.repeat(700) }],
  recordingUrl: 'https://storage.example.com/recording.mp3',
  completedAt: '2026-02-01T10:36:15Z',
};

type Receiver = { url: string; child: ChildProcess; ask<T>(message: string): Promise<T> };

async function startReceiver(): Promise<Receiver> {
  const child = fork(fileURLToPath(new URL('./delivery-receiver.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    ask: <T>(message: string) =>
      new Promise<T>((resolve) => {
        child.once('message', (m) => resolve(m as T));
        child.send(message);
      }),
  };
}

async function ceiling(receiver: Receiver, total: number): Promise<{ perSecond: number; cpuUs: number; receiverCpuUs: number }> {
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const body = JSON.stringify(BODY);
  const headers = { 'content-type': 'application/json' };
  let next = 0;
  const receiverCpu = (await receiver.ask<Counts>('count')).cpuMs;
  const cpu = cpuMs();
  const started = performance.now();
  const lane = async () => {
    while (next < total) {
      next++;
      const res = await agent.request({ origin: receiver.url, path: '/plain', method: 'POST', headers, body });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((cpuMs() - cpu) * 1000) / total;
  const receiverCpuUs = (((await receiver.ask<Counts>('count')).cpuMs - receiverCpu) * 1000) / total;
  await agent.close();
  await receiver.ask('reset');
  return { perSecond: total / seconds, cpuUs, receiverCpuUs };
}

/** Plain undici at the steady rate: dispatch → arrival at the receiver, the same one-way delay we measure for messages. */
async function plainSteady(receiver: Receiver): Promise<{ p50: number; p99: number; max: number }> {
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const body = JSON.stringify(BODY);
  const sentAt = new Map<string, number>();
  const pending: Promise<void>[] = [];
  const start = clock();
  for (let i = 0; i < RATE * SECONDS; i++) {
    const wait = start + (i * 1000) / RATE - clock();
    if (wait > 1) await sleep(wait - 0.5);
    const id = `plain_${i}`;
    sentAt.set(id, clock());
    pending.push(
      agent.request({ origin: receiver.url, path: '/plain', method: 'POST', headers: { 'content-type': 'application/json', 'x-bench-id': id }, body }).then((res) => res.body.dump()),
    );
  }
  await Promise.all(pending);
  await agent.close();
  const { ids, times } = await receiver.ask<{ ids: string[]; times: number[] }>('collect');
  await receiver.ask('reset');
  const delays = ids.map((id, i) => times[i]! - sentAt.get(id)!).sort((a, b) => a - b);
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) ?? NaN };
}

type Result = {
  dialect: string;
  scenario: string;
  messages: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  signed: number;
  attempts: number;
  /** CPU time per delivery: this process (enqueue + deliver + record), and the receiver. */
  cpuUs: number;
  receiverCpuUs: number;
};

type Counts = { count: number; signed: number; cpuMs: number };

const cpuMs = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};

async function openFresh(dialect: 'sqlite' | 'postgres'): Promise<{ db: Db; cleanup(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'buddy-bench-'));
    return { db: openDatabase({ dialect: 'sqlite', path: path.join(dir, 'bench.sqlite') }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = await createPgSchema(PG_URL!);
  return { db: openDatabase({ dialect: 'postgres', url: PG_URL! }, { schema, poolSize: 10 }), cleanup: () => dropPgSchema(PG_URL!, schema) };
}

async function run(dialect: 'sqlite' | 'postgres', scenario: 'burst' | 'steady', receiver: Receiver): Promise<Result> {
  const { db, cleanup } = await openFresh(dialect);
  await migrateToLatest(db);
  const config = loadConfig({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8', LOG_LEVEL: 'silent' });
  const worker = createDeliveryWorker({ db, config: config.delivery, flags: createEnvFlagStore({}), logger: pino({ level: 'silent' }) });
  const owner = { reseller_id: 'res_bench', merchant_id: 'mer_bench' };
  const message = (): NewMessage => ({ kind: 'reporting', owner, leadId: null, url: `${receiver.url}/hook`, body: BODY });
  const enqueuedAt = new Map<string, number>();
  try {
    // Warm up: the merchant's signing secret, connections, JIT.
    worker.start();
    await enqueueMessages(db.kysely, Array.from({ length: 200 }, message));
    while ((await receiver.ask<{ count: number }>('count')).count < 200) await sleep(20);
    await sleep(200);
    await receiver.ask('reset');

    const total = scenario === 'burst' ? BURST : RATE * SECONDS;
    const receiverCpu = (await receiver.ask<Counts>('count')).cpuMs;
    const cpu = cpuMs();
    const first = clock();
    if (scenario === 'burst') {
      for (let i = 0; i < total; i += CHUNK) {
        const ids = await db.kysely.transaction().execute((trx) => enqueueMessages(trx, Array.from({ length: Math.min(CHUNK, total - i) }, message)));
        notifyEnqueued();
        const at = clock();
        for (const id of ids) enqueuedAt.set(id, at);
      }
    } else {
      // On schedule, each in its own transaction, without waiting for the previous commit (on
      // PostgreSQL a transaction is three round trips; callers run concurrently in real life).
      const interval = 1000 / RATE;
      const commits: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = first + i * interval - clock();
        if (wait > 1) await sleep(wait - 0.5);
        commits.push(
          db.kysely
            .transaction()
            .execute((trx) => enqueueMessage(trx, message()))
            .then((id) => {
              notifyEnqueued();
              enqueuedAt.set(id, clock());
            }),
        );
      }
      await Promise.all(commits);
    }
    // Done when every message arrived and its attempt is recorded (nothing left pending). The
    // receiver is asked first: cheaper than a query, which would compete with the worker.
    while ((await receiver.ask<Counts>('count')).count < total) await sleep(2);
    for (;;) {
      const left = await db.kysely.selectFrom('webhook_messages').select('id').where(sql<boolean>`status = 'pending'`).limit(1).execute();
      if (left.length === 0) break;
      await sleep(2);
    }
    const last = clock();
    const cpuUsed = cpuMs() - cpu;
    const { count, signed, cpuMs: receiverCpuNow } = await receiver.ask<Counts>('count');
    const { ids, times } = await receiver.ask<{ ids: string[]; times: number[] }>('collect');
    const firstArrival = new Map<string, number>();
    ids.forEach((id, i) => {
      if (!firstArrival.has(id)) firstArrival.set(id, times[i]!);
    });
    const delays = [...enqueuedAt].map(([id, at]) => (firstArrival.get(id) ?? NaN) - at).sort((a, b) => a - b);
    const attempts = await db.kysely.selectFrom('webhook_attempts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return {
      dialect,
      scenario,
      messages: count,
      perSecond: total / ((last - first) / 1000),
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: delays.at(-1) ?? NaN,
      signed,
      attempts: Number(attempts.n) - 200,
      cpuUs: (cpuUsed * 1000) / total,
      receiverCpuUs: ((receiverCpuNow - receiverCpu) * 1000) / total,
    };
  } finally {
    await worker.stop();
    await db.close();
    await cleanup();
  }
}

export default async function main(): Promise<void> {
  const receiver = await startReceiver();
  try {
    const plain = await ceiling(receiver, Math.max(BURST, 20_000));
    const plainDelay = SCENARIOS.includes('steady') ? await plainSteady(receiver) : null;
    const results: Result[] = [];
    for (const dialect of PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
      for (const scenario of SCENARIOS) results.push(await run(dialect, scenario, receiver));
    }
    console.log(`\nwebhook delivery: one node, local receiver process, 1 KB bodies, signed, every attempt recorded`);
    console.log(
      `ceiling (plain undici POSTs, 64 in flight, same receiver): ${Math.round(plain.perSecond)} requests/s` +
        ` (CPU per request: sender ${round(plain.cpuUs)} µs, receiver ${round(plain.receiverCpuUs)} µs)`,
    );
    if (plainDelay) {
      console.log(
        `baseline (plain undici POSTs at a steady ${RATE}/s, dispatch → arrival): p50 ${round(plainDelay.p50)} ms, p99 ${round(plainDelay.p99)} ms, max ${round(plainDelay.max)} ms`,
      );
    }
    console.table(
      results.map((r) => ({
        dialect: r.dialect,
        scenario: r.scenario === 'burst' ? `burst of ${BURST}` : `steady ${RATE}/s × ${SECONDS}s`,
        delivered: r.messages,
        signed: r.signed,
        'attempts logged': r.attempts,
        'deliveries/s': Math.round(r.perSecond),
        'delay p50 ms': round(r.p50),
        'delay p99 ms': round(r.p99),
        'delay max ms': round(r.max),
        'CPU µs/msg': round(r.cpuUs),
        'receiver CPU µs/msg': round(r.receiverCpuUs),
      })),
    );
    console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes share these CPUs)`);
    if (!PG_URL) console.log('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it)');
  } finally {
    receiver.child.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

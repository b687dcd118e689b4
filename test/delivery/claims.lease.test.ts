// The queue's contract at the SQL level: leases, re-claiming after a crash, settling only under
// one's own lease, one log row per attempt number, and disjoint concurrent claims.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestService, type TestService } from '../support/service.ts';
import { enqueueMessages } from '../../src/delivery/outbox.ts';
import { claimDueMessages, settleMessages, type ClaimedMessage, type Settlement } from '../../src/delivery/claims.ts';

const LEASE = 10_000;

const success = (m: ClaimedMessage, at: number): Settlement => ({
  id: m.id,
  leaseToken: m.leaseToken,
  status: 'succeeded',
  attemptCount: m.attemptCount + 1,
  nextAttemptAt: null,
  lastStatusCode: 200,
  lastError: null,
  completedAt: at,
  manual: false,
  attempt: { id: `a-${m.leaseToken}-${m.id}`, attemptNumber: m.attemptCount + 1, trigger: 'scheduled', startedAt: at, durationMs: 1.5, statusCode: 200, responseExcerpt: '', error: null, outcome: 'succeeded' },
});

describe.each(DIALECTS)('claiming and settling (%s)', (dialect) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(dialect, { WEBHOOK_WORKER_ENABLED: 'false', BUDDY_DISPATCHER_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  const db = () => t.service.db;
  const enqueue = (n: number, tag: string) =>
    enqueueMessages(
      db().kysely,
      Array.from({ length: n }, (_, i) => ({ kind: 'hook' as const, owner: { reseller_id: `res_${tag}`, merchant_id: null }, leadId: null, url: `http://x.test/${tag}/${i}`, body: { i } })),
    );
  const claim = (token: string, at: number, limit = 100) => claimDueMessages(db(), { leaseToken: token, leaseMs: LEASE, limit, now: at });
  const mine = (rows: ClaimedMessage[], ids: string[]) => rows.filter((r) => ids.includes(r.id));

  it('a claimed message is invisible until its lease runs out, then is claimed again under the same attempt number', async () => {
    const ids = await enqueue(3, 'lease');
    const t0 = Date.now() + 1;
    const first = mine(await claim('w1:1', t0), ids);
    expect(first.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(first.every((m) => m.attemptCount === 0 && m.leaseExpiresAt === t0 + LEASE)).toBe(true);

    expect(mine(await claim('w2:1', t0 + LEASE - 1), ids)).toHaveLength(0);
    // Worker 1 died without settling: after the lease anyone may take them, and no attempt was spent.
    const again = mine(await claim('w2:2', t0 + LEASE + 1), ids);
    expect(again).toHaveLength(3);
    expect(again.every((m) => m.attemptCount === 0 && m.leaseToken === 'w2:2')).toBe(true);
  });

  it('settles only under its own lease: a worker that lost its lease changes nothing and logs nothing', async () => {
    const [id] = await enqueue(1, 'stale');
    const t0 = Date.now() + 1;
    const [stale] = mine(await claim('old:1', t0), [id!]);
    const [current] = mine(await claim('new:1', t0 + LEASE + 1), [id!]);

    expect(await settleMessages(db(), [success(stale!, t0 + LEASE + 2)], t0)).toEqual(new Set());
    expect(await db().kysely.selectFrom('webhook_attempts').selectAll().where('message_id', '=', id!).execute()).toHaveLength(0);

    expect(await settleMessages(db(), [success(current!, t0 + LEASE + 3)], t0)).toEqual(new Set([id]));
    const row = await db().kysely.selectFrom('webhook_messages').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'succeeded', attempt_count: 1, lease_owner: null, lease_expires_at: null, next_attempt_at: null });
    const attempts = await db().kysely.selectFrom('webhook_attempts').selectAll().where('message_id', '=', id!).execute();
    expect(attempts).toMatchObject([{ attempt_number: 1, outcome: 'succeeded', status_code: 200, duration_ms: 1.5 }]);

    // A settled message is never claimed again, and a second report of the same attempt is ignored.
    expect(mine(await claim('late:1', t0 + 10 * LEASE), [id!])).toHaveLength(0);
    expect(await settleMessages(db(), [success(current!, t0 + LEASE + 4)], t0)).toEqual(new Set());
  });

  it('hands a message back untried: due again at the given time, attempt count unchanged', async () => {
    const [id] = await enqueue(1, 'release');
    const t0 = Date.now() + 1;
    const [m] = mine(await claim('r:1', t0), [id!]);
    const back: Settlement = { ...success(m!, t0), status: 'pending', attemptCount: 0, nextAttemptAt: t0 + 500, lastStatusCode: null, completedAt: null, attempt: undefined };
    expect(await settleMessages(db(), [back], t0)).toEqual(new Set([id]));
    expect(mine(await claim('r:2', t0 + 499), [id!])).toHaveLength(0);
    expect(mine(await claim('r:3', t0 + 500), [id!])).toMatchObject([{ attemptCount: 0 }]);
  });

  it('concurrent claims take disjoint batches', async () => {
    const ids = await enqueue(120, 'race');
    const at = Date.now() + 1;
    const batches = await Promise.all([1, 2, 3, 4].map((i) => claim(`c:${i}`, at, 40)));
    const claimed = batches.flat().filter((m) => ids.includes(m.id));
    expect(claimed).toHaveLength(new Set(claimed.map((m) => m.id)).size);
    expect(claimed.length).toBe(120);
  });

  it('settles a batch of any size whole: 600 results (written as statements of 512, 64 and 24 rows)', async () => {
    const ids = await enqueue(600, 'big');
    const t0 = Date.now() + 1;
    const claimed = mine(await claim('big:1', t0, 1000), ids);
    expect(claimed).toHaveLength(600);
    // Every fifth is handed back untried (no attempt row), the others succeed.
    const settlements = claimed.map((m, i): Settlement => (i % 5 === 0 ? { ...success(m, t0), status: 'pending', attemptCount: 0, nextAttemptAt: t0 + 500, lastStatusCode: null, completedAt: null, attempt: undefined } : success(m, t0)));
    expect(await settleMessages(db(), settlements, t0)).toEqual(new Set(ids));

    const rows = await db().kysely.selectFrom('webhook_messages').select(['id', 'status', 'attempt_count', 'lease_owner']).where('id', 'in', ids).execute();
    expect(rows.filter((r) => r.status === 'succeeded' && r.attempt_count === 1 && r.lease_owner === null)).toHaveLength(480);
    expect(rows.filter((r) => r.status === 'pending' && r.attempt_count === 0 && r.lease_owner === null)).toHaveLength(120);
    const attempts = await db().kysely.selectFrom('webhook_attempts').select(['message_id', 'attempt_number']).where('message_id', 'in', ids).execute();
    expect(attempts.map((a) => a.message_id).sort()).toEqual(settlements.filter((s) => s.attempt !== undefined).map((s) => s.id).sort());
  });
});

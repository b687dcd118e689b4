// A message handed back for later — a retry on the policy's schedule, or the overflow of a busy
// receiver's line parked for its drain time — is claimed again when it comes due, not at the
// next poll: these tests poll once a minute and still see every message within seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { enqueueMessages } from '../../src/delivery/outbox.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

const owner = { reseller_id: 'res_1', merchant_id: 'mer_a' };

describe.each(DIALECTS)('claiming again when handed-back messages come due (%s)', (dialect) => {
  let flaky: LocalReceiver;
  let slow: LocalReceiver;
  let h: Harness;
  const seen = new Set<string>();

  beforeAll(async () => {
    // Fails each message's first request, then answers 200.
    flaky = await startReceiver((req, res) => {
      const id = String(req.headers['webhook-id']);
      res.writeHead(seen.has(id) ? 200 : 500).end();
      seen.add(id);
    });
    // Over 100 ms a request: a slow origin, whose overflow is parked rather than paced.
    slow = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), 120));
    h = await startHarness(dialect, {
      WEBHOOK_POLL_INTERVAL_MS: '60000',
      WEBHOOK_RETRY_POLICY: '0,1',
      WEBHOOK_CONCURRENCY: '16',
      WEBHOOK_DESTINATION_CONCURRENCY: '2',
    });
  });
  afterAll(async () => {
    await flaky.close();
    await slow.close();
    await h.close();
  });

  it('a retry due in a second (± 20 %) is sent then', async () => {
    const id = await h.enqueue(`${flaky.url}/hook`);
    const attempts = await waitFor(async () => {
      const rows = await h.attempts(id);
      return rows.length === 2 && rows;
    }, 5_000, 'the retry to be sent and recorded');
    expect(attempts.map((a) => [a.attempt_number, a.status_code])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(attempts[1]!.started_at - attempts[0]!.started_at).toBeGreaterThanOrEqual(750);
  });

  it('a backlog larger than a slow receiver’s line drains at the receiver’s pace', async () => {
    // The worker holds 16; the line takes 2 in flight + 8 waiting; the rest of a claim is parked.
    const ids = await enqueueMessages(
      h.db,
      Array.from({ length: 60 }, (_, i) => ({ kind: 'hook' as const, owner, leadId: null, url: `${slow.url}/slow`, body: { i } })),
    );
    // 60 × 120 ms / 2 at a time ≈ 3.6 s of sending.
    const arrived = () => new Set(slow.requests.map((r) => r.headers['webhook-id'])).size;
    await waitFor(() => arrived() === 60, 15_000, 'all 60 messages to arrive').catch(async (err: Error) => {
      // Say where the rest are (typically: pending, due long ago, and the worker idle).
      const left = await h.db.selectFrom('webhook_messages').select(['status', 'attempt_count', 'next_attempt_at', 'lease_owner']).where('id', 'in', ids).where('status', '!=', 'succeeded').execute();
      throw new Error(`${err.message}: ${arrived()} arrived; left ${JSON.stringify(left)}; worker ${JSON.stringify(h.worker.stats())}`);
    });
    const attempts = await h.db.selectFrom('webhook_attempts').select('message_id').where('message_id', 'in', ids).execute();
    // Parking spends no attempt.
    expect(attempts.length).toBeLessThanOrEqual(60);
  });
});

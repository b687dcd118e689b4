// A receiver that never answers holds only its own destination's slots: a healthy receiver's
// messages, enqueued behind a backlog for the hanging one, go out at once; when the hanging
// receiver's circuit opens, its waiting messages go back to the queue without spending attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { enqueueMessages } from '../../src/delivery/outbox.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

const CAP = 4;
const TIMEOUT_MS = 1_500;

describe.each(DIALECTS)('isolation between receivers (%s)', (dialect) => {
  let hanging: LocalReceiver;
  let healthy: LocalReceiver;
  let h: Harness;

  beforeAll(async () => {
    hanging = await startReceiver(() => {
      // never answers
    });
    healthy = await startReceiver((_req, res) => res.writeHead(200).end());
    h = await startHarness(dialect, {
      WEBHOOK_DESTINATION_CONCURRENCY: String(CAP),
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_BREAKER_FAILURES: '2',
      WEBHOOK_BREAKER_COOLDOWN_MS: '60000',
    });
  });
  afterAll(async () => {
    await hanging.close();
    await healthy.close();
    await h.close();
  });

  it('a hanging receiver does not delay a healthy one, and its backlog is parked without spending attempts', async () => {
    const owner = { reseller_id: 'res_1', merchant_id: 'mer_a' };
    const message = (url: string, i: number) => ({ kind: 'hook' as const, owner, leadId: null, url, body: { i } });
    const stuck = await enqueueMessages(h.db, Array.from({ length: 40 }, (_, i) => message(`${hanging.url}/slow`, i)));
    const started = Date.now();
    await enqueueMessages(h.db, Array.from({ length: 20 }, (_, i) => message(`${healthy.url}/fast`, i)));

    await waitFor(() => healthy.requests.length === 20, 2_000, 'the healthy receiver to get all 20');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS / 2);
    expect(hanging.requests.length).toBeLessThanOrEqual(CAP);

    // The hanging requests time out, two failures open its circuit, the line goes back to the queue.
    const at = await waitFor(
      async () => {
        const rows = await h.db.selectFrom('webhook_messages').selectAll().where('id', 'in', stuck).execute();
        // Parked for the breaker's cooldown, not retried in a tight loop.
        return rows.every((r) => r.lease_owner === null && Number(r.next_attempt_at) - Date.now() > 50_000) && rows;
      },
      TIMEOUT_MS * 4,
      'the hanging backlog to be parked',
    );
    const parked = at.filter((r) => r.attempt_count === 0);
    expect(parked.length).toBeGreaterThanOrEqual(40 - CAP - 2);
    for (const r of at) expect(r.status).toBe('pending');
    const attempts = await h.db.selectFrom('webhook_attempts').selectAll().where('message_id', 'in', stuck).execute();
    expect(attempts.length).toBe(hanging.requests.length);
    for (const a of attempts) expect(a).toMatchObject({ attempt_number: 1, status_code: null, error: `total timeout after ${TIMEOUT_MS} ms`, outcome: 'retrying' });
  });
});

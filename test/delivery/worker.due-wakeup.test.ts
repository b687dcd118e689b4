// A retry on the policy's schedule is claimed again when it comes due, not at the next poll: the
// worker here polls once a minute and still sends the retry on time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

describe.each(DIALECTS)('a retry coming due (%s)', (dialect) => {
  let flaky: LocalReceiver;
  let h: Harness;
  const seen = new Set<string>();

  beforeAll(async () => {
    // Fails each message's first request, then answers 200.
    flaky = await startReceiver((req, res) => {
      const id = String(req.headers['webhook-id']);
      res.writeHead(seen.has(id) ? 200 : 500).end();
      seen.add(id);
    });
    h = await startHarness(dialect, { WEBHOOK_POLL_INTERVAL_MS: '60000', WEBHOOK_RETRY_POLICY: '0,1' });
  });
  afterAll(async () => {
    await flaky.close();
    await h.close();
  });

  it('is sent when it comes due (a second later, ± 20 %), not at the next poll', async () => {
    const id = await h.enqueue(`${flaky.url}/hook`);
    const attempts = await waitFor(
      async () => {
        const rows = await h.attempts(id);
        return rows.length === 2 && rows;
      },
      5_000,
      'the retry to be sent and recorded',
    );
    expect(attempts.map((a) => [a.attempt_number, a.status_code])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(attempts[1]!.started_at - attempts[0]!.started_at).toBeGreaterThanOrEqual(750);
  });
});

// The delivery API: a lead's messages with their attempts, one message, resend, requeue by time
// range — scoped like leads, and never showing header values or substituted secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

const failure = { platform_status: 'INITIATED', provider_status: 'NOT_ANSWERED', provider_reason: 'NO_ANSWER' } as const;

describe.each(DIALECTS)('delivery API (%s)', (dialect) => {
  let receiver: LocalReceiver;
  let h: Harness;
  let healthy = false;
  let leadId: string;
  let messageId: string;

  beforeAll(async () => {
    receiver = await startReceiver((req, res) => (req.url === '/flip' && !healthy ? res.writeHead(503).end('down') : res.writeHead(200).end('ok')));
    // This receiver fails on purpose many times in a row; keep its circuit closed.
    h = await startHarness(dialect, { WEBHOOK_BREAKER_FAILURES: '1000' });
    leadId = await h.pushLead('api-1', `${receiver.url}/flip`);
    await h.finishLead(leadId, 'CA-api-1', { facts: failure });
    messageId = (await h.db.selectFrom('webhook_messages').select('id').where('lead_id', '=', leadId).executeTakeFirstOrThrow()).id;
    await settled(messageId);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  async function settled(id: string) {
    return waitFor(async () => {
      const m = await h.message(id);
      return m.status !== 'pending' && m;
    });
  }

  it("lists a lead's messages with every attempt", async () => {
    const res = await h.t.api('GET', `/leads/${leadId}/webhooks`, { token: h.tokens.merchant });
    expect(res.statusCode).toBe(200);
    const { lead_id, messages } = res.json();
    expect(lead_id).toBe(leadId);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      id: messageId,
      lead_id: leadId,
      kind: 'reporting',
      url: `${receiver.url}/flip`,
      method: 'POST',
      header_names: [],
      body: { orderId: 'api-1', leadId, outcome: 'NO_ANSWER', attemptCount: 1, failureReason: 'Call not answered (no-answer)' },
      status: 'failed',
      in_flight: false,
      attempt_count: 3,
      next_attempt_at: null,
      last_status_code: 503,
      last_error: 'gave up (exhausted) after attempt 3: HTTP 503',
    });
    expect(messages[0].attempts).toHaveLength(3);
    expect(messages[0].attempts[0]).toEqual({
      attempt_number: 1,
      trigger: 'scheduled',
      started_at: expect.stringMatching(/Z$/),
      duration_ms: expect.any(Number),
      status_code: 503,
      response_excerpt: 'down',
      error: null,
      outcome: 'retrying',
    });
  });

  it('scopes reads like leads: 404 for other tenants, 200 for the owner’s reseller, user and admin', async () => {
    for (const token of [h.tokens.otherMerchant, h.tokens.otherReseller]) {
      expect((await h.t.api('GET', `/leads/${leadId}/webhooks`, { token })).statusCode).toBe(404);
      expect((await h.t.api('GET', `/webhooks/messages/${messageId}`, { token })).statusCode).toBe(404);
    }
    for (const token of [h.tokens.reseller, h.tokens.user, h.tokens.admin, h.tokens.merchant]) {
      const res = await h.t.api('GET', `/webhooks/messages/${messageId}`, { token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: messageId, status: 'failed', attempts: expect.any(Array) });
    }
    expect((await h.t.api('GET', '/webhooks/messages/msg_nope', { token: h.tokens.admin })).statusCode).toBe(404);
    expect((await h.t.api('GET', `/webhooks/messages/${messageId}`)).statusCode).toBe(401);
  });

  it('resend: writers only; one manual attempt with the same webhook-id; a failure stays final', async () => {
    expect((await h.t.api('POST', `/webhooks/messages/${messageId}/resend`, { token: h.tokens.user })).statusCode).toBe(403);
    expect((await h.t.api('POST', `/webhooks/messages/${messageId}/resend`, { token: h.tokens.otherMerchant })).statusCode).toBe(403);

    const again = await h.t.api('POST', `/webhooks/messages/${messageId}/resend`, { token: h.tokens.merchant });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ id: messageId, status: 'pending' });
    let m = await waitFor(async () => (await h.attempts(messageId)).length === 4 && settled(messageId));
    expect(m).toMatchObject({ status: 'failed', attempt_count: 4, last_error: 'manual attempt failed: HTTP 503' });

    healthy = true;
    expect((await h.t.api('POST', `/webhooks/messages/${messageId}/resend`, { token: h.tokens.reseller })).statusCode).toBe(202);
    m = await waitFor(async () => (await h.attempts(messageId)).length === 5 && settled(messageId));
    expect(m).toMatchObject({ status: 'succeeded', attempt_count: 5, manual_attempt: 0 });
    const attempts = await h.attempts(messageId);
    expect(attempts.slice(3).map((a) => [a.attempt_number, a.trigger, a.outcome])).toEqual([
      [4, 'manual', 'failed'],
      [5, 'manual', 'succeeded'],
    ]);
    const ids = new Set(receiver.requests.filter((r) => r.url === '/flip').map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([messageId]));
    healthy = false;
  });

  it('requeues the caller’s failed messages created in [since, until) and nothing else', async () => {
    const before = new Date(Date.now() - 1).toISOString();
    const mine = [await h.enqueue(`${receiver.url}/flip`, { n: 1 }), await h.enqueue(`${receiver.url}/flip`, { n: 2 })];
    const theirs = await h.enqueue(`${receiver.url}/flip`, { n: 3 }, { owner: { reseller_id: 'res_2', merchant_id: 'mer_b' } });
    for (const id of [...mine, theirs]) await settled(id);
    const after = new Date(Date.now() + 1).toISOString();
    healthy = true;

    const bad = await h.t.api('POST', '/webhooks/messages/requeue', { token: h.tokens.merchant, body: { since: after, until: before } });
    expect(bad.statusCode).toBe(422);
    expect((await h.t.api('POST', '/webhooks/messages/requeue', { token: h.tokens.merchant, body: { since: 'yesterday' } })).statusCode).toBe(422);
    expect((await h.t.api('POST', '/webhooks/messages/requeue', { token: h.tokens.user, body: { since: before, until: after } })).statusCode).toBe(403);

    const res = await h.t.api('POST', '/webhooks/messages/requeue', { token: h.tokens.merchant, body: { since: before, until: after } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ requeued: 2 });
    for (const id of mine) expect(await waitFor(async () => (await h.message(id)).status === 'succeeded' && h.message(id))).toMatchObject({ attempt_count: 4 });
    expect(await h.message(theirs)).toMatchObject({ status: 'failed', attempt_count: 3 });
    healthy = false;
  });

  it('shows header names but never their values, and masks template secrets in a hook', async () => {
    const id = await h.enqueue(`${receiver.url}/crm?token=sk-live-very-secret`, { lead: leadId, auth: 'sk-live-very-secret' }, {
      leadId,
      headers: { Authorization: 'Bearer sk-live-very-secret', 'X-Trace': 'abc' },
    });
    await settled(id);
    const res = await h.t.api('GET', `/webhooks/messages/${id}`, { token: h.tokens.merchant });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('sk-live-very-secret');
    expect(res.json()).toMatchObject({ kind: 'hook', header_names: ['Authorization', 'X-Trace'], body: { lead: leadId, auth: '***' }, url: `${receiver.url}/crm?token=***` });
    // The receiver did get the real values.
    expect(receiver.requests.find((r) => r.headers['webhook-id'] === id)?.headers.authorization).toBe('Bearer sk-live-very-secret');
  });
});

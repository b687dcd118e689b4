import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { finishAttempt } from '../../src/calls/attempts.ts';
import { claimDueLeads } from '../../src/dispatch/claim.ts';
import { startHarness, type Harness } from './harness.ts';

const notAnswered = { provider_status: 'NOT_ANSWERED' as const, provider_reason: 'NO_ANSWER' as const };

describe.each(DIALECTS)('scheduling: retries, cancel, dispatch-now, kill switch, leases (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
    await h.number('+14155550100', { maximum_channels: 100 });
  });
  afterAll(() => h.close());

  const postsTo = (phone: string) => h.twilio.posts.filter((p) => p.to === phone);
  const openAttempt = async (leadId: string) => (await h.attempts(leadId)).find((a) => a.finished_at === null)!;

  it('retries NO_ANSWER up to max_retry more times, each attempt its own call and webhook, then stops', async () => {
    await h.template('retry-twice', { max_retry: 2, retry_offset: 0 });
    const leadId = await h.pushLead('retry-twice', '+14155552001');
    for (const n of [1, 2, 3]) {
      await h.run();
      expect(postsTo('+14155552001').map((p) => p.key)).toEqual([1, 2, 3].slice(0, n).map((i) => `${leadId}:${i}`));
      const result = await finishAttempt(h.db(), { attemptId: (await openAttempt(leadId)).id, facts: notAnswered });
      expect(result).toMatchObject({ outcome: 'NO_ANSWER', leadStatus: n < 3 ? 'BACKLOG' : 'FINISHED' });
    }
    await h.run();
    expect(postsTo('+14155552001')).toHaveLength(3);
    const attempts = await h.attempts(leadId);
    expect(new Set(attempts.map((a) => a.call_id)).size).toBe(3);
    const webhooks = await h.db().selectFrom('webhook_messages').select('body').where('lead_id', '=', leadId).execute();
    expect(webhooks.map((w) => JSON.parse(w.body).attemptCount)).toEqual([1, 2, 3]);
    expect(await h.lead(leadId)).toMatchObject({ status: 'FINISHED', outcome: 'NO_ANSWER', attempt_count: 3 });
  });

  it('max_retry 0 means one attempt in all; a conversation outcome is never retried', async () => {
    await h.template('no-retry', { max_retry: 0, retry_offset: 0 });
    await h.template('answered', { max_retry: 3, retry_offset: 0 });
    const once = await h.pushLead('no-retry', '+14155552002');
    const answered = await h.pushLead('answered', '+14155552003');
    await h.run();
    await finishAttempt(h.db(), { attemptId: (await openAttempt(once)).id, facts: notAnswered });
    await finishAttempt(h.db(), {
      attemptId: (await openAttempt(answered)).id,
      facts: { provider_status: 'ANSWERED', provider_reason: 'COMPLETED', session_end_reason: 'AGENT_ENDED', agent_outcome: 'confirmed' },
    });
    await h.run();
    expect(postsTo('+14155552002')).toHaveLength(1);
    expect(postsTo('+14155552003')).toHaveLength(1);
    expect(await h.lead(answered)).toMatchObject({ status: 'FINISHED', outcome: 'confirmed' });
  });

  it('a retry that falls outside the calling window waits for the window to open', async () => {
    const tpl = await h.template('retry-window', { max_retry: 1, retry_offset: 0 });
    const leadId = await h.pushLead('retry-window', '+14155552004');
    await h.run();
    const inThreeHours = new Date(Date.now() + 3 * 3600_000);
    const config = (await h.t.api('GET', `/configurations?template_id=${tpl}`, { token: h.tokens.reseller })).json().configurations[0];
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const put = await h.t.api('PUT', `/configurations/${config.id}`, {
      token: h.tokens.reseller,
      body: { call_start_time: hhmm(inThreeHours), call_end_time: hhmm(new Date(inThreeHours.getTime() + 3600_000)) },
    });
    expect(put.statusCode).toBe(200);
    await finishAttempt(h.db(), { attemptId: (await openAttempt(leadId)).id, facts: notAnswered });
    await h.run();
    expect(postsTo('+14155552004')).toHaveLength(1);
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 1 });
    expect(Date.parse(lead.next_attempt_at as string)).toBeGreaterThan(inThreeHours.getTime() - 60_000);
  });

  it('a lead cancelled while due is never dialled; a lead held by a live dispatcher cannot be cancelled', async () => {
    await h.template('cancel');
    const cancelled = await h.pushLead('cancel', '+14155552005');
    expect((await h.t.api('POST', `/leads/${cancelled}/cancel`, { token: h.tokens.merchant })).statusCode).toBe(200);

    const held = await h.pushLead('cancel', '+14155552006');
    const claimed = await claimDueLeads(h.db(), h.t.service.db.dialect, { token: 'other-node:1', limit: 100, now: Date.now(), leaseMs: 60_000 });
    expect(claimed.map((l) => l.id)).toContain(held);
    expect((await h.t.api('POST', `/leads/${held}/cancel`, { token: h.tokens.merchant })).statusCode).toBe(409);
    // That node died; once its lease has run out the lead can be cancelled, and it was not dialled.
    await h.db().updateTable('leads').set({ lease_expires_at: Date.now() - 1 }).where('lease_owner', '=', 'other-node:1').execute();
    expect((await h.t.api('POST', `/leads/${held}/cancel`, { token: h.tokens.merchant })).statusCode).toBe(200);

    await h.run();
    expect(postsTo('+14155552005')).toHaveLength(0);
    expect(postsTo('+14155552006')).toHaveLength(0);
    expect(await h.lead(cancelled)).toMatchObject({ status: 'FINISHED', outcome: 'ABORT', attempt_count: 0 });
  });

  it('a dead dispatcher’s leads are dialled once its lease runs out, and not before', async () => {
    await h.template('orphaned');
    const leadId = await h.pushLead('orphaned', '+14155552007');
    await claimDueLeads(h.db(), h.t.service.db.dialect, { token: 'dead-node:1', limit: 100, now: Date.now(), leaseMs: 60_000 });
    await h.run();
    expect(postsTo('+14155552007')).toHaveLength(0);
    await h.db().updateTable('leads').set({ lease_expires_at: Date.now() - 1 }).where('lease_owner', '=', 'dead-node:1').execute();
    await h.run();
    await h.run();
    expect(postsTo('+14155552007')).toHaveLength(1);
    expect((await h.lead(leadId)).status).toBe('PROCESSING');
  });

  it('dispatch-now makes a lead due at once; the gates still apply', async () => {
    await h.template('later', { initial_offset: 3600 });
    const leadId = await h.pushLead('later', '+14155552008');
    await h.run();
    expect(postsTo('+14155552008')).toHaveLength(0);
    const res = await h.t.api('POST', `/leads/${leadId}/dispatch-now`, { token: h.tokens.merchant });
    expect(res.json()).toEqual({ status: 'queued', expected_dispatch_within_ms: 200 });
    await h.run();
    expect(postsTo('+14155552008')).toHaveLength(1);
    expect((await h.t.api('POST', `/leads/${leadId}/dispatch-now`, { token: h.tokens.merchant })).statusCode).toBe(409);

    await h.t.api('POST', '/blacklist', { token: h.tokens.reseller, body: { phone_numbers: ['+14155552009'] } });
    const blocked = await h.pushLead('later', '+14155552009');
    await h.t.api('POST', `/leads/${blocked}/dispatch-now`, { token: h.tokens.merchant });
    await h.run();
    expect(await h.lead(blocked)).toMatchObject({ status: 'FINISHED', outcome: 'BLACKLISTED' });
  });

  it('the kill switch stops all claiming without losing a lead', async () => {
    await h.template('killed');
    h.flagEnv.BB_DISPATCH_ENABLED = 'false';
    const leadId = await h.pushLead('killed', '+14155552010');
    await h.run();
    expect(postsTo('+14155552010')).toHaveLength(0);
    expect(await h.lead(leadId)).toMatchObject({ status: 'BACKLOG', attempt_count: 0 });
    const row = await h.db().selectFrom('leads').select(['lease_owner']).where('id', '=', leadId).executeTakeFirstOrThrow();
    expect(row.lease_owner).toBeNull();
    h.flagEnv.BB_DISPATCH_ENABLED = 'true';
    await h.run();
    expect(postsTo('+14155552010')).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import type { CreateReply } from '../support/fake-twilio.ts';
import { startAttempt } from '../../src/calls/attempts.ts';
import { startHarness, type Harness } from './harness.ts';

/** Per destination, what the fake Twilio does with a create request. */
const script = new Map<string, CreateReply>();
const twilioError = (status: number, code: number, message: string) => ({ status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } });

describe.each(DIALECTS)('placement failures and the sweeper (%s)', (dialect) => {
  let h: Harness;
  let numberId: string;
  beforeAll(async () => {
    h = await startHarness(dialect, { onCreate: (req) => script.get(req.to) ?? 'create' });
    numberId = await h.number('+14155550100', { maximum_channels: 100 });
    await h.template('sweep', { max_retry: 0 });
    await h.template('sweep-retry', { max_retry: 1, retry_offset: 600 });
  });
  afterAll(() => h.close());

  const postsTo = (phone: string) => h.twilio.posts.filter((p) => p.to === phone);
  /** What the passage of time does: the dispatcher's lease ran out, the attempt got old. */
  const age = async (leadId: string, field: 'created_at' | 'updated_at' = 'created_at') => {
    await h.db().updateTable('leads').set({ lease_expires_at: Date.now() - 1 }).where('id', '=', leadId).execute();
    await h.db().updateTable('call_attempts').set({ [field]: Date.now() - 3_600_000 }).where('lead_id', '=', leadId).execute();
  };

  it('a provider that refuses the call: the attempt is a failed call and the retry rules apply', async () => {
    script.set('+14155556001', twilioError(400, 21217, 'Phone number does not appear to be valid'));
    const leadId = await h.pushLead('sweep-retry', '+14155556001');
    await h.run();
    const [attempt] = await h.attempts(leadId);
    expect(attempt).toMatchObject({ outcome: 'NO_ANSWER', provider_reason: 'FAILED', call_id: null });
    expect(attempt!.failure_reason).toMatch(/the provider refused the call: .*HTTP 400: Phone number does not appear to be valid/);
    expect(await h.lead(leadId)).toMatchObject({ status: 'BACKLOG', attempt_count: 1 });
  });

  it('a provider that is down (5xx): nothing is spent and the placement is tried again later', async () => {
    script.set('+14155556002', twilioError(503, 20503, 'Service Unavailable'));
    const leadId = await h.pushLead('sweep', '+14155556002');
    await h.run();
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 0 });
    expect(Date.parse(lead.next_attempt_at as string) - Date.now()).toBeGreaterThan(10_000);
    expect(await h.attempts(leadId)).toHaveLength(0);
  });

  it('no answer after the provider created the call: the sweeper finds the call instead of dialling again', async () => {
    script.set('+14155556003', 'drop');
    const leadId = await h.pushLead('sweep', '+14155556003');
    await h.run();
    expect(await h.lead(leadId)).toMatchObject({ status: 'PROCESSING', call_id: null });
    expect((await h.dispatch.sweeper.sweep()).reconciled).toBe(0); // too young, lease still held
    await age(leadId);
    expect((await h.dispatch.sweeper.sweep()).reconciled).toBe(1);
    const call = h.twilio.calls.find((c) => c.to === '+14155556003')!;
    expect(postsTo('+14155556003')).toHaveLength(1);
    expect(await h.lead(leadId)).toMatchObject({ status: 'PROCESSING', call_id: call.sid });
  });

  it('a dispatcher that died before sending: the sweeper places the call, with the same idempotency key', async () => {
    const leadId = await h.pushLead('sweep', '+14155556004');
    await h.db().updateTable('leads').set({ next_attempt_at: Date.now() + 3_600_000 }).where('id', '=', leadId).execute();
    const attempt = await h.db().transaction().execute((trx) =>
      startAttempt(trx, { leadId, provider: 'twilio', isTest: false, toNumber: '+14155556004', fromNumber: '+14155550100', numberId }),
    );
    await age(leadId);
    expect((await h.dispatch.sweeper.sweep()).reconciled).toBe(1);
    expect(postsTo('+14155556004').map((p) => p.key)).toEqual([attempt.dial_key]);
    expect((await h.lead(leadId)).call_id).toBe(h.twilio.calls.find((c) => c.to === '+14155556004')!.sid);
    expect((await h.dispatch.sweeper.sweep()).reconciled).toBe(0);
  });

  it('a provider that cannot be searched: the attempt ends UNKNOWN rather than risk a second call', async () => {
    const leadId = await h.pushLead('sweep', '+14155556005');
    await h.db().updateTable('leads').set({ next_attempt_at: Date.now() + 3_600_000 }).where('id', '=', leadId).execute();
    await h.db().transaction().execute((trx) => startAttempt(trx, { leadId, provider: 'plivo', isTest: false, toNumber: '+14155556005' }));
    await age(leadId);
    await h.dispatch.sweeper.sweep();
    expect(await h.lead(leadId)).toMatchObject({ status: 'FINISHED', outcome: 'UNKNOWN', provider_status: 'UNKNOWN' });
    expect(postsTo('+14155556005')).toHaveLength(0);
  });

  it('a call that went silent: the provider is asked and its answer ends the attempt', async () => {
    const ended = await h.pushLead('sweep', '+14155556006');
    const live = await h.pushLead('sweep', '+14155556007');
    const vanished = await h.pushLead('sweep', '+14155556008');
    await h.run();
    h.twilio.setStatus(h.twilio.calls.find((c) => c.to === '+14155556006')!.sid, 'no-answer');
    h.twilio.setStatus(h.twilio.calls.find((c) => c.to === '+14155556007')!.sid, 'in-progress');
    await h.db().updateTable('call_attempts').set({ call_id: 'CA00000000000000000000000000000000' }).where('lead_id', '=', vanished).execute();
    for (const id of [ended, live, vanished]) await age(id, 'updated_at');

    expect((await h.dispatch.sweeper.sweep()).swept).toBe(3);
    expect(await h.lead(ended)).toMatchObject({ status: 'FINISHED', outcome: 'NO_ANSWER', provider_reason: 'NO_ANSWER' });
    expect(await h.lead(live)).toMatchObject({ status: 'PROCESSING' });
    expect(await h.lead(vanished)).toMatchObject({ status: 'FINISHED', outcome: 'UNKNOWN' });
    // The live call is asked about again only after another quiet period.
    expect((await h.dispatch.sweeper.sweep()).swept).toBe(0);
  });
});

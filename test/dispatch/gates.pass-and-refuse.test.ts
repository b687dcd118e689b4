import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, sampleTemplate } from '../support/service.ts';
import { toJson } from '../../src/db/json.ts';
import { startHarness, type Harness } from './harness.ts';

describe.each(DIALECTS)('the gates before a call (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect, { env: { PUBLIC_BASE_URL: 'https://buddy.example.com' } });
    await h.number('+14155550100');
    await h.number('+442071838750');
  });
  afterAll(() => h.close());

  const postsTo = (phone: string) => h.twilio.posts.filter((p) => p.to === phone);
  const webhookBody = async (leadId: string) => {
    const rows = await h.db().selectFrom('webhook_messages').select('body').where('lead_id', '=', leadId).execute();
    return rows.map((r) => JSON.parse(r.body) as Record<string, unknown>);
  };
  const expectRefused = async (leadId: string, phone: string, outcome: string, reason: RegExp) => {
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'FINISHED', outcome, platform_status: 'NOT_INITIATED', platform_reason: outcome, attempt_count: 1, next_attempt_at: null });
    expect(postsTo(phone)).toHaveLength(0);
    const [attempt] = await h.attempts(leadId);
    expect(attempt).toMatchObject({ outcome, platform_status: 'NOT_INITIATED', call_id: null });
    expect(attempt!.finished_at).not.toBeNull();
    const [body] = await webhookBody(leadId);
    expect(body).toMatchObject({ leadId, outcome, attemptCount: 1 });
    expect(String(body!.failureReason)).toMatch(reason);
  };

  it('a lead that passes every gate is placed with Twilio and becomes PROCESSING', async () => {
    await h.template('pass');
    const leadId = await h.pushLead('pass', '+14155551001');
    await h.run();
    const [post] = postsTo('+14155551001');
    expect(post).toMatchObject({ key: `${leadId}:1` });
    expect(['+14155550100', '+442071838750']).toContain(post!.from);
    const call = h.twilio.calls.find((c) => c.to === '+14155551001')!;
    expect(call.answerUrl).toMatch(/^https:\/\/buddy\.example\.com\/agent\/voice\/breeze-buddy\/twilio\/answer(\?|$)/);
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'PROCESSING', call_id: call.sid, attempt_count: 1, platform_status: 'INITIATED', platform_reason: 'DIALED' });
    const [attempt] = await h.attempts(leadId);
    expect(attempt).toMatchObject({ dial_key: `${leadId}:1`, call_id: call.sid, from_number: post!.from, provider: 'twilio', finished_at: null });
  });

  it('a TELEPHONY_TEST lead is placed with the emulator, never with the real provider', async () => {
    await h.template('emulated');
    const leadId = await h.pushLead('emulated', '+14155551011', { execution_mode: 'TELEPHONY_TEST' });
    await h.run();
    expect(postsTo('+14155551011')).toHaveLength(0);
    const [attempt] = await h.attempts(leadId);
    expect(attempt).toMatchObject({ is_test: 1, provider: 'twilio', dial_key: `${leadId}:1` });
    expect(attempt!.call_id).toEqual(expect.any(String));
  });

  it('enable_calling=false keeps the lead waiting, with no attempt and no call', async () => {
    await h.template('paused', { enable_calling: false });
    const leadId = await h.pushLead('paused', '+14155551002');
    await h.run();
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 0, outcome: null });
    expect(Date.parse(lead.next_attempt_at as string) - Date.now()).toBeGreaterThan(50_000);
    expect(await h.attempts(leadId)).toHaveLength(0);
  });

  it('no call configuration → NO_CONFIG', async () => {
    const tpl = await h.t.api('POST', '/templates', { token: h.tokens.merchant, body: sampleTemplate('unconfigured') });
    expect(tpl.statusCode).toBe(201);
    const leadId = await h.pushLead('unconfigured', '+14155551003');
    await h.run();
    await expectRefused(leadId, '+14155551003', 'NO_CONFIG', /no call execution configuration/);
  });

  it('outside the calling window the lead moves to the next opening, it is not refused', async () => {
    const inTwoHours = new Date(Date.now() + 2 * 3600_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    await h.template('closed', { call_start_time: hhmm(inTwoHours), call_end_time: hhmm(new Date(inTwoHours.getTime() + 3600_000)) });
    const leadId = await h.pushLead('closed', '+14155551004');
    await h.run();
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 0 });
    const next = Date.parse(lead.next_attempt_at as string);
    expect(next).toBeLessThanOrEqual(inTwoHours.getTime());
    expect(next).toBeGreaterThan(inTwoHours.getTime() - 60_000);
    expect(postsTo('+14155551004')).toHaveLength(0);
  });

  it('a number that is not E.164 → INVALID_PHONE', async () => {
    await h.template('badphone');
    const leadId = await h.pushLead('badphone', '+14155551005');
    // The API refuses such a lead; one stored before that check (or edited) still must not be dialled.
    await h.db().updateTable('leads').set({ payload: toJson({ customer_mobile_number: '4155551005', customer_name: 'Asha' }) }).where('id', '=', leadId).execute();
    await h.run();
    await expectRefused(leadId, '4155551005', 'INVALID_PHONE', /not a valid E\.164/);
  });

  it('international calls: refused when disabled, dialled from a same-country number when possible', async () => {
    await h.template('domestic-only', { enable_international_call: false });
    const abroad = await h.pushLead('domestic-only', '+33142685300');
    const uk = await h.pushLead('domestic-only', '+442079460000');
    await h.run();
    await expectRefused(abroad, '+33142685300', 'INVALID_PHONE', /international calls are disabled: \+33142685300 is in FR/);
    expect((await h.lead(uk)).status).toBe('PROCESSING');
    expect(postsTo('+442079460000')[0]).toMatchObject({ from: '+442071838750' });

    await h.template('worldwide', { enable_international_call: true });
    const allowed = await h.pushLead('worldwide', '+33142685301');
    await h.run();
    expect((await h.lead(allowed)).status).toBe('PROCESSING');
  });

  it('a blacklisted number → BLACKLISTED when enforce_blacklist, dialled when not', async () => {
    const res = await h.t.api('POST', '/blacklist', { token: h.tokens.reseller, body: { phone_numbers: ['+14155551006'] } });
    expect(res.statusCode).toBe(201);
    await h.template('enforced');
    await h.template('lenient', { enforce_blacklist: false });
    const refused = await h.pushLead('enforced', '+14155551006');
    await h.run();
    await expectRefused(refused, '+14155551006', 'BLACKLISTED', /is on the blacklist/);
    const dialled = await h.pushLead('lenient', '+14155551006');
    await h.run();
    expect((await h.lead(dialled)).status).toBe('PROCESSING');
  });

  it('no number of the configured provider → NUMBER_UNAVAILABLE', async () => {
    await h.template('plivo-only', { calling_provider: 'PLIVO' });
    const leadId = await h.pushLead('plivo-only', '+14155551007');
    await h.run();
    await expectRefused(leadId, '+14155551007', 'NUMBER_UNAVAILABLE', /no AVAILABLE PLIVO number/);
  });

  it('the template’s own outbound number is preferred', async () => {
    const own = await h.number('+14155550199');
    await h.template('own-number', {}, { outbound_number_id: own });
    const leadId = await h.pushLead('own-number', '+14155551008');
    await h.run();
    expect(postsTo('+14155551008')[0]).toMatchObject({ from: '+14155550199' });
    expect((await h.attempts(leadId))[0]).toMatchObject({ number_id: own });
  });
});

// Inbound calls (reference §15.5, §8.2): an answer webhook for a call Buddy did not place is
// routed by the number dialled to the templates mapped to it — none: block; one: its
// conversation; several: a menu — through the inbound policy of the chosen template.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type TestService, type Tokens } from '../support/service.ts';
import { newId, now } from '../../src/core/ids.ts';
import { exotelPassthruAfterGather } from './fixtures/exotel.ts';
import { plivoSignedAnswer } from './fixtures/plivo.ts';
import { twilioAnswerInbound, twilioStatusCompleted } from './fixtures/twilio.ts';
import { orderConfirmation } from './support/calls.ts';
import { providerRequest, startProviderService } from './support/provider-requests.ts';

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

describe.each(DIALECTS)('inbound calls (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  let numberSeq = 100;

  beforeAll(async () => {
    t = await startProviderService(dialect);
    tokens = await issueTokens(t);
  });
  afterAll(() => t.close());

  const db = () => t.service.db.kysely;

  /** A number of reseller res_1 (inserted directly: registering would call the provider). */
  const addNumber = async (provider = 'TWILIO') => {
    const phone = `+1415555${String(++numberSeq).padStart(4, '0')}`;
    const id = newId();
    await db().insertInto('numbers').values({ id, reseller_id: 'res_1', merchant_id: null, phone_number: phone, provider, status: 'AVAILABLE', channel: 'voice', maximum_channels: 5, created_at: now(), updated_at: now() }).execute();
    return { id, phone };
  };

  const addTemplate = async (name: string, numberId: string, configurations: Record<string, unknown> = {}, config: Record<string, unknown> = {}) => {
    const res = await t.api('POST', '/templates', { token: tokens.merchant, body: orderConfirmation(name, { outbound_number_id: numberId, configurations }) });
    expect(res.statusCode).toBe(201);
    const configured = await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: res.json().id, ...config } });
    expect(configured.statusCode).toBe(201);
    return res.json().id as string;
  };

  const ring = (to: string, from = '+14155550199', callSid = `CA${randomBytes(16).toString('hex')}`) => ({
    callSid,
    send: () => providerRequest(t, 'twilio', { path: '/answer', form: { ...twilioAnswerInbound.params, CallSid: callSid, To: to, Called: to, From: from, Caller: from } }),
  });

  const routed = (callId: string) => db().selectFrom('inbound_calls').selectAll().where('call_id', '=', callId).execute();

  it('blocks a call to a number without templates (BLOCKED_REJECT) and creates no lead', async () => {
    const { phone } = await addNumber();
    const call = ring(phone);
    const res = await call.send();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Say>Sorry, this number is not taking calls right now. Goodbye.</Say><Hangup/>');
    expect(await routed(call.callSid)).toMatchObject([{ outcome: 'BLOCKED_REJECT', reason: 'no_template', lead_id: null }]);
    expect(await db().selectFrom('leads').select('id').where('request_id', '=', `inbound-${call.callSid}`).execute()).toEqual([]);
  });

  it('connects a call to the one template mapped to the number, as an INBOUND lead that finishes like any call', async () => {
    const number = await addNumber();
    await addTemplate('inbound-single', number.id);
    const call = ring(number.phone);
    const res = await call.send();
    expect(res.body).toContain('Press 1 to confirm your order');
    const [entry] = await routed(call.callSid);
    expect(entry).toMatchObject({ outcome: 'CONNECTED', number_id: number.id });

    const attempt = await db().selectFrom('call_attempts').selectAll().where('lead_id', '=', entry!.lead_id!).executeTakeFirstOrThrow();
    const action = /action="([^"]+)"/.exec(res.body)![1]!.replaceAll('&amp;', '&');
    const turn = new URL(action).searchParams;
    const gather = await providerRequest(t, 'twilio', {
      path: '/gather',
      query: { attempt: turn.get('attempt')!, turn: turn.get('turn')! },
      form: { ...twilioAnswerInbound.params, CallSid: call.callSid, Digits: '1' },
    });
    expect(gather.body).toContain('Thank you, your order is confirmed.');
    await providerRequest(t, 'twilio', { path: '/callback/status', form: { ...twilioStatusCompleted.params, CallSid: call.callSid, Direction: 'inbound' } });

    const lead = (await t.api('GET', `/leads/${entry!.lead_id}`, { token: tokens.merchant })).json();
    expect(lead).toMatchObject({ call_direction: 'INBOUND', status: 'FINISHED', outcome: 'CONFIRMED', call_id: call.callSid, template: 'inbound-single' });
    expect(lead.payload.customer_mobile_number).toBe('+14155550199');
    expect(attempt).toMatchObject({ direction: 'INBOUND', from_number: number.phone, to_number: '+14155550199' });
  });

  it('offers a menu when several templates share the number: ivr_priority order, press 2 = the second', async () => {
    const number = await addNumber();
    await addTemplate('menu-support', number.id, { ivr_greeting: 'Press 2 for support.', ivr_priority: 2 });
    await addTemplate('menu-sales', number.id, { ivr_greeting: 'Press 1 for sales.', ivr_priority: 1 });
    const call = ring(number.phone);
    const menu = await call.send();
    expect(menu.body).toContain('<Say>Press 1 for sales. Press 2 for support.</Say>');
    const action = /action="([^"]+)"/.exec(menu.body)![1]!.replaceAll('&amp;', '&');
    const query = Object.fromEntries(new URL(action).searchParams);
    expect(query).toMatchObject({ menu: number.id, try: '0' });

    const choice = await providerRequest(t, 'twilio', { path: '/gather', query, form: { ...twilioAnswerInbound.params, CallSid: call.callSid, To: number.phone, Digits: '2' } });
    expect(choice.body).toContain('Press 1 to confirm your order');
    const [entry] = await routed(call.callSid);
    const lead = (await t.api('GET', `/leads/${entry!.lead_id}`, { token: tokens.merchant })).json();
    expect(lead.template).toBe('menu-support');
  });

  it('says goodbye after three prompts without a valid choice (NO_SELECTION, no lead)', async () => {
    const number = await addNumber();
    await addTemplate('menu-a', number.id, { ivr_goodbye: 'Nothing chosen. Bye.' });
    await addTemplate('menu-b', number.id);
    const call = ring(number.phone);
    await call.send();
    const form = { ...twilioAnswerInbound.params, CallSid: call.callSid, To: number.phone, Digits: '9' };
    const first = await providerRequest(t, 'twilio', { path: '/gather', query: { menu: number.id, try: '0' }, form });
    expect(first.body).toContain('Sorry, that is not an option. Press 1 for menu-a. Press 2 for menu-b.');
    await providerRequest(t, 'twilio', { path: '/gather', query: { menu: number.id, try: '1', no_input: '1' }, form });
    const last = await providerRequest(t, 'twilio', { path: '/gather', query: { menu: number.id, try: '2' }, form });
    expect(last.body).toContain('<Say>Nothing chosen. Bye.</Say><Hangup/>');
    expect(await routed(call.callSid)).toMatchObject([{ outcome: 'NO_SELECTION', lead_id: null }]);
  });

  it('applies the block action outside inbound hours: REDIRECT dials the configured number (BLOCKED_REDIRECT)', async () => {
    const number = await addNumber();
    const later = Date.now() + 2 * 3600_000;
    await addTemplate('closed', number.id, {}, {
      inbound_call_start_time: hhmm(later),
      inbound_call_end_time: hhmm(later + 3600_000),
      inbound_call_timezone: 'UTC',
      inbound_block_action: 'REDIRECT',
      inbound_redirect_number: '+14155550000',
      inbound_block_message: 'We are closed; connecting you to our desk.',
    });
    const call = ring(number.phone);
    const res = await call.send();
    expect(res.body).toContain('<Say>We are closed; connecting you to our desk.</Say><Dial>+14155550000</Dial>');
    expect(await routed(call.callSid)).toMatchObject([{ outcome: 'BLOCKED_REDIRECT', reason: 'outside_hours', lead_id: null }]);
  });

  it('rejects a blacklisted caller (BLOCKED_REJECT) and a caller over the rate limit (CAPACITY_REJECTED), but not a whitelisted one', async () => {
    const number = await addNumber();
    await addTemplate('limited', number.id, {}, {
      inbound_rate_limit_enabled: true,
      inbound_rate_limit_max_calls: 1,
      inbound_rate_limit_window_seconds: 3600,
      inbound_whitelist: ['+14155550177'],
    });
    await t.api('POST', '/blacklist', { token: tokens.reseller, body: { phone_numbers: ['+14155550166'] } });

    const blacklisted = ring(number.phone, '+14155550166');
    expect((await blacklisted.send()).body).toContain('Sorry, we cannot take your call.');
    expect(await routed(blacklisted.callSid)).toMatchObject([{ outcome: 'BLOCKED_REJECT', reason: 'blacklisted' }]);

    const first = ring(number.phone, '+14155550155');
    expect((await first.send()).body).toContain('Press 1 to confirm');
    const second = ring(number.phone, '+14155550155');
    expect((await second.send()).body).toContain('too many calls');
    expect(await routed(second.callSid)).toMatchObject([{ outcome: 'CAPACITY_REJECTED', reason: 'rate_limited', lead_id: null }]);

    for (let i = 0; i < 2; i++) expect((await ring(number.phone, '+14155550177').send()).body).toContain('Press 1 to confirm');
  });

  it('replays a repeated answer webhook: one lead, one count', async () => {
    const number = await addNumber();
    await addTemplate('repeat', number.id);
    const call = ring(number.phone);
    const first = await call.send();
    const again = await call.send();
    expect(again.body).toBe(first.body);
    expect(await routed(call.callSid)).toHaveLength(1);
  });

  it("serves Exotel's menu through its static URLs: the choice reaches /gather with no menu parameter", async () => {
    const number = await db().insertInto('numbers').values({ id: newId(), reseller_id: 'res_1', merchant_id: null, phone_number: '+918047491877', provider: 'EXOTEL', status: 'AVAILABLE', channel: 'voice', maximum_channels: 5, created_at: now(), updated_at: now() }).returning('id').executeTakeFirstOrThrow();
    await addTemplate('exo-first', number.id, { ivr_priority: 1 });
    await addTemplate('exo-second', number.id, { ivr_priority: 2 });
    const sid = randomBytes(16).toString('hex');
    const query = { ...exotelPassthruAfterGather, CallSid: sid, CallTo: '08047491877' };
    expect((await providerRequest(t, 'exotel', { path: '/answer', method: 'GET', query: { ...query, digits: '' } })).statusCode).toBe(200);
    const menu = await providerRequest(t, 'exotel', { path: '/prompt', method: 'GET', query: { CallSid: sid } });
    expect(menu.json()).toMatchObject({ gather_prompt: { text: 'Press 1 for exo-first. Press 2 for exo-second.' }, max_input_digits: 1 });
    const choice = await providerRequest(t, 'exotel', { path: '/gather', method: 'GET', query: { ...query, digits: '"2"' } });
    expect(choice.statusCode).toBe(200);
    const opening = await providerRequest(t, 'exotel', { path: '/prompt', method: 'GET', query: { CallSid: sid } });
    expect(opening.json().gather_prompt.text).toContain('Press 1 to confirm your order');
    const [entry] = await routed(sid);
    expect(entry).toMatchObject({ outcome: 'CONNECTED' });
    expect((await t.api('GET', `/leads/${entry!.lead_id}`, { token: tokens.merchant })).json().template).toBe('exo-second');
  });

  it('routes Plivo and Exotel inbound calls the same way', async () => {
    const plivo = await addNumber('PLIVO');
    await addTemplate('inbound-plivo', plivo.id);
    const uuid = newId();
    const plivoAnswer = await providerRequest(t, 'plivo', {
      path: '/answer',
      // Plivo writes numbers without '+'.
      form: { ...plivoSignedAnswer.params, Direction: 'inbound', CallUUID: uuid, RequestUUID: uuid, ALegUUID: uuid, ALegRequestUUID: uuid, To: plivo.phone.slice(1), From: '14155550199' },
    });
    expect(plivoAnswer.body).toContain('<GetInput');
    expect(await routed(uuid)).toMatchObject([{ outcome: 'CONNECTED', provider: 'plivo' }]);

    const exotel = await db().insertInto('numbers').values({ id: newId(), reseller_id: 'res_1', merchant_id: null, phone_number: '+918047491800', provider: 'EXOTEL', status: 'AVAILABLE', channel: 'voice', maximum_channels: 5, created_at: now(), updated_at: now() }).returning('id').executeTakeFirstOrThrow();
    await addTemplate('inbound-exotel', exotel.id);
    const sid = randomBytes(16).toString('hex');
    // Exotel writes Indian numbers in national form.
    const passthru = await providerRequest(t, 'exotel', { path: '/answer', method: 'GET', query: { ...exotelPassthruAfterGather, digits: '', CallSid: sid, CallTo: '08047491800' } });
    expect(passthru.statusCode).toBe(200);
    const prompt = await providerRequest(t, 'exotel', { path: '/prompt', method: 'GET', query: { CallSid: sid } });
    expect(prompt.json().gather_prompt.text).toContain('Press 1 to confirm');
    expect(await routed(sid)).toMatchObject([{ outcome: 'CONNECTED', provider: 'exotel' }]);
  });
});

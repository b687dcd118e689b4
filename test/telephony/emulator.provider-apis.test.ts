// The emulator as the adapters see it: each provider's REST API (place, fetch, hang up,
// idempotency, auth), and callbacks that the adapters' own signature checks and parsers accept.
// "Buddy" here is a recorder on a loopback port that answers with scripted documents.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createProvider, ProviderApiError } from '../../src/telephony/index.ts';
import type { TelephonyProvider } from '../../src/telephony/provider.ts';
import { EMULATOR_ACCOUNT_IDS, emulatorTelephonyConfig } from '../../src/telephony/emulator/accounts.ts';
import { startEmulator, type Emulator } from '../../src/telephony/emulator/emulator.ts';
import { startFakeProviderApi, type FakeProviderApi, type RecordedRequest } from './fake-provider-api.ts';

const TOKEN = 'emulator-test-token-0123456789';
const SECRET = 'exotel-url-secret-0123456789';

describe('the provider emulator', () => {
  let emulator: Emulator;
  let buddy: FakeProviderApi;
  const documents: Record<string, string> = {};
  beforeAll(async () => {
    emulator = await startEmulator({ authToken: TOKEN, ringDelayMs: 5 });
    buddy = await startFakeProviderApi((req) => {
      const path = req.url.split('?')[0]!;
      const body = Object.entries(documents).find(([suffix]) => path.endsWith(suffix))?.[1];
      return body === undefined ? { status: 200, body: '' } : { status: 200, body };
    });
  });
  afterAll(async () => {
    await emulator.close();
    await buddy.close();
  });
  afterEach(() => {
    buddy.requests.length = 0;
  });

  const adapter = (name: 'twilio' | 'plivo' | 'exotel'): TelephonyProvider => createProvider(name, emulatorTelephonyConfig(emulator.baseUrl, TOKEN, SECRET));
  const verified = (provider: TelephonyProvider, req: RecordedRequest) =>
    provider.verifyRequest({ url: `${buddy.baseUrl}${req.url}`, method: req.method, headers: req.headers as Record<string, string>, rawBody: req.body });

  it('Twilio: plays a call with signed, parseable callbacks, in order', async () => {
    documents['/tw/answer'] = `<Response><Gather input="dtmf speech" action="${buddy.baseUrl}/tw/gather" numDigits="1"><Say>Press one</Say></Gather></Response>`;
    documents['/tw/gather'] = '<Response><Say>Bye &amp; thanks</Say><Hangup/></Response>';
    emulator.scripts.set('+14155557001', { inputs: [{ speech: 'yes please' }] });
    const twilio = adapter('twilio');
    const placed = await twilio.placeCall({
      from: '+14155550100',
      to: '+14155557001',
      answerUrl: `${buddy.baseUrl}/tw/answer`,
      statusCallbackUrl: `${buddy.baseUrl}/tw/status`,
      recordingCallbackUrl: `${buddy.baseUrl}/tw/recording`,
    });
    const call = await emulator.waitForCall(placed.callId);
    expect(call.heard).toEqual(['Press one', 'Bye & thanks']);
    expect(buddy.requests.map((r) => r.url)).toEqual(['/tw/status', '/tw/status', '/tw/status', '/tw/answer', '/tw/gather', '/tw/recording', '/tw/status']);
    for (const req of buddy.requests) expect(verified(twilio, req)).toBe(true);
    const statuses = buddy.requests.filter((r) => r.url === '/tw/status').map((r) => twilio.parseStatusCallback(Object.fromEntries(new URLSearchParams(r.body))));
    expect(statuses.map((s) => [s.status, s.sequence])).toEqual([['initiated', 0], ['ringing', 1], ['in-progress', 2], ['completed', 3]]);
    expect(statuses.at(-1)!.durationSeconds).toBe(8);
    const gather = twilio.parseGatherResult(Object.fromEntries(new URLSearchParams(buddy.requests[4]!.body)));
    expect(gather).toMatchObject({ callId: placed.callId, speech: 'yes please', confidence: 0.92 });
    const fetched = await twilio.fetchCall(placed.callId);
    expect(fetched).toMatchObject({ status: 'completed', durationSeconds: 8 });
  });

  it('Twilio: one idempotency key, one call (per account); credentials of another account are 401', async () => {
    emulator.scripts.set('+14155557002', { answer: 'busy' });
    const twilio = adapter('twilio');
    const options = { from: '+14155550100', to: '+14155557002', answerUrl: `${buddy.baseUrl}/x`, statusCallbackUrl: `${buddy.baseUrl}/s`, idempotencyKey: 'lead-1:1' };
    const first = await twilio.placeCall(options);
    const second = await twilio.placeCall(options);
    expect(second.callId).toBe(first.callId);
    expect(emulator.calls().filter((c) => c.to === '+14155557002')).toHaveLength(1);
    const other = createProvider('twilio', { twilio: { accountSid: 'ACother', authToken: 'x', apiBaseUrl: `${emulator.baseUrl}/twilio` } });
    expect((await other.placeCall(options)).callId).not.toBe(first.callId);
    const stranger = await request(`${emulator.baseUrl}/twilio/2010-04-01/Accounts/${EMULATOR_ACCOUNT_IDS.twilio}/Calls.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('ACother:x').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'To=%2B14155557002&From=%2B14155550100&Url=http%3A%2F%2Fx',
    });
    expect(stranger.statusCode).toBe(401);
    expect(await stranger.body.json()).toMatchObject({ code: 20003 });
  });

  it('Plivo: request_uuid first, CallUUID in the callbacks; hang up before the answer cancels the call', async () => {
    const slow = await startEmulator({ authToken: TOKEN, ringDelayMs: 300 });
    try {
      const plivo = createProvider('plivo', emulatorTelephonyConfig(slow.baseUrl, TOKEN, SECRET));
      const placed = await plivo.placeCall({ from: '+14155550111', to: '+14155557003', answerUrl: `${buddy.baseUrl}/pl/answer`, statusCallbackUrl: `${buddy.baseUrl}/pl/status` });
      await plivo.hangup(placed.callId);
      const call = await slow.waitForCall(placed.callId);
      expect(call.status).toBe('canceled');
      expect(call.requestId).toBe(placed.callId);
      const hangup = buddy.requests.find((r) => r.url === '/pl/status' && r.body.includes('Event=Hangup'))!;
      expect(verified(plivo, hangup)).toBe(true);
      const parsed = plivo.parseStatusCallback(Object.fromEntries(new URLSearchParams(hangup.body)));
      expect(parsed).toMatchObject({ requestId: placed.callId, callId: call.sid, status: 'canceled', hangupCause: 'ORIGINATOR_CANCEL' });
      expect(call.sid).not.toBe(placed.callId);
      // The CDR of an ended call.
      expect((await plivo.fetchCall(call.sid)).status).toBe('canceled');
    } finally {
      await slow.close();
    }
  });

  it('Exotel: Calls/connect, a JSON terminal callback with the recording, and the call details', async () => {
    emulator.scripts.set('+919876500001', { answer: 'no-answer' });
    const exotel = adapter('exotel');
    const placed = await exotel.placeCall({
      from: '+918047491899',
      to: '+919876500001',
      answerUrl: `${buddy.baseUrl}/ex/answer`,
      statusCallbackUrl: exotel.prepareCallbackUrl(`${buddy.baseUrl}/ex/status`),
    });
    const call = await emulator.waitForCall(placed.callId);
    const terminal = buddy.requests.find((r) => r.url.startsWith('/ex/status'))!;
    expect(terminal.headers['content-type']).toBe('application/json');
    expect(verified(exotel, terminal)).toBe(true);
    expect(exotel.parseStatusCallback(JSON.parse(terminal.body) as Record<string, unknown>)).toMatchObject({ callId: call.sid, status: 'no-answer' });
    expect((await exotel.fetchCall(placed.callId)).status).toBe('no-answer');
    await expect(exotel.fetchCall('nope')).rejects.toBeInstanceOf(ProviderApiError);
  });

  it.each(['twilio', 'plivo'] as const)('%s: a live call can be hung up, or redirected to a new document that dials', async (name) => {
    // A document that waits forever, as a conversation would, until the API acts on the call.
    documents[`/${name}/wait`] = name === 'twilio'
      ? `<Response><Pause length="1"/><Redirect>${buddy.baseUrl}/${name}/wait</Redirect></Response>`
      : `<Response><Wait length="1"/><Redirect>${buddy.baseUrl}/${name}/wait</Redirect></Response>`;
    documents[`/${name}/moved`] = name === 'twilio'
      ? `<Response><Say>Transferring</Say><Dial action="${buddy.baseUrl}/${name}/dialled">+14155550000</Dial></Response>`
      : `<Response><Speak>Transferring</Speak><Dial action="${buddy.baseUrl}/${name}/dialled"><Number>14155550000</Number></Dial></Response>`;
    documents[`/${name}/dialled`] = '<Response><Hangup/></Response>';
    const provider = adapter(name);
    const place = (to: string) =>
      provider.placeCall({ from: '+14155550100', to, answerUrl: `${buddy.baseUrl}/${name}/wait`, statusCallbackUrl: `${buddy.baseUrl}/${name}/status` });
    const live = async (id: string) => {
      for (let i = 0; i < 100 && emulator.call(id)?.answeredAt === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      return emulator.call(id)!;
    };

    const hungUp = await place('+14155557010');
    const hungUpCall = await live(hungUp.callId);
    await provider.hangup(hungUpCall.sid);
    expect(await emulator.waitForCall(hungUp.callId)).toMatchObject({ status: 'completed', endedBy: 'api' });

    const moved = await place('+14155557011');
    const movedCall = await live(moved.callId);
    await provider.transfer({ mode: 'redirect', callId: movedCall.sid, url: `${buddy.baseUrl}/${name}/moved` });
    const done = await emulator.waitForCall(moved.callId);
    expect(done.heard).toEqual(['Transferring']);
    expect(done.dialled).toEqual(['+14155550000']);
    expect(buddy.requests.some((r) => r.url === `/${name}/dialled` && verified(provider, r))).toBe(true);
  });

  it('Twilio: a warm transfer dials the agent into a conference and reports its events', async () => {
    documents['/warm/wait'] = `<Response><Pause length="1"/><Redirect>${buddy.baseUrl}/warm/wait</Redirect></Response>`;
    const twilio = adapter('twilio');
    const customer = await twilio.placeCall({ from: '+14155550100', to: '+14155557020', answerUrl: `${buddy.baseUrl}/warm/wait`, statusCallbackUrl: `${buddy.baseUrl}/warm/status` });
    for (let i = 0; i < 100 && emulator.call(customer.callId)?.answeredAt === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    const result = await twilio.transfer({
      mode: 'warm',
      callId: customer.callId,
      room: 'transfer-1',
      agentNumber: '+14155557021',
      from: '+14155550100',
      statusCallbackUrl: `${buddy.baseUrl}/warm/agent-status`,
      eventsCallbackUrl: `${buddy.baseUrl}/warm/events`,
    });
    const agent = await emulator.waitForCall(result.agentCallId!);
    await emulator.waitForCall(customer.callId);
    expect(agent).toMatchObject({ to: '+14155557021', status: 'completed' });
    const events = buddy.requests.filter((r) => r.url === '/warm/events').map((r) => new URLSearchParams(r.body));
    expect(events.map((e) => [e.get('CallSid'), e.get('StatusCallbackEvent'), e.get('FriendlyName')])).toEqual(
      expect.arrayContaining([
        [agent.sid, 'participant-join', 'transfer-1'],
        [customer.callId, 'participant-join', 'transfer-1'],
      ]),
    );
    expect(buddy.requests.filter((r) => r.url === '/warm/agent-status').length).toBeGreaterThan(0);
  });

  it('the control API sets scripts, places inbound calls and reports them', async () => {
    documents['/in/answer'] = '<Response><Say>Welcome</Say></Response>';
    const put = await request(`${emulator.baseUrl}/control/scripts/+14155557004`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ digits: '5' }] }),
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    const bad = await request(`${emulator.baseUrl}/control/scripts/+1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"answer":"maybe"}' });
    expect(bad.statusCode).toBe(422);
    await bad.body.dump();

    const placed = await request(`${emulator.baseUrl}/control/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'twilio', from: '+14155557004', to: '+14155550100', url: `${buddy.baseUrl}/in/answer` }),
    });
    expect(placed.statusCode).toBe(201);
    const { call_sid } = (await placed.body.json()) as { call_sid: string };
    const waited = await request(`${emulator.baseUrl}/control/calls/${call_sid}/wait?timeout_ms=5000`);
    const view = (await waited.body.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ sid: call_sid, direction: 'inbound', heard: ['Welcome'], status: 'completed' });
    expect(view).not.toHaveProperty('authToken');
    const unconfigured = await request(`${emulator.baseUrl}/control/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'plivo', from: '+14155557004', to: '+14155559999' }),
    });
    expect(unconfigured.statusCode).toBe(409);
    await unconfigured.body.dump();
  });
});

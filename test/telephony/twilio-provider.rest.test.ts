import { afterEach, describe, expect, it } from 'vitest';
import { ProviderApiError } from '../../src/telephony/errors.ts';
import { createProvider } from '../../src/telephony/index.ts';
import type { TelephonyProvider } from '../../src/telephony/provider.ts';
import { basicAuth, formPairs, startFakeProviderApi } from './fake-provider-api.ts';
import type { FakeProviderApi, RecordedRequest, ScriptedResponse } from './fake-provider-api.ts';
import {
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_CALL_SID,
  twilioCallResource,
  twilioNotFound,
} from './fixtures/twilio.ts';

const CALLS = `/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Calls`;
const AUTH = basicAuth(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN);

let api: FakeProviderApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function twilioAgainst(respond: (req: RecordedRequest) => ScriptedResponse): Promise<TelephonyProvider> {
  api = await startFakeProviderApi(respond);
  return createProvider('twilio', {
    twilio: { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN, apiBaseUrl: api.baseUrl },
  });
}

describe('TwilioProvider.placeCall', () => {
  it('POSTs the exact form to Calls.json and returns the sid', async () => {
    const twilio = await twilioAgainst(() => ({ status: 201, body: twilioCallResource() }));
    const placed = await twilio.placeCall({
      from: '+16466063895',
      to: '+551135892112',
      answerUrl: 'https://buddy.example.com/twilio/answer?lead=42',
      statusCallbackUrl: 'https://buddy.example.com/twilio/callback/status',
      recordingCallbackUrl: 'https://buddy.example.com/twilio/callback/details',
      idempotencyKey: 'lead-42-attempt-1',
      timeoutSeconds: 30,
    });

    expect(placed).toEqual({ callId: TWILIO_CALL_SID, raw: twilioCallResource() });
    const [req] = api?.requests ?? [];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(`${CALLS}.json`);
    expect(req?.headers['authorization']).toBe(AUTH);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.headers['idempotency-key']).toBe('lead-42-attempt-1');
    expect(formPairs(req?.body ?? '')).toEqual([
      ['To', '+551135892112'],
      ['From', '+16466063895'],
      ['Url', 'https://buddy.example.com/twilio/answer?lead=42'],
      ['Method', 'POST'],
      ['StatusCallback', 'https://buddy.example.com/twilio/callback/status'],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
      ['Timeout', '30'],
      ['Record', 'true'],
      ['RecordingStatusCallback', 'https://buddy.example.com/twilio/callback/details'],
      ['RecordingStatusCallbackMethod', 'POST'],
    ]);
  });

  it('leaves recording, timeout and the idempotency header out when not asked', async () => {
    const twilio = await twilioAgainst(() => ({ status: 201, body: twilioCallResource() }));
    await twilio.placeCall({ from: '+1', to: '+2', answerUrl: 'https://a', statusCallbackUrl: 'https://s' });
    const [req] = api?.requests ?? [];
    const names = formPairs(req?.body ?? '').map(([name]) => name);
    expect(names).not.toContain('Record');
    expect(names).not.toContain('Timeout');
    expect(req?.headers['idempotency-key']).toBeUndefined();
  });

  it('turns a Twilio error into ProviderApiError with status and message', async () => {
    const twilio = await twilioAgainst(() => ({
      status: 400,
      body: { code: 21211, message: "The 'To' number +2 is not a valid phone number.", status: 400 },
    }));
    const placing = twilio.placeCall({ from: '+1', to: '+2', answerUrl: 'https://a', statusCallbackUrl: 'https://s' });
    await expect(placing).rejects.toBeInstanceOf(ProviderApiError);
    await expect(placing).rejects.toMatchObject({ status: 400, message: expect.stringContaining('not a valid phone number') });
  });

  it('refuses a 2xx body without a sid', async () => {
    const twilio = await twilioAgainst(() => ({ status: 201, body: { status: 'queued' } }));
    await expect(
      twilio.placeCall({ from: '+1', to: '+2', answerUrl: 'https://a', statusCallbackUrl: 'https://s' }),
    ).rejects.toMatchObject({ status: 201, message: expect.stringContaining('unexpected response shape') });
  });
});

describe('TwilioProvider.hangup', () => {
  it('POSTs Status=completed to the call', async () => {
    const twilio = await twilioAgainst(() => ({ status: 200, body: twilioCallResource({ status: 'completed' }) }));
    await twilio.hangup(TWILIO_CALL_SID);
    const [req] = api?.requests ?? [];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(`${CALLS}/${TWILIO_CALL_SID}.json`);
    expect(req?.headers['authorization']).toBe(AUTH);
    expect(formPairs(req?.body ?? '')).toEqual([['Status', 'completed']]);
  });

  it('treats 404 as already gone, other errors as errors', async () => {
    const twilio = await twilioAgainst((req) =>
      req.url.includes('CAgone') ? { status: 404, body: twilioNotFound } : { status: 500, body: 'boom' },
    );
    await expect(twilio.hangup('CAgone')).resolves.toBeUndefined();
    await expect(twilio.hangup('CAother')).rejects.toMatchObject({ status: 500 });
  });
});

describe('TwilioProvider.fetchCall', () => {
  it('GETs the call and normalises its status', async () => {
    const twilio = await twilioAgainst(() => ({ status: 200, body: twilioCallResource({ status: 'completed', duration: '49' }) }));
    await expect(twilio.fetchCall(TWILIO_CALL_SID)).resolves.toMatchObject({ status: 'completed', durationSeconds: 49 });
    expect(api?.requests[0]).toMatchObject({ method: 'GET', url: `${CALLS}/${TWILIO_CALL_SID}.json` });
  });
});

describe('TwilioProvider.transfer', () => {
  it('redirect: updates the live call’s Url', async () => {
    const twilio = await twilioAgainst(() => ({ status: 200, body: twilioCallResource({ status: 'in-progress' }) }));
    await twilio.transfer({ mode: 'redirect', callId: TWILIO_CALL_SID, url: 'https://buddy.example.com/twilio/transfer' });
    expect(api?.requests[0]?.url).toBe(`${CALLS}/${TWILIO_CALL_SID}.json`);
    expect(formPairs(api?.requests[0]?.body ?? '')).toEqual([
      ['Url', 'https://buddy.example.com/twilio/transfer'],
      ['Method', 'POST'],
    ]);
  });

  it('warm: dials the agent into the conference, then moves the customer', async () => {
    const agentSid = 'CA00000000000000000000000000000agent';
    const twilio = await twilioAgainst((req) =>
      req.url === `${CALLS}.json`
        ? { status: 201, body: twilioCallResource({ sid: agentSid }) }
        : { status: 200, body: twilioCallResource({ status: 'in-progress' }) },
    );
    const result = await twilio.transfer({
      mode: 'warm',
      callId: TWILIO_CALL_SID,
      room: 'xfer-42',
      agentNumber: '+14155550123',
      from: '+16466063895',
      statusCallbackUrl: 'https://b.example/twilio/callback/transfer/status',
      eventsCallbackUrl: 'https://b.example/twilio/callback/transfer/events',
      whisper: 'Wants to reschedule',
      timeoutSeconds: 25,
    });

    expect(result.agentCallId).toBe(agentSid);
    const [agent, customer] = api?.requests ?? [];
    const conference = (start: boolean) =>
      `<Conference startConferenceOnEnter="${start}" endConferenceOnExit="true" statusCallback="https://b.example/twilio/callback/transfer/events" statusCallbackMethod="POST" statusCallbackEvent="start end join leave">xfer-42</Conference>`;
    expect(agent?.url).toBe(`${CALLS}.json`);
    expect(formPairs(agent?.body ?? '')).toEqual([
      ['To', '+14155550123'],
      ['From', '+16466063895'],
      [
        'Twiml',
        `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Wants to reschedule</Say><Dial>${conference(true)}</Dial></Response>`,
      ],
      ['StatusCallback', 'https://b.example/twilio/callback/transfer/status'],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
      ['Timeout', '25'],
    ]);
    expect(customer?.url).toBe(`${CALLS}/${TWILIO_CALL_SID}.json`);
    expect(formPairs(customer?.body ?? '')).toEqual([
      ['Twiml', `<?xml version="1.0" encoding="UTF-8"?><Response><Dial>${conference(false)}</Dial></Response>`],
    ]);
  });

  it('warm: leaves the customer alone when the agent cannot be dialled', async () => {
    const twilio = await twilioAgainst(() => ({ status: 400, body: { code: 21211, message: 'bad To', status: 400 } }));
    const transfer = twilio.transfer({
      mode: 'warm',
      callId: TWILIO_CALL_SID,
      room: 'r',
      agentNumber: '+0',
      from: '+1',
      statusCallbackUrl: 'https://s',
      eventsCallbackUrl: 'https://e',
    });
    await expect(transfer).rejects.toBeInstanceOf(ProviderApiError);
    expect(api?.requests).toHaveLength(1);
  });
});

describe('provider REST unreachable', () => {
  it('reports ProviderApiError with no status', async () => {
    const closed = await startFakeProviderApi(() => ({ status: 200 }));
    await closed.close();
    const twilio = createProvider('twilio', {
      twilio: { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN, apiBaseUrl: closed.baseUrl },
    });
    await expect(twilio.fetchCall(TWILIO_CALL_SID)).rejects.toMatchObject({ name: 'ProviderApiError', status: null });
  });
});

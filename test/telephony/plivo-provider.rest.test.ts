import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/telephony/index.ts';
import type { TelephonyProvider } from '../../src/telephony/provider.ts';
import { basicAuth, startFakeProviderApi } from './fake-provider-api.ts';
import type { FakeProviderApi, RecordedRequest, ScriptedResponse } from './fake-provider-api.ts';
import {
  PLIVO_AUTH_ID,
  PLIVO_AUTH_TOKEN,
  PLIVO_CALL_UUID,
  PLIVO_REQUEST_UUID,
  plivoCallFired,
  plivoCallTransferred,
  plivoCdr,
  plivoNotFound,
} from './fixtures/plivo.ts';

const ACCOUNT = `/v1/Account/${PLIVO_AUTH_ID}`;
const AUTH = basicAuth(PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN);

let api: FakeProviderApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function plivoAgainst(respond: (req: RecordedRequest) => ScriptedResponse): Promise<TelephonyProvider> {
  api = await startFakeProviderApi(respond);
  return createProvider('plivo', { plivo: { authId: PLIVO_AUTH_ID, authToken: PLIVO_AUTH_TOKEN, apiBaseUrl: api.baseUrl } });
}

const json = (req: RecordedRequest | undefined): unknown => JSON.parse(req?.body ?? 'null');

describe('PlivoProvider.placeCall', () => {
  it('POSTs the exact JSON to Call/ and returns the request_uuid', async () => {
    const plivo = await plivoAgainst(() => ({ status: 201, body: plivoCallFired }));
    const placed = await plivo.placeCall({
      from: '+14155550100',
      to: '+919876543210',
      answerUrl: 'https://buddy.example.com/plivo/answer',
      statusCallbackUrl: 'https://buddy.example.com/plivo/callback/status',
      recordingCallbackUrl: 'https://buddy.example.com/plivo/callback/details',
      idempotencyKey: 'lead-42-attempt-1',
      timeoutSeconds: 30,
    });

    expect(placed).toEqual({ callId: PLIVO_REQUEST_UUID, raw: plivoCallFired });
    const [req] = api?.requests ?? [];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(`${ACCOUNT}/Call/`);
    expect(req?.headers['authorization']).toBe(AUTH);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['idempotency-key']).toBe('lead-42-attempt-1');
    expect(json(req)).toEqual({
      from: '14155550100',
      to: '919876543210',
      answer_url: 'https://buddy.example.com/plivo/answer',
      answer_method: 'POST',
      ring_url: 'https://buddy.example.com/plivo/callback/status',
      ring_method: 'POST',
      hangup_url: 'https://buddy.example.com/plivo/callback/status',
      hangup_method: 'POST',
      ring_timeout: 30,
    });
  });

  it('refuses a bulk destination', async () => {
    const plivo = await plivoAgainst(() => ({ status: 201, body: plivoCallFired }));
    await expect(
      plivo.placeCall({ from: '+1', to: '+2<+3', answerUrl: 'https://a', statusCallbackUrl: 'https://s' }),
    ).rejects.toBeInstanceOf(RangeError);
    expect(api?.requests).toHaveLength(0);
  });

  it('turns a Plivo error into ProviderApiError', async () => {
    const plivo = await plivoAgainst(() => ({ status: 400, body: { api_id: 'x', error: 'invalid to number' } }));
    await expect(
      plivo.placeCall({ from: '+1', to: '+2', answerUrl: 'https://a', statusCallbackUrl: 'https://s' }),
    ).rejects.toMatchObject({ name: 'ProviderApiError', status: 400, message: expect.stringContaining('invalid to number') });
  });
});

describe('PlivoProvider.hangup', () => {
  it('DELETEs the live call', async () => {
    const plivo = await plivoAgainst(() => ({ status: 204 }));
    await plivo.hangup(PLIVO_CALL_UUID);
    expect(api?.requests.map((r) => [r.method, r.url, r.headers['authorization']])).toEqual([
      ['DELETE', `${ACCOUNT}/Call/${PLIVO_CALL_UUID}/`, AUTH],
    ]);
  });

  it('cancels by request_uuid when no call has that id yet; 404 twice is already gone', async () => {
    const plivo = await plivoAgainst((req) =>
      req.url.includes('/Request/') && req.url.includes(PLIVO_REQUEST_UUID) ? { status: 204 } : { status: 404, body: plivoNotFound },
    );
    await plivo.hangup(PLIVO_REQUEST_UUID);
    await plivo.hangup('gone-uuid');
    expect(api?.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `DELETE ${ACCOUNT}/Call/${PLIVO_REQUEST_UUID}/`,
      `DELETE ${ACCOUNT}/Request/${PLIVO_REQUEST_UUID}/`,
      `DELETE ${ACCOUNT}/Call/gone-uuid/`,
      `DELETE ${ACCOUNT}/Request/gone-uuid/`,
    ]);
  });
});

describe('PlivoProvider.fetchCall', () => {
  it('reads an ended call’s CDR', async () => {
    const plivo = await plivoAgainst(() => ({ status: 200, body: plivoCdr }));
    await expect(plivo.fetchCall(PLIVO_CALL_UUID)).resolves.toMatchObject({ status: 'completed', durationSeconds: 47 });
    expect(api?.requests[0]).toMatchObject({ method: 'GET', url: `${ACCOUNT}/Call/${PLIVO_CALL_UUID}/` });
  });

  it('falls back to the live call when there is no CDR yet', async () => {
    const plivo = await plivoAgainst((req) =>
      req.url.endsWith('?status=live')
        ? { status: 200, body: { call_status: 'in-progress', call_uuid: PLIVO_CALL_UUID, direction: 'outbound' } }
        : { status: 404, body: plivoNotFound },
    );
    await expect(plivo.fetchCall(PLIVO_CALL_UUID)).resolves.toMatchObject({ status: 'in-progress' });
  });
});

describe('PlivoProvider.transfer and recording', () => {
  it('redirect: the Transfer API on the A leg', async () => {
    const plivo = await plivoAgainst(() => ({ status: 202, body: plivoCallTransferred }));
    const result = await plivo.transfer({ mode: 'redirect', callId: PLIVO_CALL_UUID, url: 'https://b.example/plivo/transfer' });
    expect(result.raw).toEqual(plivoCallTransferred);
    expect(api?.requests[0]?.url).toBe(`${ACCOUNT}/Call/${PLIVO_CALL_UUID}/`);
    expect(json(api?.requests[0])).toEqual({ legs: 'aleg', aleg_url: 'https://b.example/plivo/transfer', aleg_method: 'POST' });
  });

  it('warm: adds the agent, then the customer, to a named MultiPartyCall', async () => {
    const plivo = await plivoAgainst(() => ({
      status: 201,
      body: { api_id: 'a', message: 'add participant action initiated', request_uuid: 'agent-req-uuid' },
    }));
    const result = await plivo.transfer({
      mode: 'warm',
      callId: PLIVO_CALL_UUID,
      room: 'xfer-42',
      agentNumber: '+14155550123',
      from: '+14155550100',
      statusCallbackUrl: 'https://b.example/plivo/callback/transfer/status',
      eventsCallbackUrl: 'https://b.example/plivo/callback/transfer/events',
    });
    expect(result.agentCallId).toBe('agent-req-uuid');
    const path = `${ACCOUNT}/MultiPartyCall/name_xfer-42/Participant/`;
    expect(api?.requests.map((r) => r.url)).toEqual([path, path]);
    const events = {
      status_callback_url: 'https://b.example/plivo/callback/transfer/events',
      status_callback_method: 'POST',
      end_mpc_on_exit: true,
    };
    expect(json(api?.requests[0])).toEqual({
      role: 'Agent',
      from: '14155550100',
      to: '14155550123',
      call_status_callback_url: 'https://b.example/plivo/callback/transfer/status',
      call_status_callback_method: 'POST',
      start_mpc_on_enter: true,
      ...events,
    });
    expect(json(api?.requests[1])).toEqual({ role: 'Customer', call_uuid: PLIVO_CALL_UUID, start_mpc_on_enter: false, ...events });
  });

  it('startRecording: the Record API with our callback and a whole-call time limit', async () => {
    const plivo = await plivoAgainst(() => ({
      status: 202,
      body: { url: 'https://media.plivo.com/r.mp3', message: 'call recording started', recording_id: 'r1', api_id: 'a' },
    }));
    await plivo.startRecording?.(PLIVO_CALL_UUID, 'https://b.example/plivo/callback/details');
    expect(api?.requests[0]?.url).toBe(`${ACCOUNT}/Call/${PLIVO_CALL_UUID}/Record/`);
    expect(json(api?.requests[0])).toEqual({
      time_limit: 14400,
      callback_url: 'https://b.example/plivo/callback/details',
      callback_method: 'POST',
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { NotSupportedError } from '../../src/telephony/errors.ts';
import { createProvider } from '../../src/telephony/index.ts';
import type { TelephonyProvider } from '../../src/telephony/provider.ts';
import { basicAuth, formPairs, startFakeProviderApi } from './fake-provider-api.ts';
import type { FakeProviderApi, RecordedRequest, ScriptedResponse } from './fake-provider-api.ts';
import {
  EXOTEL_API_KEY,
  EXOTEL_API_TOKEN,
  EXOTEL_CALL_SID,
  EXOTEL_SID,
  EXOTEL_URL_SECRET,
  exotelCallCompleted,
  exotelConnectResponse,
  exotelError,
} from './fixtures/exotel.ts';

const CALLS = `/v1/Accounts/${EXOTEL_SID}/Calls`;
const AUTH = basicAuth(EXOTEL_API_KEY, EXOTEL_API_TOKEN);
const FLOW_URL = `http://my.exotel.com/${EXOTEL_SID}/exoml/start_voice/12345`;

let api: FakeProviderApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function exotelAgainst(respond: (req: RecordedRequest) => ScriptedResponse): Promise<TelephonyProvider> {
  api = await startFakeProviderApi(respond);
  return createProvider('exotel', {
    exotel: {
      apiKey: EXOTEL_API_KEY,
      apiToken: EXOTEL_API_TOKEN,
      sid: EXOTEL_SID,
      apiBaseUrl: api.baseUrl,
      urlSecret: EXOTEL_URL_SECRET,
    },
  });
}

describe('ExotelProvider.placeCall', () => {
  it('flow mode: POSTs the exact form to Calls/connect.json; the customer is dialled first', async () => {
    const exotel = await exotelAgainst(() => ({ status: 200, body: exotelConnectResponse }));
    const placed = await exotel.placeCall({
      from: '08047491899',
      to: '+919876543210',
      answerUrl: FLOW_URL,
      statusCallbackUrl: 'https://buddy.example.com/exotel/callback/status',
      recordingCallbackUrl: 'https://buddy.example.com/exotel/callback/details',
      timeoutSeconds: 40,
    });

    expect(placed).toEqual({ callId: EXOTEL_CALL_SID, raw: exotelConnectResponse });
    const [req] = api?.requests ?? [];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(`${CALLS}/connect.json`);
    expect(req?.headers['authorization']).toBe(AUTH);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formPairs(req?.body ?? '')).toEqual([
      ['From', '+919876543210'],
      ['CallerId', '08047491899'],
      ['Url', FLOW_URL],
      ['CallType', 'trans'],
      ['StatusCallback', `https://buddy.example.com/exotel/callback/status?bb_secret=${EXOTEL_URL_SECRET}`],
      ['StatusCallbackEvents[]', 'answered'],
      ['StatusCallbackEvents[]', 'terminal'],
      ['TimeOut', '40'],
      ['Record', 'true'],
    ]);
  });

  it('Connect Voice AI mode: a wss answer URL becomes StreamUrl with the secret', async () => {
    const exotel = await exotelAgainst(() => ({ status: 200, body: exotelConnectResponse }));
    await exotel.placeCall({
      from: '08047491899',
      to: '+919876543210',
      answerUrl: 'wss://buddy.example.com/exotel/media?sample-rate=8000',
      statusCallbackUrl: 'https://buddy.example.com/exotel/callback/status',
    });
    expect(formPairs(api?.requests[0]?.body ?? '')).toEqual([
      ['From', '+919876543210'],
      ['CallerId', '08047491899'],
      ['StreamUrl', `wss://buddy.example.com/exotel/media?sample-rate=8000&bb_secret=${EXOTEL_URL_SECRET}`],
      ['StreamType', 'bidirectional'],
      ['StatusCallback', `https://buddy.example.com/exotel/callback/status?bb_secret=${EXOTEL_URL_SECRET}`],
      ['StatusCallbackEvents[]', 'answered'],
      ['StatusCallbackEvents[]', 'terminal'],
    ]);
  });

  it('turns a RestException into ProviderApiError', async () => {
    const exotel = await exotelAgainst(() => ({ status: 400, body: exotelError }));
    await expect(
      exotel.placeCall({ from: '0', to: 'x', answerUrl: FLOW_URL, statusCallbackUrl: 'https://s' }),
    ).rejects.toMatchObject({ name: 'ProviderApiError', status: 400, message: expect.stringContaining('Invalid From number') });
  });
});

describe('ExotelProvider.fetchCall', () => {
  it('GETs the call details', async () => {
    const exotel = await exotelAgainst(() => ({ status: 200, body: exotelCallCompleted }));
    await expect(exotel.fetchCall(EXOTEL_CALL_SID)).resolves.toMatchObject({ status: 'completed', durationSeconds: 41 });
    expect(api?.requests[0]).toMatchObject({ method: 'GET', url: `${CALLS}/${EXOTEL_CALL_SID}.json` });
    expect(api?.requests[0]?.headers['authorization']).toBe(AUTH);
  });
});

describe('ExotelProvider without REST control', () => {
  it('hangup and transfer throw NotSupportedError and send nothing', async () => {
    const exotel = await exotelAgainst(() => ({ status: 200, body: exotelConnectResponse }));
    expect(exotel.capabilities).toMatchObject({ restHangup: false, redirectTransfer: false, warmTransfer: false });
    await expect(exotel.hangup(EXOTEL_CALL_SID)).rejects.toBeInstanceOf(NotSupportedError);
    await expect(exotel.transfer({ mode: 'redirect', callId: EXOTEL_CALL_SID, url: 'https://x' })).rejects.toBeInstanceOf(
      NotSupportedError,
    );
    expect(api?.requests).toHaveLength(0);
  });
});

// POST /numbers configures the provider where its API allows (Twilio number URLs, a Plivo
// application linked to the number); Exotel gets the URLs to paste. A provider failure is
// reported and does not block the registration; a number the account lacks is a 422.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { DIALECTS, issueTokens, startTestService, type TestService, type Tokens } from '../support/service.ts';
import { startEmulator, type Emulator } from '../../src/telephony/emulator/emulator.ts';
import { basicAuth, startFakeProviderApi, type FakeProviderApi } from './fake-provider-api.ts';
import { PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN } from './fixtures/plivo.ts';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from './fixtures/twilio.ts';
import { EXOTEL_URL_SECRET } from './fixtures/exotel.ts';

const PUBLIC = 'https://buddy.example.com/agent/voice/breeze-buddy';

describe.each(DIALECTS)('number registration configures the provider (%s)', (dialect) => {
  let provider: Emulator;
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    // The emulator stands in for the real providers' APIs here.
    provider = await startEmulator({ authToken: TWILIO_AUTH_TOKEN });
    t = await startTestService(dialect, {
      PUBLIC_BASE_URL: 'https://buddy.example.com',
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_API_BASE_URL: `${provider.baseUrl}/twilio`,
      PLIVO_AUTH_ID,
      PLIVO_AUTH_TOKEN,
      PLIVO_API_BASE_URL: `${provider.baseUrl}/plivo`,
      EXOTEL_URL_SECRET,
      EMULATOR_ENABLED: 'false',
    });
    tokens = await issueTokens(t);
  });
  afterAll(async () => {
    await t.close();
    await provider.close();
  });

  const register = (phone_number: string, kind: string) => t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number, provider: kind } });
  const setupRow = (id: string) => t.service.db.kysely.selectFrom('number_provider_setup').selectAll().where('number_id', '=', id).executeTakeFirst();

  it("Twilio: points the number's voice and status callback URLs at Buddy", async () => {
    const res = await register('+14155550501', 'TWILIO');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      phone_number: '+14155550501',
      provider: 'TWILIO',
      provider_configured: true,
      configured_on: 'provider',
      provider_urls: { answer_url: `${PUBLIC}/twilio/answer`, status_callback_url: `${PUBLIC}/twilio/callback/status` },
    });
    const numbers = await request(`${provider.baseUrl}/twilio/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/IncomingPhoneNumbers.json?PhoneNumber=%2B14155550501`, {
      headers: { authorization: basicAuth(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) },
    });
    const [configured] = ((await numbers.body.json()) as { incoming_phone_numbers: Record<string, string>[] }).incoming_phone_numbers;
    expect(configured).toMatchObject({ voice_url: `${PUBLIC}/twilio/answer`, voice_method: 'POST', status_callback: `${PUBLIC}/twilio/callback/status`, sid: res.json().provider_ref });
    expect(await setupRow(res.json().id)).toMatchObject({ configured: 1, provider: 'twilio', provider_ref: res.json().provider_ref });
  });

  it('Plivo: creates an application with the answer and hangup URLs and links it to the number', async () => {
    const res = await register('+14155550502', 'plivo');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ provider: 'PLIVO', provider_configured: true, provider_urls: { answer_url: `${PUBLIC}/plivo/answer` } });
    const linked = await request(`${provider.baseUrl}/plivo/v1/Account/${PLIVO_AUTH_ID}/Number/14155550502/`, {
      headers: { authorization: basicAuth(PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN) },
    });
    expect(((await linked.body.json()) as { application: string }).application).toBe(`/v1/Account/${PLIVO_AUTH_ID}/Application/${res.json().provider_ref}/`);
  });

  it('Exotel: no API, so the response lists the flow URLs (with the deployment secret) to paste', async () => {
    const res = await register('+918047491811', 'EXOTEL');
    expect(res.statusCode).toBe(201);
    const secret = `bb_secret=${EXOTEL_URL_SECRET}`;
    expect(res.json()).toMatchObject({
      provider_configured: false,
      configured_on: null,
      provider_urls: {
        answer_passthru_url: `${PUBLIC}/exotel/answer?${secret}`,
        gather_applet_url: `${PUBLIC}/exotel/prompt?${secret}`,
        gather_passthru_url: `${PUBLIC}/exotel/gather?${secret}`,
        greeting_applet_url: `${PUBLIC}/exotel/prompt?${secret}`,
        status_callback_url: `${PUBLIC}/exotel/callback/status?${secret}`,
      },
    });
    // The secret is shown when the number is registered, never by the reads.
    expect((await t.api('GET', `/numbers/${res.json().id}`, { token: tokens.reseller })).body).not.toContain(EXOTEL_URL_SECRET);
  });

  it('a duplicate is 409 before anything is asked of the provider', async () => {
    await register('+14155550503', 'TWILIO');
    const before = provider.calls().length;
    expect((await register('+14155550503', 'TWILIO')).statusCode).toBe(409);
    expect(provider.calls().length).toBe(before);
  });
});

describe.each(DIALECTS)('number registration when the provider fails (%s)', (dialect) => {
  let api: FakeProviderApi;
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    api = await startFakeProviderApi((req) =>
      req.url.includes('IncomingPhoneNumbers') ? { status: 200, body: { incoming_phone_numbers: [] } } : { status: 503, body: { api_id: 'x', error: 'service unavailable' } },
    );
    t = await startTestService(dialect, {
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      PLIVO_AUTH_ID,
      PLIVO_AUTH_TOKEN,
      PLIVO_API_BASE_URL: api.baseUrl,
      EMULATOR_ENABLED: 'false',
    });
    tokens = await issueTokens(t);
  });
  afterAll(async () => {
    await t.close();
    await api.close();
  });

  const count = (phone: string) => t.service.db.kysely.selectFrom('numbers').select('id').where('phone_number', '=', phone).execute().then((rows) => rows.length);

  it('a provider that fails does not block the registration: saved with provider_configured false and the error', async () => {
    const res = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: '+14155550601', provider: 'PLIVO' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ provider_configured: false, configured_on: null, provider_ref: null, provider_urls: { answer_url: expect.stringMatching(/\/plivo\/answer$/) } });
    expect(res.json().detail).toMatch(/could not configure the number at plivo: .*HTTP 503: service unavailable/);
    const saved = await t.service.db.kysely.selectFrom('number_provider_setup').selectAll().where('number_id', '=', res.json().id).executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ configured: 0, provider: 'plivo' });
    expect(await count('+14155550601')).toBe(1);
  });

  it('a number the account does not have is a 422 on phone_number', async () => {
    const res = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: '+14155550602', provider: 'TWILIO' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0]).toMatchObject({ loc: ['body', 'phone_number'], type: 'not_in_account' });
    expect(await count('+14155550602')).toBe(0);
  });
});

// End to end, per provider: a number registered through the Numbers API (configured on the
// emulator, since this deployment has no provider credentials), a template mapped to it, and a
// customer calling it — the emulator plays the call into Buddy as the provider would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type Tokens } from '../support/service.ts';
import { PROVIDERS } from '../../src/telephony/index.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startLiveService, type LiveService } from './support/live-service.ts';
import { orderConfirmation, readLead } from './support/calls.ts';

const NUMBER: Record<ProviderName, string> = { twilio: '+14155550300', plivo: '+14155550301', exotel: '+918047491802' };
const CALLER: Record<ProviderName, string> = { twilio: '+14155550401', plivo: '+14155550402', exotel: '+919812345678' };

describe.each(DIALECTS)('inbound calls through the emulator (%s)', (dialect) => {
  let t: LiveService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startLiveService(dialect);
    tokens = await issueTokens(t);
  });
  afterAll(() => t.close());

  it.each(PROVIDERS)('%s: register the number, map a template, and take a call to it', async (provider) => {
    const registered = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: NUMBER[provider], provider: provider } });
    expect(registered.statusCode).toBe(201);
    const setup = registered.json();
    if (provider === 'exotel') {
      expect(setup).toMatchObject({ provider_configured: false, configured_on: null });
      expect(setup.provider_urls.answer_passthru_url).toMatch(/\/exotel\/answer\?bb_secret=/);
    } else {
      expect(setup).toMatchObject({ provider_configured: true, configured_on: 'emulator' });
      expect(setup.provider_urls.answer_url).toBe(`${t.baseUrl}/agent/voice/breeze-buddy/${provider}/answer`);
    }
    const template = await t.api('POST', '/templates', { token: tokens.merchant, body: orderConfirmation(`hotline-${provider}`, { outbound_number_id: setup.id }) });
    expect(template.statusCode).toBe(201);

    // Exotel's flow is built by hand in its dashboard: the call names the URLs the flow would use.
    const exotelFlow = provider === 'exotel' ? { url: setup.provider_urls.answer_passthru_url, statusCallbackUrl: setup.provider_urls.status_callback_url } : {};
    const call = t.emulator.placeInbound({ provider, from: CALLER[provider], to: NUMBER[provider], script: { inputs: [{ digits: '1' }] }, ...exotelFlow });
    const played = await t.emulator.waitForCall(call.sid);
    expect(played.heard).toEqual(['Hello {customer_name}. Press 1 to confirm your order, 2 to cancel.', 'Thank you, your order is confirmed.']);

    const inbound = await t.service.db.kysely.selectFrom('inbound_calls').selectAll().where('call_id', '=', call.sid).executeTakeFirstOrThrow();
    expect(inbound).toMatchObject({ outcome: 'CONNECTED', from_number: CALLER[provider], to_number: NUMBER[provider] });
    const lead = await readLead(t, tokens.merchant, inbound.lead_id!);
    expect(lead).toMatchObject({
      call_direction: 'INBOUND',
      execution_mode: 'TELEPHONY_TEST',
      status: 'FINISHED',
      outcome: 'CONFIRMED',
      provider_status: 'ANSWERED',
      provider_reason: 'COMPLETED',
    });
    expect(lead.metaData.duration_seconds).toBe(played.durationSeconds);
  });

  it('blocks a call to a registered number with no template: the caller hears the message, no lead', async () => {
    const registered = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: '+14155550399', provider: 'TWILIO' } });
    expect(registered.statusCode).toBe(201);
    const call = t.emulator.placeInbound({ provider: 'twilio', from: '+14155550499', to: '+14155550399' });
    const played = await t.emulator.waitForCall(call.sid);
    expect(played.heard).toEqual(['Sorry, this number is not taking calls right now. Goodbye.']);
    expect(played.status).toBe('completed');
    const rows = await t.service.db.kysely.selectFrom('inbound_calls').selectAll().where('call_id', '=', call.sid).execute();
    expect(rows).toMatchObject([{ outcome: 'BLOCKED_REJECT', lead_id: null }]);
  });
});

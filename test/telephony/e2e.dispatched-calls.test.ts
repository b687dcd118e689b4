// The whole path a newcomer runs with no provider account: push a TELEPHONY_TEST lead, and the
// dispatcher places it through the telephony CallPlacer with the in-process emulator, which
// plays the call back into the provider routes until the lead is FINISHED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type Tokens } from '../support/service.ts';
import { PROVIDERS } from '../../src/telephony/index.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startLiveService, type LiveService } from './support/live-service.ts';
import { orderConfirmation, OUR_NUMBER, readLead } from './support/calls.ts';

const CUSTOMER: Record<ProviderName, string> = { twilio: '+14155552001', plivo: '+14155552002', exotel: '+919876522003' };

describe.each(DIALECTS)('TELEPHONY_TEST leads dialled by the dispatcher (%s)', (dialect) => {
  let t: LiveService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startLiveService(dialect);
    tokens = await issueTokens(t);
    t.service.startBackground();
  });
  afterAll(() => t.close());

  it.each(PROVIDERS)('%s: pushed, dialled, answered, confirmed', async (provider) => {
    const number = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: OUR_NUMBER[provider], provider, maximum_channels: 5 } });
    expect(number.statusCode).toBe(201);
    const template = await t.api('POST', '/templates', { token: tokens.merchant, body: orderConfirmation(`dispatched-${provider}`, { outbound_number_id: number.json().id }) });
    // start == end: a calling window open all day, so the test does not depend on the clock.
    await t.api('POST', '/configurations', {
      token: tokens.reseller,
      body: { template_id: template.json().id, calling_provider: provider.toUpperCase(), call_start_time: '00:00', call_end_time: '00:00' },
    });
    t.emulator.scripts.set(CUSTOMER[provider], { inputs: [{ digits: '1' }] });
    const pushed = await t.api('POST', '/leads', {
      token: tokens.merchant,
      body: { request_id: `dispatched-${provider}`, template: `dispatched-${provider}`, execution_mode: 'TELEPHONY_TEST', payload: { customer_mobile_number: CUSTOMER[provider], customer_name: 'Asha' } },
    });
    expect(pushed.statusCode).toBe(201);
    const leadId = pushed.json().lead_id as string;

    let lead = await readLead(t, tokens.merchant, leadId);
    for (let i = 0; i < 200 && lead.status !== 'FINISHED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      lead = await readLead(t, tokens.merchant, leadId);
    }
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'CONFIRMED', provider_status: 'ANSWERED', provider_reason: 'COMPLETED', attempt_count: 1 });
    const played = t.emulator.calls().find((c) => c.provider === provider && c.to === CUSTOMER[provider])!;
    expect(played).toMatchObject({ from: OUR_NUMBER[provider], status: 'completed', said: ['1'] });
  });

  it("GET /metrics counts the dispatcher's work: leads started and refused, placements, delay", async () => {
    // A template without a call configuration: the lead is refused NO_CONFIG before dialling.
    await t.api('POST', '/templates', { token: tokens.merchant, body: orderConfirmation('metrics-unconfigured') });
    const pushed = await t.api('POST', '/leads', {
      token: tokens.merchant,
      body: { request_id: 'metrics-refused', template: 'metrics-unconfigured', execution_mode: 'TELEPHONY_TEST', payload: { customer_mobile_number: '+14155552009', customer_name: 'Asha' } },
    });
    const leadId = pushed.json().lead_id as string;
    for (let i = 0; i < 200 && (await readLead(t, tokens.merchant, leadId)).status !== 'FINISHED'; i++) await new Promise((resolve) => setTimeout(resolve, 50));

    const res = await t.api('GET', '//metrics');
    expect(res.statusCode).toBe(200);
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(res.body)?.[1]);
    expect(value('buddy_dispatch_leads_total{result="started"}')).toBe(PROVIDERS.length);
    expect(value('buddy_dispatch_leads_total{result="refused"}')).toBe(1);
    expect(value('buddy_dispatch_refusals_total{outcome="NO_CONFIG"}')).toBe(1);
    for (const provider of PROVIDERS) {
      expect(value(`buddy_dispatch_placements_total{provider="${provider}",result="placed"}`)).toBe(1);
      expect(value(`buddy_dispatch_placement_duration_seconds_count{provider="${provider}"}`)).toBe(1);
    }
    expect(value('buddy_dispatch_delay_seconds_count')).toBe(PROVIDERS.length);
    expect(value('buddy_dispatch_due_leads')).toBe(0);
  });
});

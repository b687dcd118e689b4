// End to end, per provider: a TELEPHONY_TEST call placed through the adapter against the
// emulator, which plays it back into Buddy's provider routes (signed as the provider signs),
// and the lead's record afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type Tokens } from '../support/service.ts';
import { PROVIDERS } from '../../src/telephony/index.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startLiveService, type LiveService } from './support/live-service.ts';
import { orderConfirmation, placeLead, pushLead, readLead } from './support/calls.ts';

const CUSTOMER: Record<ProviderName, string> = { twilio: '+14155551001', plivo: '+14155551002', exotel: '+919876543210' };

const PROMPT = 'Hello Asha. Press 1 to confirm your order, 2 to cancel.';

describe.each(DIALECTS)('outbound calls through the emulator (%s)', (dialect) => {
  let t: LiveService;
  let tokens: Tokens;
  let n = 0;

  beforeAll(async () => {
    t = await startLiveService(dialect);
    tokens = await issueTokens(t);
    const template = await t.api('POST', '/templates', { token: tokens.merchant, body: orderConfirmation() });
    expect(template.statusCode).toBe(201);
    await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: template.json().id, max_retry: 1, retry_offset: 60 } });
  });
  afterAll(() => t.close());

  const call = async (provider: ProviderName, to: string) => {
    const leadId = await pushLead(t, tokens.merchant, { request_id: `order-${++n}`, template: 'order-confirm', to });
    const placed = await placeLead(t, leadId, provider, to);
    const played = await t.emulator.waitForCall(placed.callId);
    return { ...placed, played, lead: await readLead(t, tokens.merchant, leadId) };
  };

  it.each(PROVIDERS)('%s: ringing → answered → a gathered reply → hangup; the lead shows every fact', async (provider) => {
    t.emulator.scripts.set(CUSTOMER[provider], { inputs: [{ digits: '1' }] });
    const { played, lead } = await call(provider, CUSTOMER[provider]);

    expect(played.heard).toEqual([PROMPT, 'Thank you, your order is confirmed.']);
    expect(played.said).toEqual(['1']);
    expect(played.endedBy).toBe('agent');
    const failed = played.events.filter((e) => e.status !== undefined && e.status >= 400 && e.status !== 302);
    expect(failed).toEqual([]);
    expect(played.events.at(-1)?.type).toBe('status:completed');

    expect(lead).toMatchObject({
      status: 'FINISHED',
      outcome: 'CONFIRMED',
      attempt_count: 1,
      call_id: played.sid,
      platform_status: 'INITIATED',
      provider_status: 'ANSWERED',
      provider_reason: 'COMPLETED',
      agent_outcome: 'CONFIRMED',
      agent_outcome_source: 'IVR',
      recording_url: played.recordingUrl,
    });
    expect(lead.recording_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(lead.metaData.duration_seconds).toBe(played.durationSeconds);
    expect(lead.metaData.duration_seconds).toBeGreaterThan(0);
    expect(lead.metaData.call_ended_by).toBe('agent');
    expect(lead.metaData.transcription).toEqual([
      { role: 'assistant', content: PROMPT },
      { role: 'user', content: 'Pressed 1' },
      { role: 'assistant', content: 'Thank you, your order is confirmed.' },
    ]);
  });

  it.each(PROVIDERS)('%s: the progress callbacks arrive in the provider\'s order', async (provider) => {
    const to = CUSTOMER[provider].replace(/\d$/, '7');
    t.emulator.scripts.set(to, { inputs: [{ digits: '2' }] });
    const { played, lead } = await call(provider, to);
    const order = played.events.map((e) => e.type);
    const expected: Record<ProviderName, string[]> = {
      twilio: ['status:initiated', 'status:ringing', 'status:in-progress', 'answer', 'gather', 'recording', 'status:completed'],
      plivo: ['status:ringing', 'answer', 'gather', 'recording', 'status:completed'],
      exotel: ['status:in-progress', 'answer', 'gather-applet', 'gather', 'greeting', 'status:completed'],
    };
    expect(order).toEqual(expected[provider]);
    expect(lead).toMatchObject({ outcome: 'CANCELLED', status: 'FINISHED' });
  });

  it.each([
    ['busy', 'BUSY'],
    ['no-answer', 'NO_ANSWER'],
    ['failed', 'FAILED'],
  ] as const)('an unanswered call (%s) ends NO_ANSWER with the provider reason, and is retried', async (fate, reason) => {
    for (const provider of PROVIDERS) {
      const to = CUSTOMER[provider].replace(/\d\d$/, fate === 'busy' ? '21' : fate === 'failed' ? '22' : '23');
      t.emulator.scripts.set(to, { answer: fate });
      const { played, lead } = await call(provider, to);
      expect(played.heard, provider).toEqual([]);
      expect(lead, provider).toMatchObject({
        status: 'BACKLOG',
        outcome: 'NO_ANSWER',
        provider_status: 'NOT_ANSWERED',
        provider_reason: reason,
        attempt_count: 1,
      });
    }
  });

  it.each(PROVIDERS)('%s: a caller who hangs up mid-menu is CUSTOMER_HANGUP (BUSY, retried); silent at once is EARLY_HANGUP', async (provider) => {
    const quitter = CUSTOMER[provider].replace(/\d\d$/, '31');
    t.emulator.scripts.set(quitter, { hangupAfterTurns: 0 });
    const early = await call(provider, quitter);
    expect(early.played.endedBy).toBe('caller');
    expect(early.lead).toMatchObject({ outcome: 'EARLY_HANGUP', session_end_reason: 'EARLY_HANGUP', provider_status: 'ANSWERED', status: 'FINISHED' });
    expect(early.lead.metaData.call_ended_by).toBe('customer');

    const typer = CUSTOMER[provider].replace(/\d\d$/, '32');
    t.emulator.scripts.set(typer, { inputs: [{ digits: '7' }], hangupAfterTurns: 1 });
    const late = await call(provider, typer);
    expect(late.played.said).toEqual(['7']);
    expect(late.lead).toMatchObject({ outcome: 'BUSY', session_end_reason: 'CUSTOMER_HANGUP', status: 'BACKLOG' });
  });
});

// End to end, per provider, on the emulator: an LLM conversation whose function hands the
// caller to a human agent (reference §16). The agent is a scripted emulator number that
// answers or not; the LLM is a local chat-completions stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type Tokens } from '../support/service.ts';
import { PROVIDERS } from '../../src/telephony/index.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startLiveService, type LiveService } from '../telephony/support/live-service.ts';
import { placeLead, readLead } from '../telephony/support/calls.ts';
import { startFakeLlm, type FakeLlm } from '../conversation/fake-llm.ts';
import { pushTransferLead, reportingWebhook, transferTemplate, waitFinished } from './support.ts';

const CUSTOMER: Record<ProviderName, string> = { twilio: '+14155552001', plivo: '+14155552002', exotel: '+919876512001' };
const AGENT: Record<ProviderName, string> = { twilio: '+14155553001', plivo: '+14155553002', exotel: '+919876513001' };
const GREETING = 'Hello Asha, this is Buddy.';
const CONNECTING = 'Connecting you to an agent now.';

describe.each(DIALECTS)('warm transfer through the emulator (%s)', (dialect) => {
  let t: LiveService;
  let llm: FakeLlm;
  let tokens: Tokens;
  let n = 0;

  beforeAll(async () => {
    llm = await startFakeLlm();
    t = await startLiveService(dialect, { LLM_BASE_URL: llm.url, LLM_MODEL: 'test-model', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' });
    tokens = await issueTokens(t);
    for (const body of [transferTemplate('helpdesk'), transferTemplate('helpdesk-no-agent', 'nobody_configured')]) {
      const res = await t.api('POST', '/templates', { token: tokens.merchant, body });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });
  beforeEach(() => llm.reset());

  const call = async (provider: ProviderName, template: string, agent?: string) => {
    const to = CUSTOMER[provider];
    const leadId = await pushTransferLead(t, tokens.merchant, { request_id: `xfer-${++n}`, template, to, ...(agent ? { agent } : {}) });
    const placed = await placeLead(t, leadId, provider, to);
    const played = await t.emulator.waitForCall(placed.callId, 20_000);
    await waitFinished(t, leadId);
    return { leadId, played, lead: await readLead(t, tokens.merchant, leadId), webhook: await reportingWebhook(t, leadId) };
  };
  const agentLeg = (provider: ProviderName) => t.emulator.calls().find((c) => c.provider === provider && c.to === AGENT[provider]);
  const failures = (events: { status?: number }[]) => events.filter((e) => e.status !== undefined && e.status >= 400 && e.status !== 302);

  it.each(PROVIDERS)('%s: the agent answers: the caller is bridged, the lead is TRANSFERRED', async (provider) => {
    t.emulator.scripts.set(CUSTOMER[provider], { inputs: [{ digits: '0' }] });
    t.emulator.scripts.set(AGENT[provider], { answer: 'answer' });
    llm.script({ content: CONNECTING, calls: [{ name: 'transfer_to_agent' }] });
    const { played, lead, webhook } = await call(provider, 'helpdesk', AGENT[provider]);

    expect(played.heard.slice(0, 2)).toEqual([GREETING, CONNECTING]);
    expect(played.status).toBe('completed');
    expect(failures(played.events)).toEqual([]);
    const types = played.events.map((e) => e.type);
    const expected: Record<ProviderName, string[]> = {
      twilio: ['gather', 'redirect', 'conference:participant-join', 'conference:participant-leave', 'recording', 'status:completed'],
      plivo: ['gather', 'redirect', 'conference:participant-join', 'conference:participant-leave', 'recording', 'status:completed'],
      exotel: ['gather', 'greeting', 'transfer-event', 'status:completed'],
    };
    expect(types.slice(types.indexOf('gather'))).toEqual(expected[provider]);
    if (provider === 'exotel') {
      expect(played.dialled).toEqual([AGENT.exotel]);
    } else {
      const agent = agentLeg(provider)!;
      expect(agent).toMatchObject({ status: 'completed', from: expect.any(String) });
      const agentTypes = agent.events.map((e) => e.type);
      expect(agentTypes.filter((type) => type.startsWith('conference:'))).toEqual(['conference:participant-join', 'conference:participant-leave']);
      expect(agentTypes.at(-1)).toBe('status:completed');
      expect(failures(agent.events)).toEqual([]);
    }

    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'TRANSFERRED', agent_outcome: 'TRANSFERRED_TO_AGENT' });
    expect(lead.metaData.transfer).toMatchObject({
      status: 'success',
      provider,
      conference_id: `transfer-${played.sid}`,
      agent_number: AGENT[provider],
    });
    if (provider !== 'exotel') expect(lead.metaData.transfer.agent_call_id).toBe(agentLeg(provider)!.sid);
    expect(lead.metaData.transfer_number).toBe(AGENT[provider]);
    expect(webhook).toMatchObject({ leadId: lead.lead_id ?? lead.id, outcome: 'TRANSFERRED', status: 'FINISHED' });
  });

  it.each(PROVIDERS)('%s: the agent never answers: the caller is back with the AI and the conversation goes on', async (provider) => {
    const to = CUSTOMER[provider];
    t.emulator.scripts.set(to, { inputs: [{ digits: '0' }, { digits: '1' }] });
    t.emulator.scripts.set(AGENT[provider], { answer: 'no-answer' });
    llm.script({ content: CONNECTING, calls: [{ name: 'transfer_to_agent' }] }, { content: 'Glad I could help. Goodbye.', calls: [{ name: 'finish' }] });
    const { played, lead, webhook } = await call(provider, 'helpdesk', AGENT[provider]);

    expect(played.heard).toEqual([GREETING, CONNECTING, 'The agent did not answer in time. Continuing with AI assistant.', 'Glad I could help. Goodbye.']);
    expect(played.said).toEqual(['0', '1']);
    expect(failures(played.events)).toEqual([]);
    expect(llm.requests).toHaveLength(2);
    // The model hears the caller's next words after the failed hand-over.
    expect(llm.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'user', content: '1' });

    expect(lead).toMatchObject({ status: 'FINISHED', agent_outcome: 'RESOLVED' });
    expect(lead.outcome).not.toBe('TRANSFERRED');
    expect(lead.metaData.transfer).toMatchObject({ status: 'failed', reason: 'agent_timeout', provider });
    expect(lead.metaData.errors.map((e: { message: string }) => e.message)).toContain('warm transfer failed: agent_timeout');
    expect(webhook?.outcome).toBe(lead.outcome);
  });

  it.each(PROVIDERS)('%s: no target configured: agent_not_assigned, and the AI carries on', async (provider) => {
    const to = CUSTOMER[provider];
    t.emulator.scripts.set(to, { inputs: [{ digits: '0' }, { digits: '1' }] });
    llm.script(
      { calls: [{ name: 'transfer_to_agent' }] },
      { content: 'Sorry, nobody is free. Anything else?' },
      { content: 'Goodbye.', calls: [{ name: 'finish' }] },
    );
    const { played, lead } = await call(provider, 'helpdesk-no-agent');

    expect(played.heard).toEqual([GREETING, 'Sorry, nobody is free. Anything else?', 'Goodbye.']);
    // The model was told why, in the reference's words.
    expect(llm.requests[1]!.body.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: JSON.stringify({ status: 'failed', reason: 'agent_not_assigned', message: 'No support agents are available at this moment. Continuing with AI assistant.' }),
    });
    expect(t.emulator.calls().some((c) => c.to === AGENT[provider] && c.createdAt >= played.createdAt)).toBe(false);
    expect(played.dialled).toEqual([]);
    expect(lead).toMatchObject({ status: 'FINISHED', agent_outcome: 'RESOLVED' });
    expect(lead.outcome).not.toBe('TRANSFERRED');
    expect(lead.metaData.transfer).toMatchObject({ status: 'failed', reason: 'agent_not_assigned' });
  });

  it('twilio: the provider refuses to bridge: conference_api_error, and the AI carries on', async () => {
    t.emulator.scripts.set(CUSTOMER.twilio, { inputs: [{ digits: '0' }, { digits: '1' }] });
    llm.script({ content: CONNECTING, calls: [{ name: 'transfer_to_agent' }] }, { content: 'Goodbye.', calls: [{ name: 'finish' }] });
    const { played, lead } = await call('twilio', 'helpdesk', 'not-a-number');

    expect(played.heard).toEqual([GREETING, CONNECTING, 'The call could not be bridged to an agent. Continuing with AI assistant.', 'Goodbye.']);
    expect(played.events.some((e) => e.type.startsWith('conference:'))).toBe(false);
    expect(lead.outcome).not.toBe('TRANSFERRED');
    expect(lead.metaData.transfer).toMatchObject({ status: 'failed', reason: 'conference_api_error', provider: 'twilio' });
    expect(lead.metaData.transfer.error).toContain('HTTP 400');
  });
});

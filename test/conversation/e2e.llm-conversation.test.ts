// End to end, on Twilio and Plivo: an LLM conversation pushed over HTTP as a TELEPHONY_TEST
// lead, dialled by the dispatcher through the emulator (a scripted caller speaking), driven by a
// local chat-completions server (tool calls, on the wire), with its HTTP function, HTTP hook,
// reporting webhook and service callback reaching a local receiver through the delivery worker.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startLiveCalls, waitFor, type LiveCalls } from '../support/live-calls.ts';
import { startReceiver, type LocalReceiver, type ReceivedRequest } from '../delivery/local-receiver.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startFakeLlm, type FakeLlm } from './fake-llm.ts';
import { CRM_TOKEN } from './fixtures.ts';

const PROVIDERS = ['twilio', 'plivo'] as const satisfies readonly ProviderName[];
const CUSTOMER: Record<(typeof PROVIDERS)[number], string> = { twilio: '+14155556101', plivo: '+14155556102' };
const SLOTS = { slots: ['10:00', '11:30'] };

const GREETING = 'Hello Asha, this is Buddy from the clinic.';
const CHECKING = 'Let me check the calendar.';
const OFFER = 'I have 10:00 or 11:30. Which suits you?';
const GOODBYE = 'You are booked for 11:30, Asha. Goodbye!';
const SAID = ["Yes, I'd like to book my visit.", '11:30 please.'];

/** greeting ─wants_booking▶ booking (get_slots: HTTP function; book_slot: hooks) ─▶ farewell ─end_call▶ end. */
function clinicTemplate(name: string, receiverUrl: string) {
  return {
    name,
    configurations: { initial_greeting: 'Hello {customer_name}, this is Buddy from the clinic.' },
    secrets: { crm_token: CRM_TOKEN },
    expected_callback_response_schema: { type: 'object', required: ['slots'], properties: { slots: { type: 'array', items: { type: 'string' } } } },
    flow: {
      initial_node: 'greeting',
      nodes: [
        {
          node_name: 'greeting',
          role_messages: [{ role: 'system', content: 'You are Buddy, a warm clinic assistant.' }],
          task_messages: [{ role: 'system', content: 'Ask {customer_name} whether to book the follow-up visit.' }],
          functions: [
            { name: 'wants_booking', description: 'The customer wants to book', transition_to: 'booking' },
            {
              name: 'not_interested',
              description: 'The customer declines',
              transition_to: 'farewell',
              hooks: [{ name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'declined' } } }],
            },
          ],
        },
        {
          node_name: 'booking',
          task_messages: [{ role: 'system', content: 'Offer the free slots of {visit_date} and book the one {customer_name} picks.' }],
          functions: [
            {
              name: 'get_slots',
              description: 'Free slots on a date',
              properties: { date: { type: 'string' } },
              required: ['date'],
              http_request: { url: `${receiverUrl}/slots`, method: 'GET', headers: { Authorization: 'Bearer {crm_token}' }, query_params: { date: '{date}', clinic: '{clinic}' }, timeout: 5 },
            },
            {
              name: 'book_slot',
              description: 'Book the slot the customer chose',
              properties: { slot: { type: 'string' } },
              required: ['slot'],
              transition_to: 'farewell',
              hooks: [
                { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'booked' }, slot: { source: 'llm' } } },
                {
                  name: 'update_crm',
                  http_request: {
                    url: `${receiverUrl}/crm/{lead_id}`,
                    method: 'POST',
                    headers: { Authorization: 'Bearer {crm_token}' },
                    body: { lead_id: '{lead_id}', order_id: '{order_id}', outcome: '{outcome}', slot: '{slot}', attempt: '{attempt_count}', call_sid: '{call_sid}' },
                  },
                },
              ],
            },
          ],
        },
        {
          node_name: 'farewell',
          task_messages: [{ role: 'system', content: 'Thank {customer_name} and say goodbye.' }],
          functions: [{ name: 'end_call', description: 'Hang up once you have said goodbye', post_actions: [{ type: 'end_conversation' }] }],
        },
      ],
      end_conversation_callbacks: [{ http_request: { url: `${receiverUrl}/done?lead={lead_id}`, method: 'POST', headers: { 'x-token': '{crm_token}' } } }],
    },
  };
}

describe.each(DIALECTS)('an LLM conversation over the emulator (%s)', (dialect) => {
  let c: LiveCalls;
  let llm: FakeLlm;
  let receiver: LocalReceiver;
  const crmFailures = new Set<string>();
  beforeAll(async () => {
    llm = await startFakeLlm();
    receiver = await startReceiver((req, res) => {
      if (req.url.startsWith('/slots')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(SLOTS));
      // The CRM is down the first time each lead reaches it: the hook is retried, the call never waits.
      if (req.url.startsWith('/crm/') && !crmFailures.has(req.url)) {
        crmFailures.add(req.url);
        return res.writeHead(503).end();
      }
      res.writeHead(204).end();
    });
    c = await startLiveCalls(dialect, { LLM_BASE_URL: llm.url, LLM_MODEL: 'test-model', LLM_API_KEY: 'sk-operator-key' });
  });
  afterAll(async () => {
    await c.close();
    await llm.close();
    await receiver.close();
  });
  beforeEach(() => llm.reset());

  const receivedAt = (path: string, what: string) => waitFor(() => receiver.requests.filter((r) => r.url === path && r.method !== 'GET').at(-1), 5_000, what);

  it.each(PROVIDERS)('%s: tool calls walk the nodes; the HTTP function, the hook and the webhooks all go out', async (provider) => {
    const template = `clinic-${provider}`;
    await c.provision(provider, clinicTemplate(template, receiver.url));
    const to = CUSTOMER[provider];
    c.emulator.scripts.set(to, { inputs: SAID.map((speech) => ({ speech })) });
    llm.script(
      { calls: [{ name: 'wants_booking' }] },
      { content: CHECKING, calls: [{ name: 'get_slots', arguments: { date: '2026-02-01' } }] },
      { content: OFFER },
      { calls: [{ name: 'book_slot', arguments: { slot: '11:30' } }] },
      { content: GOODBYE, calls: [{ name: 'end_call' }] },
    );
    const leadId = await c.push({
      template,
      requestId: `visit-${provider}`,
      to,
      reportingUrl: `${receiver.url}/report`,
      payload: { customer_name: 'Asha', visit_date: '1 February', clinic: 'north' },
    });
    const lead = await c.leadWhen(leadId, (l) => l.status === 'FINISHED');
    const played = await c.playedCall(leadId);

    // The caller's side: the greeting, the model's words, then the agent hangs up.
    expect(played).toMatchObject({ provider, status: 'completed', heard: [GREETING, CHECKING, OFFER, GOODBYE], said: SAID, endedBy: 'agent' });

    // The model's side, on the wire: per node its task and tools; the HTTP function's answer comes back as the tool result.
    const sent = llm.requests.map((r) => r.body);
    expect(sent).toHaveLength(5);
    expect(llm.requests[0]!.headers.authorization).toBe('Bearer sk-operator-key');
    const toolNames = sent.map((body) => (body.tools ?? []).map((tool) => tool.function.name));
    expect(toolNames).toEqual([['wants_booking', 'not_interested'], ['get_slots', 'book_slot'], ['get_slots', 'book_slot'], ['get_slots', 'book_slot'], ['end_call']]);
    expect(sent[0]!.messages).toEqual([
      { role: 'system', content: 'You are Buddy, a warm clinic assistant.' },
      { role: 'system', content: 'Ask Asha whether to book the follow-up visit.' },
      { role: 'assistant', content: GREETING },
      { role: 'user', content: SAID[0] },
    ]);
    expect(sent[1]!.messages[1]).toEqual({ role: 'system', content: 'Offer the free slots of 1 February and book the one Asha picks.' });
    const [asked, answered] = sent[2]!.messages.slice(-2);
    expect(asked).toMatchObject({ role: 'assistant', content: CHECKING, tool_calls: [{ type: 'function', function: { name: 'get_slots', arguments: '{"date":"2026-02-01"}' } }] });
    expect(answered).toEqual({ role: 'tool', tool_call_id: asked!.tool_calls![0]!.id, content: JSON.stringify(SLOTS) });
    expect(sent[3]!.messages.at(-1)).toEqual({ role: 'user', content: SAID[1] });
    expect(sent[4]!.messages[1]).toEqual({ role: 'system', content: 'Thank Asha and say goodbye.' });

    // The HTTP function was called during the call, substituted, secret in its header.
    const slotsCall = receiver.requests.find((r) => r.url.startsWith('/slots') && r.url.includes('clinic=north'));
    expect(slotsCall).toMatchObject({ method: 'GET', url: '/slots?date=2026-02-01&clinic=north' });
    expect(slotsCall!.headers.authorization).toBe(`Bearer ${CRM_TOKEN}`);

    // The lead.
    expect(lead).toMatchObject({
      outcome: 'booked',
      attempt_count: 1,
      call_id: played.sid,
      provider_status: 'ANSWERED',
      session_end_reason: 'AGENT_ENDED',
      agent_outcome: 'booked',
      agent_outcome_source: 'LLM',
    });
    const transcription = [
      { role: 'assistant', content: GREETING },
      { role: 'user', content: SAID[0] },
      { role: 'assistant', content: CHECKING },
      { role: 'assistant', content: OFFER },
      { role: 'user', content: SAID[1] },
      { role: 'assistant', content: GOODBYE },
    ];
    expect(lead.metaData).toMatchObject({
      transcription,
      node_traversal: ['greeting', 'booking', 'farewell'],
      function_calls: [
        { name: 'wants_booking', arguments: {}, node: 'greeting' },
        { name: 'get_slots', arguments: { date: '2026-02-01' }, node: 'booking', result: SLOTS },
        { name: 'book_slot', arguments: { slot: '11:30' }, node: 'booking' },
        { name: 'end_call', arguments: {}, node: 'farewell' },
      ],
      collected_fields: { slot: '11:30' },
      call_ended_by: 'agent',
      errors: [],
    });
    expect(JSON.stringify(lead)).not.toContain(CRM_TOKEN);

    // The HTTP hook, through the outbox: refused once by the CRM, delivered on the retry.
    const hook = await waitFor(() => receiver.requests.filter((r) => r.url === `/crm/${leadId}`)[1], 5_000, 'the retried hook');
    expect(hook.method).toBe('POST');
    expect(hook.headers.authorization).toBe(`Bearer ${CRM_TOKEN}`);
    expect(hook.headers['webhook-signature']).toMatch(/^v1,/);
    expect(JSON.parse(hook.body)).toEqual({ lead_id: leadId, order_id: `visit-${provider}`, outcome: 'booked', slot: '11:30', attempt: 1, call_sid: played.sid });

    // The reporting webhook: the seed's success shape, key for key.
    const report = JSON.parse((await receivedAt('/report', 'the reporting webhook')).body);
    expect(Object.keys(report)).toEqual(['orderId', 'leadId', 'callSid', 'outcome', 'status', 'attemptCount', 'transcription', 'recordingUrl', 'completedAt']);
    expect(report).toEqual({
      orderId: `visit-${provider}`,
      leadId,
      callSid: played.sid,
      outcome: 'booked',
      status: 'FINISHED',
      attemptCount: 1,
      transcription,
      recordingUrl: played.recordingUrl,
      completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });

    // The service callback (end_conversation_callbacks): the conversation's final state.
    const done: ReceivedRequest = await receivedAt(`/done?lead=${leadId}`, 'the service callback');
    expect(done.headers['x-token']).toBe(CRM_TOKEN);
    expect(JSON.parse(done.body)).toMatchObject({
      lead_id: leadId,
      call_sid: played.sid,
      outcome: 'booked',
      transcription,
      node_traversal: [{ node_id: 'greeting' }, { node_id: 'booking' }, { node_id: 'farewell' }],
      collected_fields: { slot: '11:30' },
      function_calls: [
        { name: 'wants_booking', result: null },
        { name: 'get_slots', arguments: { date: '2026-02-01' }, result: SLOTS },
        { name: 'book_slot', arguments: { slot: '11:30' }, result: null },
        { name: 'end_call', result: null },
      ],
      ended_by: 'assistant',
    });

    const messages = await waitFor(async () => {
      const rows = await c.db.selectFrom('webhook_messages').select(['kind', 'status', 'attempt_count']).where('lead_id', '=', leadId).orderBy('kind').execute();
      return rows.every((r) => r.status === 'succeeded') && rows;
    }, 5_000, 'every message to be recorded as delivered');
    expect(messages).toEqual([
      { kind: 'hook', status: 'succeeded', attempt_count: 2 },
      { kind: 'reporting', status: 'succeeded', attempt_count: 1 },
      { kind: 'service_callback', status: 'succeeded', attempt_count: 1 },
    ]);
  });
});

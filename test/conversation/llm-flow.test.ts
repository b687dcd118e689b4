import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver } from '../delivery/local-receiver.ts';
import { startFakeLlm, type FakeLlm } from './fake-llm.ts';
import { startHarness, type Harness } from './harness.ts';
import { CRM_TOKEN, reminderTemplate } from './fixtures.ts';

describe.each(DIALECTS)('LLM flows over the runner (%s)', (dialect) => {
  let h: Harness;
  let llm: FakeLlm;
  let receiver: LocalReceiver;
  beforeAll(async () => {
    llm = await startFakeLlm();
    receiver = await startReceiver((req, res) => {
      if (req.url.startsWith('/slots')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"slots":["10:00","11:30"]}');
      else if (req.url.startsWith('/bad-slots')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"nope":true}');
      else res.writeHead(204).end();
    });
    h = await startHarness(dialect, { LLM_BASE_URL: llm.url, LLM_MODEL: 'test-model', LLM_API_KEY: 'sk-operator-key' });
    await h.template(reminderTemplate('reminder', receiver.url));
  });
  afterAll(async () => {
    await h.close();
    await llm.close();
    await receiver.close();
  });
  beforeEach(() => llm.reset());

  it('walks the nodes by tool calls, queues the substituted HTTP hook and ends with the agent outcome', async () => {
    const { attemptId, leadId } = await h.call('reminder', { customer_name: 'Asha', appointment_date: '5 December' });

    const opening = await h.runner.begin(attemptId);
    expect(opening).toEqual({ say: ['Hello Asha, this is Buddy from the clinic.'], next: { kind: 'gather', input: ['speech', 'dtmf'], timeoutSeconds: 5 } });
    expect(llm.requests).toHaveLength(0);
    // A repeated answer webhook replays the opening instead of starting again.
    expect(await h.runner.begin(attemptId)).toEqual(opening);

    llm.script({ calls: [{ name: 'confirm', arguments: { preferred_time: '5 pm' } }] }, { content: 'Lovely, see you at 5 pm, Asha. Goodbye!' });
    const turn = await h.runner.respond(attemptId, { kind: 'speech', text: 'Yes, 5 pm works' });
    expect(turn).toEqual({ say: ['Lovely, see you at 5 pm, Asha. Goodbye!'], next: { kind: 'hangup' } });

    const [first, second] = llm.requests.map((r) => r.body);
    expect(llm.requests[0]!.headers.authorization).toBe('Bearer sk-operator-key');
    expect(first!.model).toBe('test-model');
    expect(first!.messages).toEqual([
      { role: 'system', content: 'You are Buddy, a warm clinic assistant.' },
      { role: 'system', content: 'Confirm the appointment on 5 December with Asha.' },
      { role: 'assistant', content: 'Hello Asha, this is Buddy from the clinic.' },
      { role: 'user', content: 'Yes, 5 pm works' },
    ]);
    expect(first!.tools).toEqual([
      {
        type: 'function',
        function: { name: 'confirm', description: 'The customer confirms the appointment', parameters: { type: 'object', properties: { preferred_time: { type: 'string' } }, required: ['preferred_time'] } },
      },
    ]);
    // In the farewell node: the persona carries on, the new task replaces the old, no tools.
    expect(second!.messages.slice(0, 2)).toEqual([
      { role: 'system', content: 'You are Buddy, a warm clinic assistant.' },
      { role: 'system', content: 'Thank Asha and say goodbye.' },
    ]);
    expect(second!.messages.at(-1)).toMatchObject({ role: 'tool', content: '{"status":"ok"}' });
    expect(second!.tools).toBeUndefined();

    const attempt = await h.attempt(attemptId);
    expect(attempt).toMatchObject({ session_end_reason: 'AGENT_ENDED', call_ended_by: 'agent', agent_outcome: 'confirmed', agent_outcome_source: 'LLM', finished_at: null });

    const [hook] = await h.messages(leadId);
    expect(hook).toEqual({
      kind: 'hook',
      url: `${receiver.url}/crm/${leadId}`,
      method: 'POST',
      headers: { authorization: `Bearer ${CRM_TOKEN}`, 'content-type': 'application/json' },
      body: { lead_id: leadId, outcome: 'confirmed', attempt: 1, time: '5 pm', note: expect.stringMatching(/^order order-\d+$/) },
    });

    const finished = await h.hangUp(attemptId);
    expect(finished).toMatchObject({ finished: true, outcome: 'confirmed', leadStatus: 'FINISHED' });
    const lead = await h.lead(leadId);
    expect(lead.metaData).toMatchObject({
      node_traversal: ['greeting', 'farewell'],
      transcription: [
        { role: 'assistant', content: 'Hello Asha, this is Buddy from the clinic.' },
        { role: 'user', content: 'Yes, 5 pm works' },
        { role: 'assistant', content: 'Lovely, see you at 5 pm, Asha. Goodbye!' },
      ],
      function_calls: [{ name: 'confirm', arguments: { preferred_time: '5 pm' }, node: 'greeting' }],
      collected_fields: { preferred_time: '5 pm' },
      call_ended_by: 'agent',
    });
    const sent = await h.messages(leadId);
    expect(sent.map((m) => m.kind)).toEqual(['hook', 'reporting', 'service_callback']);
    expect(sent[1]!.body).toMatchObject({ outcome: 'confirmed', status: 'FINISHED' });
    expect(sent[2]).toMatchObject({ url: `${receiver.url}/done?lead=${leadId}&outcome=confirmed`, headers: { 'x-token': CRM_TOKEN } });

    // The attempt is finished: a late turn changes nothing.
    expect(await h.runner.respond(attemptId, { kind: 'speech', text: 'hello?' })).toEqual({ say: [], next: { kind: 'hangup' } });
  });

  it('gives an HTTP function\'s JSON answer to the LLM, and a structured error when it does not match the schema', async () => {
    const slots = (path: string) => ({
      name: 'slots-' + path,
      expected_callback_response_schema: { type: 'object', required: ['slots'], properties: { slots: { type: 'array', items: { type: 'string' } } } },
      flow: {
        initial_node: 'ask',
        nodes: [
          {
            node_name: 'ask',
            task_messages: [{ role: 'system', content: 'Offer a slot.' }],
            functions: [
              {
                name: 'get_slots',
                description: 'Free slots on a date',
                properties: { date: { type: 'string' } },
                required: ['date'],
                http_request: { url: `${receiver.url}/${path}?clinic={clinic}`, method: 'GET', query_params: { date: '{date}' }, timeout: 2 },
              },
            ],
          },
        ],
      },
    });
    await h.template(slots('slots'));
    await h.template(slots('bad-slots'));

    const good = await h.call('slots-slots', { clinic: 'north' });
    llm.script({ content: 'Let me check.', calls: [{ name: 'get_slots', arguments: { date: '2026-02-01' } }] }, { content: 'I have 10:00 or 11:30.' });
    const opening = await h.runner.begin(good.attemptId);
    expect(opening.say).toEqual(['Let me check.', 'I have 10:00 or 11:30.']);
    expect(receiver.requests.at(-1)).toMatchObject({ method: 'GET', url: '/slots?clinic=north&date=2026-02-01' });
    expect(llm.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: '{"slots":["10:00","11:30"]}' });
    expect((await h.state(good.attemptId)).function_calls[0]).toMatchObject({ name: 'get_slots', arguments: { date: '2026-02-01' }, result: { slots: ['10:00', '11:30'] } });

    llm.reset();
    const bad = await h.call('slots-bad-slots', { clinic: 'north' });
    llm.script({ calls: [{ name: 'get_slots', arguments: { date: '2026-02-01' } }] }, { content: 'Sorry, I cannot see the calendar right now.' });
    await h.runner.begin(bad.attemptId);
    const tool = JSON.parse(llm.requests[1]!.body.messages.at(-1)!.content!);
    expect(tool).toMatchObject({ error: 'invalid_response', details: [{ path: 'slots', message: "must have required property 'slots'" }] });
    expect((await h.state(bad.attemptId)).status).toBe('active');
  });

  it('sends invalid arguments back to the LLM without firing hooks, then accepts the corrected call', async () => {
    const { attemptId, leadId } = await h.call('reminder', { customer_name: 'Ravi', appointment_date: 'Monday' });
    await h.runner.begin(attemptId);
    llm.script({ calls: [{ name: 'confirm', arguments: { preferred_time: 5 } }] }, { content: 'What time suits you?' });
    const turn = await h.runner.respond(attemptId, { kind: 'speech', text: 'yes' });
    expect(turn.say).toEqual(['What time suits you?']);
    const tool = JSON.parse(llm.requests[1]!.body.messages.at(-1)!.content!);
    expect(tool).toMatchObject({ error: 'invalid_arguments', details: [{ path: 'preferred_time', message: 'must be string' }] });
    expect(await h.messages(leadId)).toEqual([]);
    const state = await h.state(attemptId);
    expect(state).toMatchObject({ node: 'greeting', agent_outcome: null });
    expect(state.errors.map((e) => e.source)).toContain('function');
  });

  it('refuses to queue a hook whose placeholders cannot all be filled, and says why', async () => {
    await h.template({
      ...reminderTemplate('reminder-missing', receiver.url),
      secrets: {},
    });
    const { attemptId, leadId } = await h.call('reminder-missing', { customer_name: 'Mei', appointment_date: 'Friday' });
    await h.runner.begin(attemptId);
    llm.script({ calls: [{ name: 'confirm', arguments: { preferred_time: '9 am' } }] }, { content: 'Bye!' });
    await h.runner.respond(attemptId, { kind: 'speech', text: 'Yes at 9' });
    expect(await h.messages(leadId)).toEqual([]);
    const state = await h.state(attemptId);
    expect(state.errors).toContainEqual(expect.objectContaining({ source: 'hook', message: 'hook update_crm not sent: unknown variables {crm_token}' }));
    expect(state.agent_outcome).toBe('confirmed');
    // The end-of-conversation callback needs the same secret: not queued either, and the lead says why.
    await h.hangUp(attemptId);
    expect((await h.messages(leadId)).map((m) => m.kind)).toEqual(['reporting']);
    expect((await h.lead(leadId)).metaData.errors).toContainEqual(
      expect.objectContaining({ source: 'end_conversation_callbacks', message: 'end_conversation_callbacks[0] not sent: unknown variables {crm_token}' }),
    );
  });

  it('uses the template\'s own LLM endpoint with its own key, never the deployment\'s', async () => {
    await h.template({
      ...reminderTemplate('reminder-own-llm', receiver.url),
      secrets: { crm_token: CRM_TOKEN, llm_key: 'sk-template-llm-key' },
      configurations: { llm_configurations: { base_url: llm.url, model: 'template-model', api_key: '{llm_key}', temperature: 0.2 } },
    });
    const { attemptId } = await h.call('reminder-own-llm', { customer_name: 'Ola', appointment_date: 'Sunday' });
    llm.script({ content: 'Hi Ola!' });
    expect((await h.runner.begin(attemptId)).say).toEqual(['Hi Ola!']);
    expect(llm.requests[0]!.headers.authorization).toBe('Bearer sk-template-llm-key');
    expect(llm.requests[0]!.body).toMatchObject({ model: 'template-model', temperature: 0.2 });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, startTestService, type TestService, type Tokens } from '../support/service.ts';
import { startReceiver, type LocalReceiver } from '../delivery/local-receiver.ts';
import { startFakeLlm, type FakeLlm } from './fake-llm.ts';
import { CRM_TOKEN, orderConfirmationTemplate, reminderTemplate } from './fixtures.ts';

describe.each(DIALECTS)('POST /templates/{id}/test-conversations (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  let llm: FakeLlm;
  let receiver: LocalReceiver;
  let reminderId: string;
  let ivrId: string;
  beforeAll(async () => {
    llm = await startFakeLlm();
    receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    t = await startTestService(dialect, { LLM_BASE_URL: llm.url, LLM_MODEL: 'test-model', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' });
    tokens = await issueTokens(t);
    const create = async (doc: Record<string, unknown>) => (await t.api('POST', '/templates', { token: tokens.merchant, body: doc })).json().id as string;
    reminderId = await create({
      ...reminderTemplate('reminder', receiver.url),
      expected_payload_schema: { type: 'object', required: ['customer_name'], properties: { customer_name: { type: 'string' } } },
    });
    ivrId = await create(orderConfirmationTemplate('order-confirmation'));
  });
  afterAll(async () => {
    await t.close();
    await llm.close();
    await receiver.close();
  });
  beforeEach(() => llm.reset());

  const run = (id: string, body: Record<string, unknown>, token = tokens.merchant) => t.api('POST', `/templates/${id}/test-conversations`, { token, body });

  it('runs an LLM template on scripted replies: transcript, traversal, calls, hook requests (unsent, secrets hidden), outcome', async () => {
    const res = await run(reminderId, {
      payload: { customer_name: 'Asha', appointment_date: '5 December' },
      context: { lead_id: 'lead-123', request_id: 'order-9' },
      turns: [{ say: 'Yes, 5 pm' }],
      llm_replies: [
        { tool_calls: [{ name: 'confirm', arguments: { preferred_time: '5 pm' } }] },
        { content: `Done. Your reference is ${CRM_TOKEN}. Goodbye!` },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      mode: 'llm',
      ended: true,
      session_end_reason: 'AGENT_ENDED',
      agent_outcome: 'confirmed',
      outcome: 'confirmed',
      node_traversal: ['greeting', 'farewell'],
      function_calls: [{ name: 'confirm', arguments: { preferred_time: '5 pm' }, node: 'greeting' }],
      collected_fields: { preferred_time: '5 pm' },
      llm_requests: 2,
      errors: [],
    });
    expect(body.transcription).toEqual([
      { role: 'assistant', content: 'Hello Asha, this is Buddy from the clinic.' },
      { role: 'user', content: 'Yes, 5 pm' },
      { role: 'assistant', content: 'Done. Your reference is ***. Goodbye!' },
    ]);
    expect(body.hook_requests).toEqual([
      {
        hook: 'update_crm',
        function: 'confirm',
        url: `${receiver.url}/crm/lead-123`,
        method: 'POST',
        headers: { authorization: 'Bearer ***', 'content-type': 'application/json' },
        body: { lead_id: 'lead-123', outcome: 'confirmed', attempt: 1, time: '5 pm', note: 'order order-9' },
      },
    ]);
    expect(JSON.stringify(body)).not.toContain(CRM_TOKEN);
    expect(receiver.requests).toHaveLength(0);
    expect(llm.requests).toHaveLength(0);
  });

  it('uses the configured LLM when no replies are scripted, and stops where the script stops', async () => {
    llm.script({ content: 'Is 5 December still good?' });
    const res = await run(reminderId, { payload: { customer_name: 'Ravi' }, turns: [{ say: 'Who is this?' }] });
    expect(res.json()).toMatchObject({
      ended: false,
      session_end_reason: 'CUSTOMER_HANGUP',
      outcome: 'BUSY',
      llm_requests: null,
      unresolved_variables: ['appointment_date'],
      turns: [
        { input: { kind: 'answer' }, output: { say: ['Hello Ravi, this is Buddy from the clinic.'] } },
        { input: { kind: 'speech', text: 'Who is this?' }, output: { say: ['Is 5 December still good?'], next: { kind: 'gather' } } },
      ],
    });
    expect(llm.requests[0]!.body.messages[1]).toEqual({ role: 'system', content: 'Confirm the appointment on {appointment_date} with Ravi.' });
  });

  it('runs an IVR template on digits, including a hang-up', async () => {
    const confirm = await run(ivrId, { payload: { customer_name: 'Asha', order_ref: 'A-1' }, turns: [{ dtmf: '9' }, { dtmf: '1' }] });
    expect(confirm.json()).toMatchObject({
      mode: 'ivr',
      outcome: 'CONFIRMED',
      session_end_reason: 'IVR_ENDED',
      dtmf_inputs: [{ node: 'menu', digits: '9' }, { node: 'menu', digits: '1' }],
    });
    const hangup = await run(ivrId, { payload: { customer_name: 'Asha', order_ref: 'A-1' }, turns: [{ dtmf: '2' }, { hangup: true }, { dtmf: '1' }] });
    expect(hangup.json()).toMatchObject({ ended: true, session_end_reason: 'CUSTOMER_HANGUP', outcome: 'BUSY', node_traversal: ['menu', 'cancel_menu'] });
  });

  it('stops an IVR that loops (IVR_LOOP_GUARD)', async () => {
    const res = await run(ivrId, { payload: { customer_name: 'A', order_ref: 'B' }, turns: [{ dtmf: '7'.repeat(120) }] });
    expect(res.json()).toMatchObject({ session_end_reason: 'IVR_LOOP_GUARD', outcome: 'IVR_LOOP_GUARD' });
  });

  it('checks the payload against the template, and who may run it', async () => {
    const bad = await run(reminderId, { payload: { customer_name: 42 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['body', 'payload', 'customer_name']);
    expect((await run(reminderId, { turns: [{ press: 1 }] })).statusCode).toBe(422);
    expect((await run(reminderId, { payload: { customer_name: 'x' } }, tokens.otherMerchant)).statusCode).toBe(404);
    expect((await run(reminderId, { payload: { customer_name: 'x' } }, tokens.user)).statusCode).toBe(403);
  });
});

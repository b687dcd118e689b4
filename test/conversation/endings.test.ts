import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startFakeLlm, type FakeLlm } from './fake-llm.ts';
import { startHarness, type Harness } from './harness.ts';

const simpleFlow = (functions: unknown[] = [], extraNodes: unknown[] = []) => ({
  initial_node: 'main',
  nodes: [{ node_name: 'main', task_messages: [{ role: 'system', content: 'Help {customer_name}.' }], functions }, ...extraNodes],
});

describe.each(DIALECTS)('how conversations end (%s)', (dialect) => {
  let h: Harness;
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await startFakeLlm();
    h = await startHarness(dialect, { LLM_BASE_URL: llm.url, LLM_MODEL: 'test-model' });
    await h.template(
      {
        name: 'idle',
        configurations: {
          initial_greeting: 'Hi {customer_name}!',
          user_idle_configuration: { enabled: true, timeout: 4, max_retries: 2, idle_message: 'Are you still there, {customer_name}?' },
        },
        flow: simpleFlow([{ name: 'noop', description: 'never called' }]),
      },
      { max_retry: 1, retry_offset: 120 },
    );
    await h.template({
      name: 'transfer',
      configurations: { initial_greeting: 'Hi!' },
      flow: simpleFlow([
        {
          name: 'to_agent',
          description: 'The customer asks for a human',
          hooks: [
            { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static', value: 'TRANSFERRED_TO_AGENT' } } },
            { name: 'set_transfer_flag', expected_fields: { transfer_number: { source: 'context', value: 'agent_number' } } },
          ],
          post_actions: [{ type: 'function', handler: 'warm_transfer' }],
        },
      ]),
    });
    await h.template({
      name: 'transfer-nobody',
      configurations: { initial_greeting: 'Hi!' },
      flow: simpleFlow([{ name: 'to_agent', description: 'The customer asks for a human', post_actions: [{ type: 'function', handler: 'warm_transfer' }] }]),
    });
  });
  afterAll(async () => {
    await h.close();
    await llm.close();
  });
  beforeEach(() => llm.reset());

  it('user idle: the idle message while retries remain, then USER_IDLE_TIMEOUT → BUSY, retried', async () => {
    const { attemptId, leadId } = await h.call('idle', { customer_name: 'Asha' });
    expect((await h.runner.begin(attemptId)).next).toEqual({ kind: 'gather', input: ['speech', 'dtmf'], timeoutSeconds: 4 });
    expect(await h.runner.respond(attemptId, { kind: 'no_input' })).toMatchObject({ say: ['Are you still there, Asha?'], next: { kind: 'gather' } });
    // Speech resets the count; the LLM answers.
    llm.script({ content: 'How can I help?' });
    await h.runner.respond(attemptId, { kind: 'speech', text: 'sorry, yes' });
    await h.runner.respond(attemptId, { kind: 'no_input' });
    expect((await h.runner.respond(attemptId, { kind: 'no_input' })).say).toEqual(['Are you still there, Asha?']);
    expect(await h.runner.respond(attemptId, { kind: 'no_input' })).toEqual({ say: [], next: { kind: 'hangup' } });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'USER_IDLE_TIMEOUT', call_ended_by: 'timeout' });
    const done = await h.hangUp(attemptId);
    expect(done).toMatchObject({ outcome: 'BUSY', leadStatus: 'BACKLOG' });
    expect((await h.lead(leadId)).metaData).toMatchObject({ call_ended_by: 'timeout' });
  });

  it('an LLM that fails ends the call with PIPELINE_ERROR (outcome UNKNOWN)', async () => {
    const { attemptId, leadId } = await h.call('idle', { customer_name: 'Bo' });
    await h.runner.begin(attemptId);
    llm.script({ status: 503, body: '{"error":{"message":"overloaded"}}' });
    expect(await h.runner.respond(attemptId, { kind: 'speech', text: 'hello' })).toEqual({ say: [], next: { kind: 'hangup' } });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'PIPELINE_ERROR', call_ended_by: 'error' });
    expect(await h.hangUp(attemptId)).toMatchObject({ outcome: 'UNKNOWN', leadStatus: 'FINISHED' });
    const lead = await h.lead(leadId);
    expect(lead.metaData.errors).toContainEqual(expect.objectContaining({ source: 'llm', message: expect.stringContaining('HTTP 503') }));
  });

  it('warm_transfer hands the call to the number set_transfer_flag stored', async () => {
    const { attemptId } = await h.call('transfer', { customer_name: 'Cy', agent_number: '+14155550000' });
    await h.runner.begin(attemptId);
    llm.script({ content: 'Connecting you to an agent.', calls: [{ name: 'to_agent' }] });
    expect(await h.runner.respond(attemptId, { kind: 'speech', text: 'a human please' })).toEqual({
      say: ['Connecting you to an agent.'],
      next: { kind: 'transfer', number: '+14155550000' },
    });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'TRANSFERRED', agent_outcome: 'TRANSFERRED_TO_AGENT' });
    expect((await h.state(attemptId)).transfer_number).toBe('+14155550000');
    expect(await h.hangUp(attemptId)).toMatchObject({ outcome: 'TRANSFERRED' });
  });

  it('without a transfer number the AI carries on and the LLM hears agent_not_assigned', async () => {
    const { attemptId } = await h.call('transfer-nobody', { customer_name: 'Di' });
    await h.runner.begin(attemptId);
    llm.script({ calls: [{ name: 'to_agent' }] }, { content: 'Nobody is free, but I can help.' });
    expect(await h.runner.respond(attemptId, { kind: 'speech', text: 'a human please' })).toMatchObject({
      say: ['Nobody is free, but I can help.'],
      next: { kind: 'gather' },
    });
    expect(JSON.parse(llm.requests[1]!.body.messages.at(-1)!.content!)).toMatchObject({ status: 'failed', reason: 'agent_not_assigned' });
  });

  it('a hang-up under a running conversation is reported with no ending; a silent caller is an early hang-up', async () => {
    const spoke = await h.call('idle', { customer_name: 'Eve' });
    await h.runner.begin(spoke.attemptId);
    llm.script({ content: 'Sure.' });
    await h.runner.respond(spoke.attemptId, { kind: 'speech', text: 'wait' });
    expect(await h.runner.summarize(spoke.attemptId)).toMatchObject({ ending: null, user_spoke: true });
    expect(await h.hangUp(spoke.attemptId)).toMatchObject({ outcome: 'BUSY' });
    expect(await h.attempt(spoke.attemptId)).toMatchObject({ session_end_reason: 'CUSTOMER_HANGUP' });
    // After the finish the report comes from the stored summary and the row's facts.
    expect(await h.runner.summarize(spoke.attemptId)).toMatchObject({ ending: { session_end_reason: 'CUSTOMER_HANGUP' }, user_spoke: true });

    const silent = await h.call('idle', { customer_name: 'Fay' });
    await h.runner.begin(silent.attemptId);
    expect(await h.runner.summarize(silent.attemptId)).toMatchObject({ ending: null, user_spoke: false });
    expect(await h.hangUp(silent.attemptId)).toMatchObject({ outcome: 'EARLY_HANGUP' });
  });

  it('finishes the attempt itself when the provider already reported the call over', async () => {
    const { attemptId, leadId } = await h.call('transfer-nobody', { customer_name: 'Gus' });
    await h.runner.begin(attemptId);
    await h.t.service.db.kysely.updateTable('call_attempts').set({ status: 'completed', status_rank: 4, ended_at: Date.now() }).where('id', '=', attemptId).execute();
    await h.runner.respond(attemptId, { kind: 'no_input' });
    await h.runner.respond(attemptId, { kind: 'no_input' });
    await h.runner.respond(attemptId, { kind: 'no_input' });
    expect(await h.runner.respond(attemptId, { kind: 'no_input' })).toEqual({ say: [], next: { kind: 'hangup' } });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'USER_IDLE_TIMEOUT', outcome: 'BUSY', finished_at: expect.any(Number) });
    expect(await h.lead(leadId)).toMatchObject({ status: 'FINISHED', outcome: 'BUSY' });
  });

  it('a call whose template is gone ends at once with PIPELINE_ERROR', async () => {
    const id = await h.template({ name: 'doomed', flow: simpleFlow() });
    const { attemptId } = await h.call('doomed', { customer_name: 'Ida' });
    expect((await h.t.api('DELETE', `/templates/${id}`, { token: h.tokens.merchant })).statusCode).toBe(204);
    expect(await h.runner.begin(attemptId)).toEqual({ say: [], next: { kind: 'hangup' } });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'PIPELINE_ERROR', call_ended_by: 'error' });
    expect(await h.runner.summarize(attemptId)).toMatchObject({ ending: { session_end_reason: 'PIPELINE_ERROR' }, summary: { errors: [expect.objectContaining({ source: 'engine' })] } });
    expect(await h.hangUp(attemptId)).toMatchObject({ outcome: 'UNKNOWN' });
  });

  it('of two turns computed from the same state only the first saved counts; the other gets its output', async () => {
    const { attemptId } = await h.call('idle', { customer_name: 'Hal' });
    await h.runner.begin(attemptId);
    llm.script({ content: 'First answer.' }, { content: 'Second answer.' });
    // Both turns must have read the state before either is saved.
    llm.holdUntil(2);
    const [a, b] = await Promise.all([
      h.runner.respond(attemptId, { kind: 'speech', text: 'one' }),
      h.runner.respond(attemptId, { kind: 'speech', text: 'two' }),
    ]);
    expect(a).toEqual(b);
    const state = await h.state(attemptId);
    expect(state.turn).toBe(2);
    expect(state.transcription.filter((e) => e.role === 'user')).toHaveLength(1);
  });
});

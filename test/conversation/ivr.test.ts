import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startHarness, type Harness } from './harness.ts';
import { orderConfirmationTemplate } from './fixtures.ts';

const MENU = 'Hello Asha. Press 1 to confirm your order A-17, or 2 to cancel it.';
const CANCEL_MENU = 'Press 1 if the price was too high, 2 for any other reason, or star to go back.';
const dtmf = (digits: string) => ({ kind: 'dtmf' as const, digits });

describe.each(DIALECTS)('IVR order confirmation (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    // No LLM is configured at all: IVR mode needs none.
    h = await startHarness(dialect);
    await h.template(orderConfirmationTemplate('order-confirmation'), { max_retry: 2, retry_offset: 600 });
  });
  afterAll(() => h.close());

  const call = () => h.call('order-confirmation', { customer_name: 'Asha', order_ref: 'A-17' });

  it('confirm: the prompt, one key, the outcome, a success webhook', async () => {
    const { attemptId, leadId } = await call();
    expect(await h.runner.begin(attemptId)).toEqual({ say: [MENU], next: { kind: 'gather', input: ['dtmf'], timeoutSeconds: 6, numDigits: 1 } });
    expect(await h.runner.respond(attemptId, dtmf('1'))).toEqual({ say: ['Thank you, your order is confirmed.'], next: { kind: 'hangup' } });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'IVR_ENDED', agent_outcome: 'CONFIRMED', agent_outcome_source: 'IVR', call_ended_by: 'agent' });
    expect(await h.hangUp(attemptId)).toMatchObject({ outcome: 'CONFIRMED', leadStatus: 'FINISHED' });
    const lead = await h.lead(leadId);
    expect(lead.metaData).toMatchObject({
      dtmf_inputs: [{ node: 'menu', digits: '1' }],
      node_traversal: ['menu'],
      transcription: [
        { role: 'assistant', content: MENU },
        { role: 'user', content: 'Pressed 1' },
        { role: 'assistant', content: 'Thank you, your order is confirmed.' },
      ],
    });
    const [report] = await h.messages(leadId);
    expect(report!.body).toMatchObject({ outcome: 'CONFIRMED', status: 'FINISHED', callSid: expect.stringMatching(/^CA/) });
  });

  it('cancel: a nested menu, back to the parent with *, then a reason', async () => {
    const { attemptId } = await call();
    await h.runner.begin(attemptId);
    expect((await h.runner.respond(attemptId, dtmf('2'))).say).toEqual([CANCEL_MENU]);
    expect((await h.runner.respond(attemptId, dtmf('*'))).say).toEqual([MENU]);
    expect((await h.runner.respond(attemptId, dtmf('2'))).say).toEqual([CANCEL_MENU]);
    expect(await h.runner.respond(attemptId, dtmf('1'))).toEqual({ say: ['Your order is cancelled.'], next: { kind: 'hangup' } });
    const state = await h.state(attemptId);
    expect(state.node_traversal).toEqual(['menu', 'cancel_menu', 'menu', 'cancel_menu']);
    // Each visit keeps its own entry time, in order, for the service callback's node_traversal.
    expect(state.node_entries!.map((e) => e.node)).toEqual(state.node_traversal);
    const times = state.node_entries!.map((e) => Date.parse(e.at));
    expect(times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1]!))).toBe(true);
    expect(await h.hangUp(attemptId)).toMatchObject({ outcome: 'CANCELLED_PRICE' });
  });

  it('several digits in one gather walk the menus in order', async () => {
    const { attemptId } = await call();
    await h.runner.begin(attemptId);
    expect(await h.runner.respond(attemptId, dtmf('22'))).toEqual({ say: [CANCEL_MENU, 'Your order is cancelled.'], next: { kind: 'hangup' } });
    expect((await h.state(attemptId)).agent_outcome).toBe('CANCELLED');
  });

  it('an invalid key replays the prompt without using up a retry', async () => {
    const { attemptId } = await call();
    await h.runner.begin(attemptId);
    expect((await h.runner.respond(attemptId, dtmf('7'))).say).toEqual(['Sorry, that is not a valid option.', MENU]);
    // max_retries is 1: one replay after silence is still left.
    expect(await h.runner.respond(attemptId, { kind: 'no_input' })).toMatchObject({ say: [MENU], next: { kind: 'gather' } });
    expect(await h.runner.respond(attemptId, { kind: 'no_input' })).toEqual({ say: [], next: { kind: 'hangup' } });
  });

  it('no input: the prompt again, then IVR_NO_INPUT, outcome BUSY and a retry later', async () => {
    const { attemptId, leadId } = await call();
    await h.runner.begin(attemptId);
    expect((await h.runner.respond(attemptId, { kind: 'no_input' })).say).toEqual([MENU]);
    expect((await h.runner.respond(attemptId, { kind: 'no_input' })).next).toEqual({ kind: 'hangup' });
    expect(await h.attempt(attemptId)).toMatchObject({ session_end_reason: 'IVR_NO_INPUT', call_ended_by: 'timeout', agent_outcome: null });
    expect(await h.hangUp(attemptId)).toMatchObject({ outcome: 'BUSY', leadStatus: 'BACKLOG' });
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'BACKLOG', outcome: 'BUSY', attempt_count: 1 });
    expect(Date.parse(lead.next_attempt_at as string) - Date.now()).toBeGreaterThan(590_000);
  });
});

// End to end, on Twilio and Plivo: the README's IVR order confirmation, pushed over HTTP as a
// TELEPHONY_TEST lead, dialled by the dispatcher through the emulator (signed callbacks into
// the listening service), with the reporting webhook delivered to a local receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startLiveCalls, waitFor, type LiveCalls } from '../support/live-calls.ts';
import { startReceiver, type LocalReceiver } from '../delivery/local-receiver.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { orderConfirmationTemplate } from './fixtures.ts';

const PROVIDERS = ['twilio', 'plivo'] as const satisfies readonly ProviderName[];
const MENU = 'Hello Asha. Press 1 to confirm your order A-17, or 2 to cancel it.';
const CANCEL_MENU = 'Press 1 if the price was too high, 2 for any other reason, or star to go back.';
const CONFIRMED = 'Thank you, your order is confirmed.';
const RETRY_OFFSET_S = 2;

/** A distinct customer per provider and case, so that each call has its own script. */
const customer = (provider: ProviderName, n: number) => `+1415555${provider === 'twilio' ? 3 : 4}${String(n).padStart(3, '0')}`;

describe.each(DIALECTS)('IVR order confirmation over the emulator (%s)', (dialect) => {
  let c: LiveCalls;
  let receiver: LocalReceiver;
  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    c = await startLiveCalls(dialect);
  });
  afterAll(async () => {
    await c.close();
    await receiver.close();
  });

  describe.each(PROVIDERS)('%s', (provider) => {
    const template = `order-confirmation-${provider}`;
    beforeAll(async () => {
      await c.provision(provider, orderConfirmationTemplate(template), { max_retry: 1, retry_offset: RETRY_OFFSET_S });
    });

    const call = async (n: number, inputs: ({ digits: string } | { silence: true })[]) => {
      const to = customer(provider, n);
      c.emulator.scripts.set(to, { inputs });
      const leadId = await c.push({ template, requestId: `order-${provider}-${n}`, to, reportingUrl: `${receiver.url}/report`, payload: { customer_name: 'Asha', order_ref: 'A-17' } });
      const lead = await c.leadWhen(leadId, (l) => l.status === 'FINISHED');
      return { leadId, lead, played: await c.playedCall(leadId) };
    };

    it('confirm: press 1 → CONFIRMED, FINISHED, and the success webhook delivered', async () => {
      const { leadId, lead, played } = await call(1, [{ digits: '1' }]);
      expect(played).toMatchObject({ provider, status: 'completed', heard: [MENU, CONFIRMED], said: ['1'], endedBy: 'agent' });
      expect(lead).toMatchObject({
        outcome: 'CONFIRMED',
        attempt_count: 1,
        call_id: played.sid,
        provider_status: 'ANSWERED',
        session_end_reason: 'IVR_ENDED',
        agent_outcome: 'CONFIRMED',
        agent_outcome_source: 'IVR',
      });
      expect(lead.metaData).toMatchObject({
        node_traversal: ['menu'],
        dtmf_inputs: [{ node: 'menu', digits: '1' }],
        transcription: [
          { role: 'assistant', content: MENU },
          { role: 'user', content: 'Pressed 1' },
          { role: 'assistant', content: CONFIRMED },
        ],
        call_ended_by: 'agent',
      });

      const delivered = await waitFor(() => receiver.requests.find((r) => r.url === '/report' && r.body.includes(leadId)), 5_000, 'the reporting webhook');
      const body = JSON.parse(delivered.body);
      expect(Object.keys(body)).toEqual(['orderId', 'leadId', 'callSid', 'outcome', 'status', 'attemptCount', 'transcription', 'recordingUrl', 'completedAt']);
      expect(body).toEqual({
        orderId: `order-${provider}-1`,
        leadId,
        callSid: played.sid,
        outcome: 'CONFIRMED',
        status: 'FINISHED',
        attemptCount: 1,
        transcription: lead.metaData.transcription,
        recordingUrl: played.recordingUrl,
        completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
      expect(delivered.headers['webhook-signature']).toMatch(/^v1,/);
      const message = await waitFor(async () => {
        const row = await c.db.selectFrom('webhook_messages').selectAll().where('lead_id', '=', leadId).where('kind', '=', 'reporting').executeTakeFirstOrThrow();
        return row.status === 'succeeded' && row;
      }, 5_000, 'the reporting message to be recorded as delivered');
      expect(message).toMatchObject({ attempt_count: 1, last_status_code: 204 });
    });

    it('cancel: into the nested menu, back with *, in again, and a reason', async () => {
      const { lead, played } = await call(2, [{ digits: '2' }, { digits: '*' }, { digits: '2' }, { digits: '1' }]);
      expect(played.heard).toEqual([MENU, CANCEL_MENU, MENU, CANCEL_MENU, 'Your order is cancelled.']);
      expect(lead).toMatchObject({ outcome: 'CANCELLED_PRICE', attempt_count: 1, session_end_reason: 'IVR_ENDED' });
      expect(lead.metaData).toMatchObject({
        node_traversal: ['menu', 'cancel_menu', 'menu', 'cancel_menu'],
        dtmf_inputs: [
          { node: 'menu', digits: '2' },
          { node: 'cancel_menu', digits: '*' },
          { node: 'menu', digits: '2' },
          { node: 'cancel_menu', digits: '1' },
        ],
      });
    });

    it('an invalid key replays the prompt without using the one retry; the digits are logged', async () => {
      // max_retries is 1: had the 7 used it, the silence after it would end the call.
      const { lead, played } = await call(3, [{ digits: '7' }, { silence: true }, { digits: '1' }]);
      expect(played.heard).toEqual([MENU, 'Sorry, that is not a valid option.', MENU, MENU, CONFIRMED]);
      expect(played.said).toEqual(['7', '(silence)', '1']);
      expect(lead).toMatchObject({ outcome: 'CONFIRMED', attempt_count: 1 });
      expect(lead.metaData).toMatchObject({ dtmf_inputs: [{ node: 'menu', digits: '7' }, { node: 'menu', digits: '1' }] });
    });

    it('no input → IVR_NO_INPUT, BUSY, and attempt 2 placed after retry_offset', async () => {
      const to = customer(provider, 4);
      c.emulator.scripts.set(to, { inputs: [{ silence: true }, { silence: true }] });
      const leadId = await c.push({ template, requestId: `order-${provider}-4`, to, reportingUrl: `${receiver.url}/report`, payload: { customer_name: 'Asha', order_ref: 'A-17' } });
      // Each emulated call takes its script when it is placed: the second call answers.
      const first = await waitFor(() => c.emulator.calls().find((x) => x.to === to), 5_000, 'the first call');
      c.emulator.scripts.set(to, { inputs: [{ digits: '1' }] });

      const waiting = await c.leadWhen(leadId, (l) => l.outcome !== null);
      expect(waiting).toMatchObject({ status: 'BACKLOG', outcome: 'BUSY', session_end_reason: 'IVR_NO_INPUT', attempt_count: 1 });
      const [busy] = await c.attempts(leadId);
      expect(Date.parse(waiting.next_attempt_at as string)).toBe(Number(busy!.finished_at) + RETRY_OFFSET_S * 1000);
      expect((await c.emulator.waitForCall(first.sid)).heard).toEqual([MENU, MENU]);

      const done = await c.leadWhen(leadId, (l) => l.status === 'FINISHED');
      expect(done).toMatchObject({ outcome: 'CONFIRMED', attempt_count: 2 });
      const [one, two] = await c.attempts(leadId);
      expect(one).toMatchObject({ attempt_number: 1, outcome: 'BUSY', session_end_reason: 'IVR_NO_INPUT', call_ended_by: 'timeout' });
      expect(two).toMatchObject({ attempt_number: 2, outcome: 'CONFIRMED' });
      expect(Number(two!.created_at) - Number(one!.finished_at)).toBeGreaterThanOrEqual(RETRY_OFFSET_S * 1000);
      expect(two!.call_id).not.toBe(one!.call_id);
      expect((await c.playedCall(leadId)).heard).toEqual([MENU, CONFIRMED]);

      // One report per attempt: the busy first one (the lead still BACKLOG), then the confirmation.
      const reports = await waitFor(() => {
        const found = receiver.requests.filter((r) => r.url === '/report' && r.body.includes(leadId));
        return found.length === 2 && found;
      }, 5_000, 'two reports');
      expect(reports.map((r) => JSON.parse(r.body)).sort((a, b) => a.attemptCount - b.attemptCount)).toMatchObject([
        { outcome: 'BUSY', attemptCount: 1, failureReason: 'Conversation ended: IVR_NO_INPUT' },
        { outcome: 'CONFIRMED', status: 'FINISHED', attemptCount: 2 },
      ]);
    });
  });
});

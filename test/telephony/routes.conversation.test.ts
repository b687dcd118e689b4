// /{provider}/answer, /gather and /prompt for a call Buddy placed: the conversation's turns
// as TwiML, Plivo XML and Exotel applet answers; repeats replay, forgeries change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type TestService, type Tokens } from '../support/service.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { exotelPassthruAfterGather } from './fixtures/exotel.ts';
import { plivoGetInputDigits, plivoSignedAnswer } from './fixtures/plivo.ts';
import { twilioAnswerOutbound, twilioGatherDigits } from './fixtures/twilio.ts';
import { freshIds, openAttempt, setUpTemplate, type CallIds } from './support/attempts.ts';
import { providerRequest, publicUrl, startProviderService, type ProviderCall } from './support/provider-requests.ts';

const PROMPT = 'Hello Asha. Press 1 to confirm your order, 2 to cancel.';

function answerCall(provider: ProviderName, ids: CallIds, attemptId?: string): ProviderCall {
  const query = attemptId ? { attempt: attemptId } : undefined;
  if (provider === 'twilio') return { path: '/answer', query, form: { ...twilioAnswerOutbound.params, CallSid: ids.callId } };
  if (provider === 'plivo') {
    return { path: '/answer', query, form: { ...plivoSignedAnswer.params, CallUUID: ids.callId, ALegUUID: ids.callId, RequestUUID: ids.requestId, ALegRequestUUID: ids.requestId } };
  }
  // Exotel's Passthru applet: a GET, the fields in the query.
  return { path: '/answer', method: 'GET', query: { ...exotelPassthruAfterGather, digits: '', Direction: 'outbound-api', CallSid: ids.callId, ...query } };
}

function gatherCall(provider: ProviderName, ids: CallIds, digits: string, query: Record<string, string>): ProviderCall {
  if (provider === 'twilio') return { path: '/gather', query, form: { ...twilioGatherDigits.params, CallSid: ids.callId, Digits: digits } };
  if (provider === 'plivo') return { path: '/gather', query, form: { ...plivoGetInputDigits.params, CallUUID: ids.callId, RequestUUID: ids.requestId, Digits: digits } };
  return { path: '/gather', method: 'GET', query: { ...exotelPassthruAfterGather, CallSid: ids.callId, digits: `"${digits}"`, ...query } };
}

describe.each(DIALECTS)('conversation routes (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startProviderService(dialect);
    tokens = await issueTokens(t);
    await setUpTemplate(t, tokens);
  });
  afterAll(() => t.close());

  const conversationOf = async (attemptId: string) => {
    const row = await t.service.db.kysely.selectFrom('call_attempts').select('conversation').where('id', '=', attemptId).executeTakeFirstOrThrow();
    return (typeof row.conversation === 'string' ? JSON.parse(row.conversation) : row.conversation) as { transcription: { role: string; content: string }[] };
  };

  describe.each(['twilio', 'plivo'] as const)('%s (answer documents)', (provider) => {
    it('answers with the opening turn: the prompt inside a gather that posts to the next turn', async () => {
      const ids = freshIds(provider);
      const { attemptId, attempt } = await openAttempt(t, tokens, provider, ids);
      const res = await providerRequest(t, provider, answerCall(provider, ids, attemptId));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/xml/);
      const action = publicUrl(provider, '/gather', { attempt: attemptId, turn: '1' }).replaceAll('&', '&amp;');
      expect(res.body).toContain(`action="${action}"`);
      expect(res.body).toContain(PROMPT);
      // Silence falls through the gather to a redirect that says so.
      expect(res.body).toContain(`${action}&amp;no_input=1`);
      expect(await attempt()).toMatchObject({ status: 'in-progress', provider_status: 'ANSWERED', call_id: ids.callId });
    });

    it('replays the same document for a repeated answer or gather, and hears each input once', async () => {
      const ids = freshIds(provider);
      const { attemptId } = await openAttempt(t, tokens, provider, ids);
      const first = await providerRequest(t, provider, answerCall(provider, ids, attemptId));
      const again = await providerRequest(t, provider, answerCall(provider, ids, attemptId));
      expect(again.body).toBe(first.body);

      const gather = gatherCall(provider, ids, '1', { attempt: attemptId, turn: '1' });
      const reply = await providerRequest(t, provider, gather);
      expect(reply.statusCode).toBe(200);
      expect(reply.body).toContain('Thank you, your order is confirmed.');
      expect(reply.body).toMatch(/<Hangup\/>/);
      expect((await providerRequest(t, provider, gather)).body).toBe(reply.body);
      const { transcription } = await conversationOf(attemptId);
      expect(transcription.filter((e) => e.role === 'user')).toEqual([{ role: 'user', content: 'Pressed 1' }]);
      expect(transcription.filter((e) => e.content === PROMPT)).toHaveLength(1);
    });

    it('treats the silence redirect as no input and asks again', async () => {
      const ids = freshIds(provider);
      const { attemptId } = await openAttempt(t, tokens, provider, ids);
      await providerRequest(t, provider, answerCall(provider, ids, attemptId));
      const res = await providerRequest(t, provider, gatherCall(provider, ids, '', { attempt: attemptId, turn: '1', no_input: '1' }));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(PROMPT);
      expect(res.body).toContain(`turn=2`);
    });

    it('refuses forgeries (403), malformed requests (400) and unknown calls (404)', async () => {
      const ids = freshIds(provider);
      const { attemptId, attempt } = await openAttempt(t, tokens, provider, ids);
      const before = await attempt();
      expect((await providerRequest(t, provider, { ...answerCall(provider, ids, attemptId), token: 'forged-token' })).statusCode).toBe(403);
      expect(await attempt()).toEqual(before);
      const noCallId = { path: '/gather', query: { attempt: attemptId, turn: '1' }, form: { Digits: '1' } };
      expect((await providerRequest(t, provider, noCallId)).statusCode).toBe(400);
      expect((await providerRequest(t, provider, answerCall(provider, ids, '00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
      expect((await providerRequest(t, provider, gatherCall(provider, freshIds(provider), '1', {}))).statusCode).toBe(404);
      // An outbound answer for a call nobody placed is not mistaken for an inbound call.
      expect((await providerRequest(t, provider, answerCall(provider, freshIds(provider)))).statusCode).toBe(404);
    });
  });

  describe('exotel (applet flow)', () => {
    it('Passthru branches and the applets fetch each document from /prompt', async () => {
      const ids = freshIds('exotel');
      const { attemptId, leadId } = await openAttempt(t, tokens, 'exotel', ids);
      const answer = await providerRequest(t, 'exotel', answerCall('exotel', ids, attemptId));
      // 200: the flow goes on to the Gather applet.
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toBe('');
      const prompt = await providerRequest(t, 'exotel', { path: '/prompt', method: 'GET', query: { CallSid: ids.callId } });
      expect(prompt.statusCode).toBe(200);
      expect(prompt.json()).toEqual({ gather_prompt: { text: PROMPT }, max_input_digits: 1, finish_on_key: '#', input_timeout: 5 });

      // The Passthru after the Gather applet: a static URL, found by CallSid; 302 = the call ends.
      const gather = await providerRequest(t, 'exotel', gatherCall('exotel', ids, '1', {}));
      expect(gather.statusCode).toBe(302);
      const closing = await providerRequest(t, 'exotel', { path: '/prompt', method: 'GET', query: { CallSid: ids.callId } });
      expect(closing.headers['content-type']).toMatch(/text\/plain/);
      expect(closing.body).toBe('Thank you, your order is confirmed.');
      const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
      expect(lead.status).toBe('PROCESSING');
    });

    it('refuses a request without the deployment secret, or with another one', async () => {
      const ids = freshIds('exotel');
      const { attemptId } = await openAttempt(t, tokens, 'exotel', ids);
      expect((await providerRequest(t, 'exotel', { ...answerCall('exotel', ids, attemptId), unsigned: true })).statusCode).toBe(403);
      expect((await providerRequest(t, 'exotel', { ...answerCall('exotel', ids, attemptId), token: 'another-secret-of-16-chars' })).statusCode).toBe(403);
      expect((await providerRequest(t, 'exotel', { path: '/prompt', method: 'GET', query: { CallSid: 'unknown' } })).statusCode).toBe(404);
    });
  });
});

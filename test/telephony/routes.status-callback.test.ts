// /{provider}/callback/status, replayed with real-shaped provider requests (fixtures/), signed
// as each provider signs: valid, forged, malformed, unknown call, duplicate, out of order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type TestService, type Tokens } from '../support/service.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { exotelStatusAnsweredJson, exotelStatusBusyForm, exotelStatusTerminalJson } from './fixtures/exotel.ts';
import { plivoHangupBusy, plivoHangupCompleted, plivoRing } from './fixtures/plivo.ts';
import { twilioStatusBusy, twilioStatusCompleted, twilioStatusRinging } from './fixtures/twilio.ts';
import { freshIds, messagesOf, openAttempt, setUpTemplate, type CallIds } from './support/attempts.ts';
import { providerRequest, startProviderService, type ProviderCall } from './support/provider-requests.ts';

type Stage = 'progress' | 'completed' | 'busy';

/** The fixture of each stage, with the call's own ids; Exotel's status arrives as JSON or form. */
function statusCall(provider: ProviderName, stage: Stage, ids: CallIds): ProviderCall {
  const path = '/callback/status';
  if (provider === 'twilio') {
    const fixture = { progress: twilioStatusRinging, completed: twilioStatusCompleted, busy: twilioStatusBusy }[stage];
    return { path, form: { ...fixture.params, CallSid: ids.callId } };
  }
  if (provider === 'plivo') {
    const fixture = { progress: plivoRing, completed: plivoHangupCompleted, busy: plivoHangupBusy }[stage];
    return { path, form: { ...fixture.params, CallUUID: ids.callId, ALegUUID: ids.callId, RequestUUID: ids.requestId, ALegRequestUUID: ids.requestId } };
  }
  if (stage === 'busy') return { path, form: { ...exotelStatusBusyForm.params, CallSid: ids.callId } };
  return { path, json: { ...(stage === 'progress' ? exotelStatusAnsweredJson : exotelStatusTerminalJson), CallSid: ids.callId } };
}

const DURATION: Record<ProviderName, number> = { twilio: 49, plivo: 47, exotel: 41 };
const PROGRESS: Record<ProviderName, string> = { twilio: 'ringing', plivo: 'ringing', exotel: 'in-progress' };

describe.each(DIALECTS)('provider status callbacks (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startProviderService(dialect);
    tokens = await issueTokens(t);
    await setUpTemplate(t, tokens);
  });
  afterAll(() => t.close());

  describe.each(['twilio', 'plivo', 'exotel'] as const)('%s', (provider) => {
    const open = async () => {
      const ids = freshIds(provider);
      return { ids, ...(await openAttempt(t, tokens, provider, ids)) };
    };
    const send = (stage: Stage, ids: CallIds, extra: Partial<ProviderCall> = {}) => providerRequest(t, provider, { ...statusCall(provider, stage, ids), ...extra });

    it('moves the call forward, and the terminal callback finishes the attempt with the provider facts', async () => {
      const { ids, leadId, attempt } = await open();
      expect((await send('progress', ids)).statusCode).toBe(200);
      expect(await attempt()).toMatchObject({ status: PROGRESS[provider], finished_at: null });

      expect((await send('completed', ids)).statusCode).toBe(200);
      const done = await attempt();
      expect(done).toMatchObject({ status: 'completed', provider_status: 'ANSWERED', provider_reason: 'COMPLETED', duration_seconds: DURATION[provider] });
      expect(done.call_id).toBe(ids.callId);
      const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
      // Answered, but no conversation was ever started: the caller hung up at once.
      expect(lead).toMatchObject({ status: 'FINISHED', provider_status: 'ANSWERED', session_end_reason: 'EARLY_HANGUP', outcome: 'EARLY_HANGUP' });
      expect(lead.metaData.duration_seconds).toBe(DURATION[provider]);
      if (provider === 'exotel') expect(lead.recording_url).toBe(exotelStatusTerminalJson.RecordingUrl);
    });

    it('records an unanswered call as NOT_ANSWERED with its reason', async () => {
      const { ids, leadId } = await open();
      expect((await send('busy', ids)).statusCode).toBe(200);
      const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
      expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'NO_ANSWER', provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY' });
      if (provider === 'twilio') expect(lead.provider_hangup_cause).toBe('486');
      if (provider === 'plivo') expect(lead.provider_hangup_cause).toBe('USER_BUSY');
    });

    it('a repeated terminal callback changes nothing and queues no second webhook', async () => {
      const { ids, leadId, attempt } = await open();
      expect((await send('completed', ids)).statusCode).toBe(200);
      const first = await attempt();
      expect((await send('completed', ids)).statusCode).toBe(200);
      expect(await attempt()).toEqual(first);
      expect(await messagesOf(t, leadId)).toHaveLength(1);
    });

    it('a late progress callback after the terminal one never moves the call backwards', async () => {
      const { ids, leadId, attempt } = await open();
      await send('completed', ids);
      const before = await attempt();
      expect((await send('progress', ids)).statusCode).toBe(200);
      expect(await attempt()).toEqual(before);
      const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
      expect(lead.status).toBe('FINISHED');
    });

    it('refuses a forged or unsigned callback with 403 and changes nothing', async () => {
      const { ids, attempt } = await open();
      const before = await attempt();
      expect((await send('completed', ids, { token: 'not-the-auth-token-of-this-account' })).statusCode).toBe(403);
      expect((await send('completed', ids, { unsigned: true })).statusCode).toBe(403);
      expect(await attempt()).toEqual(before);
    });

    it('refuses a malformed callback with 400', async () => {
      const { ids } = await open();
      const call = statusCall(provider, 'completed', ids);
      const withoutId = Object.fromEntries(Object.entries(call.form ?? (call.json as Record<string, string>)).filter(([k]) => !['CallSid', 'CallUUID', 'RequestUUID', 'ALegRequestUUID', 'ALegUUID'].includes(k)));
      const res = await providerRequest(t, provider, call.json ? { path: call.path, json: withoutId } : { path: call.path, form: withoutId });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(/Call(Sid|UUID)/);
      if (provider === 'exotel') {
        const broken = await providerRequest(t, provider, { path: call.path, json: {}, rawBody: '{"CallSid": ' });
        expect(broken.statusCode).toBe(400);
      }
    });

    it('answers 404 for a call it does not know', async () => {
      const res = await send('completed', freshIds(provider));
      expect(res.statusCode).toBe(404);
    });
  });

  it('verifies against the public URL, not the Host header a proxy delivers it with', async () => {
    const ids = freshIds('twilio');
    await openAttempt(t, tokens, 'twilio', ids);
    const hostUrl = 'http://internal-pod:8080/agent/voice/breeze-buddy/twilio/callback/status';
    expect((await providerRequest(t, 'twilio', { ...statusCall('twilio', 'progress', ids), signedUrl: hostUrl })).statusCode).toBe(403);
    expect((await providerRequest(t, 'twilio', statusCall('twilio', 'progress', ids))).statusCode).toBe(200);
  });

  it('orders Twilio callbacks by SequenceNumber', async () => {
    const ids = freshIds('twilio');
    const { attempt } = await openAttempt(t, tokens, 'twilio', ids);
    const answered = { path: '/callback/status', form: { ...twilioStatusRinging.params, CallSid: ids.callId, CallStatus: 'in-progress', SequenceNumber: '5' } };
    expect((await providerRequest(t, 'twilio', answered)).statusCode).toBe(200);
    const stale = { path: '/callback/status', form: { ...twilioStatusCompleted.params, CallSid: ids.callId, SequenceNumber: '4' } };
    expect((await providerRequest(t, 'twilio', stale)).statusCode).toBe(200);
    expect(await attempt()).toMatchObject({ status: 'in-progress', last_sequence: 5, finished_at: null });
  });
});

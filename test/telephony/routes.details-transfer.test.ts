// /{provider}/callback/details (the recording) and the warm-transfer callbacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, type TestService, type Tokens } from '../support/service.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startAttempt } from '../../src/calls/attempts.ts';
import { exotelPassthruWithRecording } from './fixtures/exotel.ts';
import { plivoRecordCallback } from './fixtures/plivo.ts';
import { twilioRecordingAbsent, twilioRecordingCompleted, twilioStatusCompleted } from './fixtures/twilio.ts';
import { freshIds, openAttempt, setUpTemplate, type CallIds } from './support/attempts.ts';
import { providerRequest, startProviderService, type ProviderCall } from './support/provider-requests.ts';

const RECORDING: Record<ProviderName, string> = {
  twilio: twilioRecordingCompleted.params.RecordingUrl!,
  plivo: plivoRecordCallback.params.record_url!,
  exotel: exotelPassthruWithRecording.RecordingUrl,
};

function detailsCall(provider: ProviderName, ids: CallIds, query?: Record<string, string>): ProviderCall {
  if (provider === 'twilio') return { path: '/callback/details', query, form: { ...twilioRecordingCompleted.params, CallSid: ids.callId } };
  // Plivo's Record API callback names the CallUUID only.
  if (provider === 'plivo') return { path: '/callback/details', query, form: { ...plivoRecordCallback.params, call_uuid: ids.callId } };
  return { path: '/callback/details', method: 'GET', query: { ...exotelPassthruWithRecording, CallSid: ids.callId, ...query } };
}

describe.each(DIALECTS)('details and transfer callbacks (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startProviderService(dialect);
    tokens = await issueTokens(t);
    await setUpTemplate(t, tokens);
  });
  afterAll(() => t.close());

  const lead = (id: string) => t.api('GET', `/leads/${id}`, { token: tokens.merchant }).then((r) => r.json());

  it.each(['twilio', 'plivo', 'exotel'] as const)('%s: the recording URL goes on the attempt and the lead', async (provider) => {
    const ids = freshIds(provider);
    const { leadId, attemptId, attempt } = await openAttempt(t, tokens, provider, ids);
    // Plivo's CallUUID is only known once a callback binds it; the URL names the attempt.
    const res = await providerRequest(t, provider, detailsCall(provider, ids, { attempt: attemptId }));
    expect(res.statusCode).toBe(200);
    expect((await attempt()).recording_url).toBe(RECORDING[provider]);
    expect((await lead(leadId)).recording_url).toBe(RECORDING[provider]);
  });

  it('keeps a recording that arrives after the call finished, and ignores an absent one', async () => {
    const ids = freshIds('twilio');
    const { leadId } = await openAttempt(t, tokens, 'twilio', ids);
    await providerRequest(t, 'twilio', { path: '/callback/status', form: { ...twilioStatusCompleted.params, CallSid: ids.callId } });
    expect((await lead(leadId)).status).toBe('FINISHED');
    await providerRequest(t, 'twilio', { path: '/callback/details', form: { ...twilioRecordingAbsent.params, CallSid: ids.callId } });
    expect((await lead(leadId)).recording_url).toBeNull();
    await providerRequest(t, 'twilio', detailsCall('twilio', ids));
    expect((await lead(leadId)).recording_url).toBe(RECORDING.twilio);
  });

  it.each(['twilio', 'plivo', 'exotel'] as const)('%s: refuses forged (403), malformed (400) and unknown (404) details callbacks', async (provider) => {
    const ids = freshIds(provider);
    const { attemptId, attempt } = await openAttempt(t, tokens, provider, ids);
    expect((await providerRequest(t, provider, { ...detailsCall(provider, ids, { attempt: attemptId }), token: 'forged-secret-or-token' })).statusCode).toBe(403);
    expect((await attempt()).recording_url).toBeNull();
    const malformed = provider === 'exotel' ? { path: '/callback/details', method: 'GET' as const, query: { RecordingUrl: RECORDING.exotel } } : { path: '/callback/details', form: { RecordingUrl: RECORDING[provider] } };
    expect((await providerRequest(t, provider, malformed)).statusCode).toBe(400);
    expect((await providerRequest(t, provider, detailsCall(provider, freshIds(provider)))).statusCode).toBe(404);
  });

  it("a late recording of an earlier attempt stays on that attempt, not on the lead's later call", async () => {
    const ids = freshIds('twilio');
    const { leadId, attemptId, attempt } = await openAttempt(t, tokens, 'twilio', ids);
    await providerRequest(t, 'twilio', { path: '/callback/status', form: { ...twilioStatusCompleted.params, CallSid: ids.callId } });
    await t.service.db.kysely.transaction().execute((trx) => startAttempt(trx, { leadId, provider: 'twilio', isTest: false, toNumber: '+14155551234' }));
    await providerRequest(t, 'twilio', detailsCall('twilio', ids, { attempt: attemptId }));
    expect((await attempt()).recording_url).toBe(RECORDING.twilio);
    expect((await lead(leadId)).recording_url).toBeNull();
  });

  it('answers a dial that ended (transfer status) by ending the call, and acknowledges transfer events', async () => {
    const ids = freshIds('twilio');
    const { attemptId } = await openAttempt(t, tokens, 'twilio', ids);
    const dialAction = await providerRequest(t, 'twilio', {
      path: '/callback/transfer/status',
      query: { attempt: attemptId },
      form: { CallSid: ids.callId, DialCallStatus: 'completed', DialCallDuration: '30', DialBridged: 'true' },
    });
    expect(dialAction.statusCode).toBe(200);
    expect(dialAction.body).toContain('<Hangup/>');
    const events = await providerRequest(t, 'twilio', {
      path: '/callback/transfer/events',
      form: { CallSid: ids.callId, ConferenceSid: 'CF0123', StatusCallbackEvent: 'participant-join', FriendlyName: 'transfer-1' },
    });
    expect(events.statusCode).toBe(200);
    expect(events.body).toBe('');
    expect((await providerRequest(t, 'twilio', { path: '/callback/transfer/events', form: { CallSid: 'CAunknown' } })).statusCode).toBe(404);
    expect((await providerRequest(t, 'plivo', { path: '/callback/transfer/status', form: { CallUUID: ids.callId }, token: 'forged' })).statusCode).toBe(403);
  });
});

import { describe, expect, it } from 'vitest';
import { MalformedCallbackError } from '../../src/telephony/errors.ts';
import {
  parseTwilioAnswerRequest,
  parseTwilioGatherResult,
  parseTwilioRecordingCallback,
  parseTwilioStatusCallback,
} from '../../src/telephony/twilio/twilio-callbacks.ts';
import {
  TWILIO_CALL_SID,
  twilioAnswerInbound,
  twilioAnswerOutbound,
  twilioGatherDigits,
  twilioGatherSpeech,
  twilioRecordingAbsent,
  twilioRecordingCompleted,
  twilioStatusBusy,
  twilioStatusCompleted,
  twilioStatusInitiated,
  twilioStatusRinging,
} from './fixtures/twilio.ts';

describe('parseTwilioStatusCallback', () => {
  it('reads the captured completed callback', () => {
    expect(parseTwilioStatusCallback(twilioStatusCompleted.params)).toEqual({
      callId: TWILIO_CALL_SID,
      status: 'completed',
      providerStatus: 'completed',
      sequence: 3,
      timestamp: new Date('2018-03-25T09:53:19Z'),
      durationSeconds: 49,
      hangupCause: undefined,
      answeredBy: 'human',
      recordingUrl: undefined,
      facts: { provider_status: 'ANSWERED', provider_reason: 'COMPLETED', provider_hangup_cause: null },
    });
  });

  it('reads busy with its SIP code as the hangup cause', () => {
    const parsed = parseTwilioStatusCallback(twilioStatusBusy.params);
    expect(parsed).toMatchObject({ status: 'busy', sequence: 2, durationSeconds: 0, hangupCause: '486' });
    expect(parsed.facts).toEqual({ provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY', provider_hangup_cause: '486' });
  });

  it('reads progress events with their sequence numbers', () => {
    expect(parseTwilioStatusCallback(twilioStatusInitiated.params)).toMatchObject({ status: 'initiated', sequence: 0 });
    expect(parseTwilioStatusCallback(twilioStatusRinging.params)).toMatchObject({
      status: 'ringing',
      sequence: 1,
      facts: { provider_status: 'UNKNOWN', provider_reason: null },
    });
  });

  it.each([
    ['queued', 'queued', 'UNKNOWN', null],
    ['initiated', 'initiated', 'UNKNOWN', null],
    ['ringing', 'ringing', 'UNKNOWN', null],
    ['in-progress', 'in-progress', 'ANSWERED', null],
    ['completed', 'completed', 'ANSWERED', 'COMPLETED'],
    ['busy', 'busy', 'NOT_ANSWERED', 'BUSY'],
    ['no-answer', 'no-answer', 'NOT_ANSWERED', 'NO_ANSWER'],
    ['failed', 'failed', 'NOT_ANSWERED', 'FAILED'],
    ['canceled', 'canceled', 'NOT_ANSWERED', 'CANCELED'],
  ])('maps CallStatus=%s', (callStatus, status, providerStatus, reason) => {
    const parsed = parseTwilioStatusCallback({ ...twilioStatusRinging.params, CallStatus: callStatus });
    expect(parsed.status).toBe(status);
    expect(parsed.facts.provider_status).toBe(providerStatus);
    expect(parsed.facts.provider_reason).toBe(reason);
  });

  it('refuses a callback without CallSid or CallStatus', () => {
    const { CallSid: _sid, ...noSid } = twilioStatusCompleted.params;
    expect(() => parseTwilioStatusCallback(noSid)).toThrow(MalformedCallbackError);
    expect(() => parseTwilioStatusCallback({ ...twilioStatusCompleted.params, CallSid: '  ' })).toThrow(
      MalformedCallbackError,
    );
    const { CallStatus: _status, ...noStatus } = twilioStatusCompleted.params;
    expect(() => parseTwilioStatusCallback(noStatus)).toThrow(/CallStatus/);
  });
});

describe('parseTwilioAnswerRequest', () => {
  it('reads inbound and outbound answers', () => {
    expect(parseTwilioAnswerRequest(twilioAnswerInbound.params)).toEqual({
      callId: 'CA5e0bd4ab0e4f2d7bfa0f63b4c25ac1d2',
      from: '+14155550199',
      to: '+14155550100',
      direction: 'inbound',
    });
    expect(parseTwilioAnswerRequest(twilioAnswerOutbound.params)).toMatchObject({ direction: 'outbound' });
    expect(parseTwilioAnswerRequest({ ...twilioAnswerOutbound.params, Direction: 'outbound-dial' }).direction).toBe(
      'outbound',
    );
  });

  it('refuses an answer without a call id', () => {
    expect(() => parseTwilioAnswerRequest({ From: '+1', To: '+2' })).toThrow(MalformedCallbackError);
  });
});

describe('parseTwilioRecordingCallback', () => {
  it('reads a completed recording and an absent one', () => {
    expect(parseTwilioRecordingCallback(twilioRecordingCompleted.params)).toEqual({
      callId: TWILIO_CALL_SID,
      recordingUrl: twilioRecordingCompleted.params['RecordingUrl'],
      durationSeconds: 47,
    });
    expect(parseTwilioRecordingCallback(twilioRecordingAbsent.params)).toEqual({
      callId: TWILIO_CALL_SID,
      recordingUrl: null,
      durationSeconds: 0,
    });
  });
});

describe('parseTwilioGatherResult', () => {
  it('reads Digits and SpeechResult', () => {
    expect(parseTwilioGatherResult(twilioGatherDigits.params)).toEqual({
      callId: 'CA1234567890ABCDE',
      digits: '1234',
      speech: undefined,
      confidence: undefined,
    });
    expect(parseTwilioGatherResult(twilioGatherSpeech.params)).toMatchObject({
      speech: 'Yes, that works.',
      confidence: 0.9129,
      digits: undefined,
    });
  });

  it('tolerates repeated fields by taking the first', () => {
    expect(parseTwilioGatherResult({ CallSid: ['CA1', 'CA2'], Digits: ['5', '6'] })).toMatchObject({
      callId: 'CA1',
      digits: '5',
    });
  });
});

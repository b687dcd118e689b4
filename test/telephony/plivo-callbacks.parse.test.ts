import { describe, expect, it } from 'vitest';
import { MalformedCallbackError } from '../../src/telephony/errors.ts';
import {
  parsePlivoAnswerRequest,
  parsePlivoGatherResult,
  parsePlivoRecordingCallback,
  parsePlivoStatusCallback,
  plivoCdrStatus,
} from '../../src/telephony/plivo/plivo-callbacks.ts';
import {
  PLIVO_CALL_UUID,
  PLIVO_REQUEST_UUID,
  plivoCdr,
  plivoGetInputDigits,
  plivoGetInputSpeech,
  plivoHangupBusy,
  plivoHangupCompleted,
  plivoHangupNoStatus,
  plivoRecordCallback,
  plivoRing,
  plivoSignedAnswer,
} from './fixtures/plivo.ts';

describe('parsePlivoStatusCallback', () => {
  it('reads a normal hangup with CallUUID and the request uuid placeCall returned', () => {
    expect(parsePlivoStatusCallback(plivoHangupCompleted.params)).toEqual({
      callId: PLIVO_CALL_UUID,
      requestId: PLIVO_REQUEST_UUID,
      status: 'completed',
      providerStatus: 'completed',
      timestamp: new Date('2024-05-02T10:15:56Z'),
      durationSeconds: 47,
      hangupCause: 'NORMAL_CLEARING',
      answeredBy: undefined,
      facts: { provider_status: 'ANSWERED', provider_reason: 'COMPLETED', provider_hangup_cause: 'NORMAL_CLEARING' },
    });
  });

  it('reads busy, ringing and the StartApp answer', () => {
    expect(parsePlivoStatusCallback(plivoHangupBusy.params)).toMatchObject({
      status: 'busy',
      facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY', provider_hangup_cause: 'USER_BUSY' },
    });
    expect(parsePlivoStatusCallback(plivoRing.params)).toMatchObject({
      status: 'ringing',
      timestamp: new Date('2024-05-02T10:15:01.123Z'),
    });
    expect(parsePlivoStatusCallback(plivoSignedAnswer.params)).toMatchObject({
      status: 'in-progress',
      facts: { provider_status: 'ANSWERED', provider_reason: null },
    });
  });

  it.each([
    ['ringing', 'ringing', 'UNKNOWN', null],
    ['in-progress', 'in-progress', 'ANSWERED', null],
    ['completed', 'completed', 'ANSWERED', 'COMPLETED'],
    ['busy', 'busy', 'NOT_ANSWERED', 'BUSY'],
    ['failed', 'failed', 'NOT_ANSWERED', 'FAILED'],
    ['timeout', 'no-answer', 'NOT_ANSWERED', 'TIMEOUT'],
    ['no-answer', 'no-answer', 'NOT_ANSWERED', 'NO_ANSWER'],
    ['cancel', 'canceled', 'NOT_ANSWERED', 'CANCELED'],
  ])('maps CallStatus=%s', (callStatus, status, providerStatus, reason) => {
    const parsed = parsePlivoStatusCallback({ ...plivoHangupBusy.params, CallStatus: callStatus });
    expect(parsed.status).toBe(status);
    expect(parsed.facts.provider_status).toBe(providerStatus);
    expect(parsed.facts.provider_reason).toBe(reason);
  });

  it.each([
    ['NORMAL_CLEARING', 'completed', 'COMPLETED'],
    ['USER_BUSY', 'busy', 'BUSY'],
    ['CALL_REJECTED', 'busy', 'BUSY'],
    ['NO_ANSWER', 'no-answer', 'NO_ANSWER'],
    ['NO_USER_RESPONSE', 'no-answer', 'NO_ANSWER'],
    ['RECOVERY_ON_TIMER_EXPIRE', 'no-answer', 'TIMEOUT'],
    ['ORIGINATOR_CANCEL', 'canceled', 'CANCELED'],
    ['UNALLOCATED_NUMBER', 'failed', 'FAILED'],
  ])('without CallStatus, maps HangupCause=%s', (cause, status, reason) => {
    const parsed = parsePlivoStatusCallback({ ...plivoHangupNoStatus.params, HangupCause: cause });
    expect(parsed.status).toBe(status);
    expect(parsed.facts.provider_reason).toBe(reason);
    expect(parsed.facts.provider_hangup_cause).toBe(cause);
  });

  it('falls back to RequestUUID as the id and refuses a callback with neither id', () => {
    const { CallUUID: _c, ...noCallUuid } = plivoRing.params;
    expect(parsePlivoStatusCallback(noCallUuid)).toMatchObject({ callId: PLIVO_REQUEST_UUID, requestId: PLIVO_REQUEST_UUID });
    const { CallUUID: _c2, RequestUUID: _r, ALegRequestUUID: _a, ...noIds } = plivoRing.params;
    expect(() => parsePlivoStatusCallback(noIds)).toThrow(MalformedCallbackError);
  });

  it('refuses a callback with no status, event or cause', () => {
    expect(() => parsePlivoStatusCallback({ CallUUID: PLIVO_CALL_UUID })).toThrow(/CallStatus/);
  });
});

describe('parsePlivoAnswerRequest', () => {
  it('reads the official signed payload', () => {
    expect(parsePlivoAnswerRequest(plivoSignedAnswer.params)).toEqual({
      callId: PLIVO_CALL_UUID,
      requestId: PLIVO_CALL_UUID,
      from: '19792014278',
      to: 'sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com',
      direction: 'outbound',
    });
    expect(parsePlivoAnswerRequest({ ...plivoSignedAnswer.params, Direction: 'inbound' }).direction).toBe('inbound');
  });
});

describe('parsePlivoRecordingCallback', () => {
  it('reads the Record API callback and the <Record> action', () => {
    expect(parsePlivoRecordingCallback(plivoRecordCallback.params)).toEqual({
      callId: PLIVO_CALL_UUID,
      recordingUrl: plivoRecordCallback.params['record_url'],
      durationSeconds: 45,
    });
    expect(
      parsePlivoRecordingCallback({ CallUUID: 'u', RecordUrl: 'https://media.plivo.com/r.mp3', RecordingDuration: '9' }),
    ).toEqual({ callId: 'u', recordingUrl: 'https://media.plivo.com/r.mp3', durationSeconds: 9 });
  });

  it('refuses a recording callback without a call uuid', () => {
    expect(() => parsePlivoRecordingCallback({ record_url: 'x' })).toThrow(MalformedCallbackError);
  });
});

describe('parsePlivoGatherResult', () => {
  it('reads GetInput digits and speech', () => {
    expect(parsePlivoGatherResult(plivoGetInputDigits.params)).toMatchObject({ callId: PLIVO_CALL_UUID, digits: '42' });
    expect(parsePlivoGatherResult(plivoGetInputSpeech.params)).toEqual({
      callId: PLIVO_CALL_UUID,
      digits: undefined,
      speech: 'yes that works',
      confidence: 0.87,
    });
  });
});

describe('plivoCdrStatus', () => {
  it('reads a normal CDR as completed and unanswered ones by cause', () => {
    expect(plivoCdrStatus(plivoCdr)).toBe('completed');
    const unanswered = { bill_duration: 0, answer_time: null };
    expect(plivoCdrStatus({ ...unanswered, hangup_cause_code: 1000, hangup_cause_name: 'Canceled' })).toBe('canceled');
    expect(plivoCdrStatus({ ...unanswered, hangup_cause_code: 3010, hangup_cause_name: 'Busy Line' })).toBe('busy');
    expect(plivoCdrStatus({ ...unanswered, hangup_cause_code: 3020, hangup_cause_name: 'No Answer' })).toBe('no-answer');
    expect(plivoCdrStatus({ ...unanswered, hangup_cause_code: 2000, hangup_cause_name: 'Invalid Destination Address' })).toBe(
      'failed',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { MalformedCallbackError } from '../../src/telephony/errors.ts';
import {
  parseExotelAnswerRequest,
  parseExotelGatherResult,
  parseExotelRecordingCallback,
  parseExotelStatusCallback,
} from '../../src/telephony/exotel/exotel-callbacks.ts';
import {
  EXOTEL_CALL_SID,
  exotelPassthruAfterGather,
  exotelPassthruWithRecording,
  exotelStatusAnsweredJson,
  exotelStatusBusyForm,
  exotelStatusNoAnswerForm,
  exotelStatusTerminalJson,
} from './fixtures/exotel.ts';

describe('parseExotelStatusCallback', () => {
  it('reads the terminal JSON callback with its legs and recording', () => {
    expect(parseExotelStatusCallback(exotelStatusTerminalJson)).toEqual({
      callId: EXOTEL_CALL_SID,
      status: 'completed',
      providerStatus: 'completed',
      timestamp: new Date('2024-05-02T10:16:02Z'),
      durationSeconds: 41,
      answeredBy: 'HUMAN',
      recordingUrl: exotelStatusTerminalJson.RecordingUrl,
      facts: { provider_status: 'ANSWERED', provider_reason: 'COMPLETED', provider_hangup_cause: null },
    });
  });

  it('reads the answered event as in-progress and ignores AnsweredBy=NA', () => {
    expect(parseExotelStatusCallback(exotelStatusAnsweredJson)).toMatchObject({
      status: 'in-progress',
      providerStatus: 'in-progress',
      answeredBy: undefined,
      facts: { provider_status: 'ANSWERED', provider_reason: null },
    });
  });

  it('reads the form variant without events; an empty RecordingUrl is no recording', () => {
    expect(parseExotelStatusCallback(exotelStatusBusyForm.params)).toMatchObject({
      status: 'busy',
      recordingUrl: undefined,
      facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY' },
    });
    expect(parseExotelStatusCallback(exotelStatusNoAnswerForm.params).facts.provider_reason).toBe('NO_ANSWER');
  });

  it.each([
    ['completed', 'completed', 'ANSWERED', 'COMPLETED'],
    ['failed', 'failed', 'NOT_ANSWERED', 'FAILED'],
    ['busy', 'busy', 'NOT_ANSWERED', 'BUSY'],
    ['no-answer', 'no-answer', 'NOT_ANSWERED', 'NO_ANSWER'],
    ['canceled', 'canceled', 'NOT_ANSWERED', 'CANCELED'],
    ['something-new', 'failed', 'NOT_ANSWERED', null],
  ])('maps Status=%s', (word, status, providerStatus, reason) => {
    const parsed = parseExotelStatusCallback({ ...exotelStatusBusyForm.params, Status: word });
    expect(parsed.status).toBe(status);
    expect(parsed.facts).toEqual({ provider_status: providerStatus, provider_reason: reason, provider_hangup_cause: null });
  });

  it('refuses a callback without CallSid or Status', () => {
    expect(() => parseExotelStatusCallback({ Status: 'completed' })).toThrow(MalformedCallbackError);
    expect(() => parseExotelStatusCallback({ CallSid: EXOTEL_CALL_SID })).toThrow(/Status/);
    expect(() => parseExotelStatusCallback({ CallSid: null, Status: 'busy' })).toThrow(MalformedCallbackError);
  });
});

describe('parseExotelAnswerRequest', () => {
  it('reads Passthru query fields', () => {
    expect(parseExotelAnswerRequest(exotelPassthruAfterGather)).toEqual({
      callId: EXOTEL_CALL_SID,
      from: '09876543210',
      to: '08047491899',
      direction: 'inbound',
    });
    expect(parseExotelAnswerRequest({ ...exotelPassthruAfterGather, Direction: 'outbound-api' }).direction).toBe('outbound');
  });

  it('reads the Greeting applet names From/To', () => {
    expect(parseExotelAnswerRequest({ CallSid: 'x', From: '1', To: '2' })).toMatchObject({ from: '1', to: '2' });
  });
});

describe('parseExotelGatherResult', () => {
  it('strips the double quotes Exotel wraps digits in', () => {
    expect(parseExotelGatherResult(exotelPassthruAfterGather)).toEqual({ callId: EXOTEL_CALL_SID, digits: '123' });
    expect(parseExotelGatherResult({ CallSid: 'x', digits: '""' }).digits).toBeUndefined();
  });
});

describe('parseExotelRecordingCallback', () => {
  it('reads the recording from a Passthru and from the status callback', () => {
    expect(parseExotelRecordingCallback(exotelPassthruWithRecording)).toEqual({
      callId: EXOTEL_CALL_SID,
      recordingUrl: exotelPassthruWithRecording.RecordingUrl,
      durationSeconds: 38,
    });
    expect(parseExotelRecordingCallback(exotelStatusTerminalJson)).toMatchObject({ durationSeconds: 41 });
    expect(parseExotelRecordingCallback(exotelStatusBusyForm.params).recordingUrl).toBeNull();
  });
});

// Twilio's webhook requests (telephony.md §1.2–§1.4): form fields in PascalCase.
//
// Status: `CallStatus` ∈ queued, initiated, ringing, in-progress, completed, busy, failed,
// no-answer, canceled. The `answered` event is documented to report `in-progress`; we also
// accept a literal `answered`. SequenceNumber (from 0) orders the callbacks of one call.
// Twilio has no hangup cause; the SIP response code of the final event is the closest
// thing, so it becomes `provider_hangup_cause`.
import { mapCarrierStatus } from '../call-status.ts';
import type { NormalizedCallStatus } from '../call-status.ts';
import { MalformedCallbackError } from '../errors.ts';
import { readCount, readFirst } from '../params.ts';
import type { CallbackParams } from '../params.ts';
import type { AnswerRequest, GatherResult, RecordingCallback, StatusCallback } from '../provider.ts';

export function parseTwilioStatusCallback(params: CallbackParams): StatusCallback {
  const callId = requireCallSid(params);
  const providerStatus = readFirst(params, 'CallStatus');
  if (providerStatus === undefined) throw new MalformedCallbackError('twilio', 'CallStatus');
  const hangupCause = readFirst(params, 'SipResponseCode') ?? null;
  const { status, facts } = mapCarrierStatus(providerStatus, hangupCause);
  return {
    callId,
    status,
    providerStatus,
    sequence: readCount(params, 'SequenceNumber'),
    timestamp: parseDate(readFirst(params, 'Timestamp')),
    durationSeconds: readCount(params, 'CallDuration'),
    hangupCause: hangupCause ?? undefined,
    answeredBy: readFirst(params, 'AnsweredBy'),
    recordingUrl: readFirst(params, 'RecordingUrl'),
    facts,
  };
}

export function parseTwilioAnswerRequest(params: CallbackParams): AnswerRequest {
  const callId = requireCallSid(params);
  const from = readFirst(params, 'From', 'Caller');
  const to = readFirst(params, 'To', 'Called');
  if (from === undefined) throw new MalformedCallbackError('twilio', 'From');
  if (to === undefined) throw new MalformedCallbackError('twilio', 'To');
  // inbound | outbound-api | outbound-dial
  const direction = readFirst(params, 'Direction')?.startsWith('outbound') ? 'outbound' : 'inbound';
  return { callId, from, to, direction };
}

export function parseTwilioRecordingCallback(params: CallbackParams): RecordingCallback {
  const callId = requireCallSid(params);
  const recordingStatus = readFirst(params, 'RecordingStatus');
  // `absent` (too short or silent) and `failed` carry no usable recording.
  const usable = recordingStatus === undefined || recordingStatus === 'completed' || recordingStatus === 'in-progress';
  return {
    callId,
    recordingUrl: usable ? (readFirst(params, 'RecordingUrl') ?? null) : null,
    durationSeconds: readCount(params, 'RecordingDuration'),
  };
}

export function parseTwilioGatherResult(params: CallbackParams): GatherResult {
  const confidence = Number(readFirst(params, 'Confidence'));
  return {
    callId: requireCallSid(params),
    digits: readFirst(params, 'Digits'),
    speech: readFirst(params, 'SpeechResult'),
    confidence: Number.isFinite(confidence) && readFirst(params, 'Confidence') !== undefined ? confidence : undefined,
  };
}

/** Status of a Call resource (REST `status` uses the same words as CallStatus). */
export function twilioCallStatus(status: string): NormalizedCallStatus {
  return mapCarrierStatus(status, null).status;
}

function requireCallSid(params: CallbackParams): string {
  const callId = readFirst(params, 'CallSid');
  if (callId === undefined) throw new MalformedCallbackError('twilio', 'CallSid');
  return callId;
}

// RFC 2822, e.g. "Sun, 25 Mar 2018 09:53:19 +0000", which Date parses.
function parseDate(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

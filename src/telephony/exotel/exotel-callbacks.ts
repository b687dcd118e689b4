// Exotel's requests (telephony.md §3.2–§3.4).
//
// Status callback: POST, JSON or form (both are seen; routes parse either into params).
// `Status` ∈ completed, failed, busy, no-answer; with StatusCallbackEvents also
// `EventType` ∈ answered, terminal (ringing unconfirmed). `Legs` is a JSON array of
// {OnCallDuration, Status, AnsweredBy}. Exotel has no canceled/timeout status and no
// hangup cause. DateUpdated is "YYYY-MM-DD HH:mm:ss" in India time (Passthru's "empty"
// EndTime is 1970-01-01 05:30:00, the epoch at +05:30); only order within a call matters.
//
// Applet requests (Passthru, Greeting, Gather, Connect, Voicebot): GET with query
// CallSid, CallFrom/From, CallTo/To, Direction (incoming, outbound-dial, outbound-api),
// digits (wrapped in double quotes), RecordingUrl, DialCallDuration.
import { mapCarrierStatus } from '../call-status.ts';
import type { NormalizedCallStatus } from '../call-status.ts';
import { MalformedCallbackError } from '../errors.ts';
import { readCount, readFirst } from '../params.ts';
import type { CallbackParams } from '../params.ts';
import type { AnswerRequest, GatherResult, RecordingCallback, StatusCallback } from '../provider.ts';

export function parseExotelStatusCallback(params: CallbackParams): StatusCallback {
  const callId = requireCallSid(params);
  const eventType = readFirst(params, 'EventType')?.toLowerCase();
  const rawStatus = readFirst(params, 'Status', 'CallStatus');
  // The `answered` event is about the answer, whatever Status says alongside it.
  const word = eventType === 'answered' || eventType === 'ringing' ? eventType : rawStatus;
  if (word === undefined) throw new MalformedCallbackError('exotel', 'Status');
  const { status, facts } = mapCarrierStatus(word, null);
  const leg = firstLeg(params);
  const answeredBy = leg === undefined ? undefined : readFirst(leg, 'AnsweredBy');
  return {
    callId,
    status,
    providerStatus: rawStatus ?? word,
    timestamp: parseIndiaTime(readFirst(params, 'DateUpdated')),
    durationSeconds:
      readCount(params, 'ConversationDuration') ??
      (leg === undefined ? undefined : readCount(leg, 'OnCallDuration')) ??
      readCount(params, 'DialCallDuration'),
    answeredBy: answeredBy === undefined || answeredBy === 'NA' ? undefined : answeredBy,
    recordingUrl: recordingUrl(params),
    facts,
  };
}

export function parseExotelAnswerRequest(params: CallbackParams): AnswerRequest {
  const callId = requireCallSid(params);
  const from = readFirst(params, 'CallFrom', 'From');
  const to = readFirst(params, 'CallTo', 'To');
  if (from === undefined) throw new MalformedCallbackError('exotel', 'CallFrom');
  if (to === undefined) throw new MalformedCallbackError('exotel', 'CallTo');
  const direction = readFirst(params, 'Direction')?.startsWith('outbound') ? 'outbound' : 'inbound';
  return { callId, from, to, direction };
}

/** The recording reaches us in the status callback or a later Passthru (`RecordingUrl`). */
export function parseExotelRecordingCallback(params: CallbackParams): RecordingCallback {
  return {
    callId: requireCallSid(params),
    recordingUrl: recordingUrl(params) ?? null,
    durationSeconds: readCount(params, 'ConversationDuration', 'DialCallDuration'),
  };
}

/** The Passthru after a Gather applet: `digits` arrives as "\"123\"". DTMF only. */
export function parseExotelGatherResult(params: CallbackParams): GatherResult {
  const raw = readFirst(params, 'digits', 'DigitsPressed');
  const digits = raw?.replace(/^"+|"+$/g, '').trim();
  return { callId: requireCallSid(params), digits: digits === '' ? undefined : digits };
}

/** `Call.Status` of the REST API (queued, in-progress, completed, failed, busy, no-answer). */
export function exotelCallStatus(status: string): NormalizedCallStatus {
  return mapCarrierStatus(status, null).status;
}

function requireCallSid(params: CallbackParams): string {
  const callId = readFirst(params, 'CallSid');
  if (callId === undefined) throw new MalformedCallbackError('exotel', 'CallSid');
  return callId;
}

function firstLeg(params: CallbackParams): CallbackParams | undefined {
  const legs = params['Legs'];
  const first: unknown = Array.isArray(legs) ? legs[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as CallbackParams) : undefined;
}

function recordingUrl(params: CallbackParams): string | undefined {
  const url = readFirst(params, 'RecordingUrl');
  return url === undefined || url === 'null' ? undefined : url;
}

function parseIndiaTime(raw: string | undefined): Date | undefined {
  const match = raw === undefined ? null : /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(raw);
  if (match === null) return undefined;
  const date = new Date(`${match[1]}T${match[2]}+05:30`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

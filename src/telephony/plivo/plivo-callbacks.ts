// Plivo's webhook requests (telephony.md §2.2–§2.4): form fields in PascalCase, except the
// Record API callback, which is snake_case.
//
// One status URL receives both ring_url and hangup_url callbacks (and answer_url gets
// Event=StartApp). `CallStatus` ∈ ringing, in-progress, completed, busy, failed, timeout,
// no-answer, cancel. When CallStatus is missing we fall back to `Event` (Ring, StartApp)
// and, for Event=Hangup, to the telephony HangupCause (NORMAL_CLEARING, USER_BUSY, ...).
// Callbacks carry CallUUID and RequestUUID; the latter is what placeCall returned.
import { mapCarrierStatus } from '../call-status.ts';
import type { NormalizedCallStatus } from '../call-status.ts';
import { MalformedCallbackError } from '../errors.ts';
import { readCount, readFirst } from '../params.ts';
import type { CallbackParams } from '../params.ts';
import type { AnswerRequest, GatherResult, RecordingCallback, StatusCallback } from '../provider.ts';

// The carrier word a hangup cause stands for, when CallStatus is absent. Causes are
// FreeSWITCH/Q.850 names; anything not listed is a failure.
const HANGUP_CAUSE_WORDS: Readonly<Record<string, string>> = {
  NORMAL_CLEARING: 'completed',
  ALLOTTED_TIMEOUT: 'completed',
  USER_BUSY: 'busy',
  CALL_REJECTED: 'busy',
  NO_ANSWER: 'no-answer',
  NO_USER_RESPONSE: 'no-answer',
  RECOVERY_ON_TIMER_EXPIRE: 'timeout',
  ORIGINATOR_CANCEL: 'cancel',
};

const EVENT_WORDS: Readonly<Record<string, string>> = {
  Ring: 'ringing',
  StartApp: 'in-progress',
};

export function parsePlivoStatusCallback(params: CallbackParams): StatusCallback {
  const { callId, requestId } = requireIds(params);
  const hangupCause = readFirst(params, 'HangupCause', 'HangupCauseName') ?? null;
  const event = readFirst(params, 'Event');
  const providerStatus =
    readFirst(params, 'CallStatus') ??
    (event !== undefined && Object.hasOwn(EVENT_WORDS, event) ? EVENT_WORDS[event] : undefined) ??
    (event === 'Hangup' ? hangupCauseWord(hangupCause) : undefined);
  if (providerStatus === undefined) throw new MalformedCallbackError('plivo', 'CallStatus');
  const { status, facts } = mapCarrierStatus(providerStatus, hangupCause);
  return {
    callId,
    requestId,
    status,
    providerStatus,
    timestamp: parsePlivoTime(readFirst(params, 'EndTime', 'AnswerTime', 'StartTime', 'SessionStart')),
    durationSeconds: readCount(params, 'Duration'),
    hangupCause: hangupCause ?? undefined,
    answeredBy: readFirst(params, 'Machine') === 'true' ? 'machine' : undefined,
    facts,
  };
}

export function parsePlivoAnswerRequest(params: CallbackParams): AnswerRequest {
  const { callId, requestId } = requireIds(params);
  const from = readFirst(params, 'From');
  const to = readFirst(params, 'To');
  if (from === undefined) throw new MalformedCallbackError('plivo', 'From');
  if (to === undefined) throw new MalformedCallbackError('plivo', 'To');
  const direction = readFirst(params, 'Direction') === 'outbound' ? 'outbound' : 'inbound';
  return { callId, requestId, from, to, direction };
}

/** Both the Record API callback (snake_case) and the <Record> action (PascalCase). */
export function parsePlivoRecordingCallback(params: CallbackParams): RecordingCallback {
  const callId = readFirst(params, 'call_uuid', 'CallUUID');
  if (callId === undefined) throw new MalformedCallbackError('plivo', 'call_uuid');
  return {
    callId,
    recordingUrl: readFirst(params, 'record_url', 'RecordUrl', 'RecordingUrl') ?? null,
    durationSeconds: readCount(params, 'recording_duration', 'RecordingDuration'),
  };
}

/** <GetInput> action: InputType, Digits, Speech, SpeechConfidenceScore. */
export function parsePlivoGatherResult(params: CallbackParams): GatherResult {
  const { callId } = requireIds(params);
  const rawConfidence = readFirst(params, 'SpeechConfidenceScore');
  const confidence = rawConfidence === undefined ? NaN : Number(rawConfidence);
  return {
    callId,
    digits: readFirst(params, 'Digits'),
    speech: readFirst(params, 'Speech'),
    confidence: Number.isFinite(confidence) ? confidence : undefined,
  };
}

/** Status of a live call object (`call_status`), same words as CallStatus. */
export function plivoCallStatus(status: string): NormalizedCallStatus {
  return mapCarrierStatus(status, null).status;
}

/**
 * Status of an ended call from its CDR (hangup_cause_code/name, bill_duration). Codes
 * 4000–4030 are normal endings, 1000-series cancellations (telephony.md §2.3); the
 * 3000-series names are not confirmed, so they are matched loosely.
 */
export function plivoCdrStatus(cdr: {
  hangup_cause_code?: number | string | null;
  hangup_cause_name?: string | null;
  bill_duration?: number | string | null;
  answer_time?: string | null;
}): NormalizedCallStatus {
  const code = Number(cdr.hangup_cause_code);
  const name = cdr.hangup_cause_name ?? '';
  if (Number(cdr.bill_duration) > 0 || (cdr.answer_time != null && cdr.answer_time !== '')) return 'completed';
  if (code >= 4000 && code < 5000) return 'completed';
  if (code >= 1000 && code < 2000) return 'canceled';
  if (/busy|reject/i.test(name)) return 'busy';
  if (/no answer|timeout|ring/i.test(name)) return 'no-answer';
  return 'failed';
}

function hangupCauseWord(cause: string | null): string | undefined {
  if (cause === null) return undefined;
  return Object.hasOwn(HANGUP_CAUSE_WORDS, cause) ? HANGUP_CAUSE_WORDS[cause] : 'failed';
}

function requireIds(params: CallbackParams): { callId: string; requestId?: string } {
  const requestId = readFirst(params, 'RequestUUID', 'ALegRequestUUID');
  const callId = readFirst(params, 'CallUUID') ?? requestId;
  if (callId === undefined) throw new MalformedCallbackError('plivo', 'CallUUID');
  return { callId, requestId };
}

// "2020-04-08 11:34:33.238707": Plivo's timestamps carry no zone; they are taken as UTC.
// Only their order within one call matters, which the zone does not change.
function parsePlivoTime(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,3})?\d*$/.exec(raw);
  if (match === null) return undefined;
  const date = new Date(`${match[1]}T${match[2]}${match[3] ?? ''}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

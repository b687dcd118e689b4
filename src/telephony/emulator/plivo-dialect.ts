/**
 * How Plivo calls back (telephony.md §2.2–§2.4): form POSTs signed with X-Plivo-Signature-V3
 * and its nonce, ring_url (Event=Ring), answer_url (Event=StartApp), hangup_url (Event=Hangup
 * with HangupCause, Duration, BillDuration), <GetInput> actions with Digits or Speech, and the
 * Record API's snake_case callback. Callbacks carry CallUUID and the RequestUUID the call API
 * returned; numbers are written without '+'.
 */
import { randomInt } from 'node:crypto';
import { signPlivoV3Request } from '../plivo/plivo-signature.ts';
import type { EmulatorState } from './emulator-state.ts';
import { uuid, type CallStatusWord, type EmulatedCall } from './emulated-call.ts';
import { FORM, send, type Answer } from './http-out.ts';
import type { CallDialect } from './player.ts';
import { readPlivoXml, type Program } from './program.ts';

const HANGUP: Partial<Record<CallStatusWord, { status: string; cause: string; name: string; code: string }>> = {
  completed: { status: 'completed', cause: 'NORMAL_CLEARING', name: 'Normal Hangup', code: '4000' },
  busy: { status: 'busy', cause: 'USER_BUSY', name: 'Busy Line', code: '3010' },
  'no-answer': { status: 'no-answer', cause: 'NO_ANSWER', name: 'No Answer', code: '3000' },
  failed: { status: 'failed', cause: 'CALL_REJECTED', name: 'Rejected', code: '3020' },
  canceled: { status: 'cancel', cause: 'ORIGINATOR_CANCEL', name: 'Cancelled', code: '1000' },
};

export const plivoNumber = (n: string): string => n.replace(/^\+/, '');
const plivoTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export function plivoDialect(state: EmulatorState): CallDialect {
  const base = (call: EmulatedCall): Record<string, string> => ({
    CallUUID: call.sid,
    RequestUUID: call.requestId ?? call.sid,
    ALegUUID: call.sid,
    ALegRequestUUID: call.requestId ?? call.sid,
    From: plivoNumber(call.from),
    To: plivoNumber(call.to),
    Direction: call.direction,
    ParentAuthID: call.accountId,
    CallStatus: call.status,
  });

  const post = (call: EmulatedCall, type: string, url: string, fields: Record<string, string>): Promise<Answer> => {
    const body = new URLSearchParams(fields).toString();
    const nonce = String(randomInt(10 ** 9, 10 ** 10)) + String(randomInt(10 ** 9, 10 ** 10));
    const signature = signPlivoV3Request(url, nonce, body, call.authToken);
    return send({
      call,
      type,
      method: 'POST',
      url,
      body,
      headers: { 'content-type': FORM, 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce },
    });
  };

  const xml = async (call: EmulatedCall, type: string, url: string, fields: Record<string, string>): Promise<Program> =>
    readPlivoXml((await post(call, type, url, fields)).body);

  return {
    async status(call, status) {
      if (status === 'ringing') {
        if (call.ringUrl) await post(call, 'status:ringing', call.ringUrl, { ...base(call), CallStatus: 'ringing', Event: 'Ring' });
        return;
      }
      const hangup = HANGUP[status];
      if (!hangup || !call.statusCallbackUrl) return; // answered: the answer_url request is the news
      const end = call.endedAt ?? Date.now();
      await post(call, `status:${status}`, call.statusCallbackUrl, {
        ...base(call),
        CallStatus: hangup.status,
        Event: 'Hangup',
        HangupCause: hangup.cause,
        HangupCauseName: hangup.name,
        HangupCauseCode: hangup.code,
        HangupSource: call.endedBy === 'caller' ? 'Callee' : call.endedBy === 'agent' ? 'Plivo' : 'Carrier',
        Duration: String(call.durationSeconds),
        BillDuration: String(call.durationSeconds > 0 ? Math.ceil(call.durationSeconds / 60) * 60 : 0),
        StartTime: plivoTime(call.createdAt),
        ...(call.answeredAt ? { AnswerTime: plivoTime(call.answeredAt) } : {}),
        EndTime: plivoTime(end),
      });
    },
    answer: (call) =>
      xml(call, 'answer', call.answerUrl!, { ...base(call), CallStatus: 'in-progress', Event: 'StartApp', SessionStart: plivoTime(Date.now()) }),
    async gather(call, verb, input) {
      if ('silence' in input || verb.actionUrl === undefined) return null;
      const reply: Record<string, string> =
        'digits' in input ? { InputType: 'dtmf', Digits: input.digits } : { InputType: 'speech', Speech: input.speech, SpeechConfidenceScore: '0.87' };
      return xml(call, 'gather', verb.actionUrl, { ...base(call), ...reply });
    },
    redirect: (call, url) => xml(call, 'redirect', url, base(call)),
    dialEnded: (call, verb, answered) =>
      xml(call, 'dial-action', verb.actionUrl!, {
        ...base(call),
        DialStatus: answered ? 'completed' : 'no-answer',
        DialALegUUID: call.sid,
        DialBLegUUID: uuid(),
      }),
    // MultiPartyCall events; the field names are not confirmed (telephony.md §2.7, U).
    conference: (call, verb) =>
      state.rooms.join(call, verb, async (event, room) => {
        if (!verb.statusCallback) return;
        await post(call, `conference:${event}`, verb.statusCallback, {
          ...base(call),
          EventName: event === 'participant-join' ? 'MPCParticipantJoin' : 'MPCParticipantExit',
          MPCName: room.name,
          MPCUUID: room.sid,
          ParticipantCallUUID: call.sid,
          ParticipantRole: verb.startOnEnter ? 'Agent' : 'Customer',
        });
      }),
    async recording(call) {
      if (!call.recordingCallbackUrl) return;
      const recordingId = uuid();
      call.recordingUrl = `${state.options.baseUrl()}/plivo/v1/Account/${call.accountId}/Recording/${recordingId}.mp3`;
      const started = call.answeredAt ?? Date.now();
      await post(call, 'recording', call.recordingCallbackUrl, {
        api_id: uuid(),
        record_url: call.recordingUrl,
        call_uuid: call.sid,
        recording_id: recordingId,
        recording_duration: String(call.durationSeconds),
        recording_duration_ms: `${call.durationSeconds * 1000}.00000`,
        recording_start_ms: `${started}.00000`,
        recording_end_ms: `${started + call.durationSeconds * 1000}.00000`,
      });
    },
  };
}

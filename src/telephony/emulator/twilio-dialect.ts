/**
 * How Twilio calls back (telephony.md §1.2–§1.4): form POSTs signed with X-Twilio-Signature
 * (the account's auth token over the URL and the sorted fields), status callbacks for the
 * subscribed events with a SequenceNumber, TwiML answers, <Gather> actions with Digits or
 * SpeechResult, <Dial> actions with DialCallStatus, and the RecordingStatusCallback.
 */
import { signTwilioRequest } from '../twilio/twilio-signature.ts';
import type { EmulatorState } from './emulator-state.ts';
import { twilioSid, type CallStatusWord, type EmulatedCall } from './emulated-call.ts';
import { FORM, send, type Answer } from './http-out.ts';
import type { CallDialect } from './player.ts';
import { readTwiml, type Program } from './program.ts';

// SIP responses Twilio reports with unanswered calls.
const SIP_CODES: Partial<Record<CallStatusWord, string>> = { busy: '486', 'no-answer': '480', failed: '500', canceled: '487' };

export const rfc2822 = (ms: number): string => new Date(ms).toUTCString().replace('GMT', '+0000');

export function twilioDialect(state: EmulatorState): CallDialect {
  const base = (call: EmulatedCall): Record<string, string> => ({
    AccountSid: call.accountId,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    From: call.from,
    To: call.to,
    Caller: call.from,
    Called: call.to,
    Direction: call.direction === 'inbound' ? 'inbound' : 'outbound-api',
    CallStatus: call.status,
  });

  const post = (call: EmulatedCall, type: string, url: string, fields: Record<string, string>): Promise<Answer> =>
    send({
      call,
      type,
      method: 'POST',
      url,
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': FORM, 'x-twilio-signature': signTwilioRequest(url, fields, call.authToken) },
    });

  const twiml = async (call: EmulatedCall, type: string, url: string, fields: Record<string, string>): Promise<Program> =>
    readTwiml((await post(call, type, url, fields)).body);

  /** Without StatusCallbackEvent Twilio reports `completed` only (§1.3). */
  const subscribed = (call: EmulatedCall, event: string) => call.statusEvents.includes(event) || (event === 'completed' && call.statusEvents.length === 0);

  async function progress(call: EmulatedCall, status: CallStatusWord | 'initiated', event: string): Promise<void> {
    if (!call.statusCallbackUrl || !subscribed(call, event)) return;
    const terminal = event === 'completed';
    const fields: Record<string, string> = {
      ...base(call),
      CallStatus: status,
      SequenceNumber: String(call.sequence++),
      Timestamp: rfc2822(Date.now()),
      CallbackSource: 'call-progress-events',
      ...(terminal ? { CallDuration: String(call.durationSeconds), Duration: String(Math.ceil(call.durationSeconds / 60)) } : {}),
      ...(terminal && status !== 'initiated' && SIP_CODES[status] ? { SipResponseCode: SIP_CODES[status]! } : {}),
    };
    await post(call, `status:${status}`, call.statusCallbackUrl, fields);
  }

  return {
    async status(call, status) {
      if (status === 'ringing') {
        if (call.direction === 'outbound') await progress(call, 'initiated', 'initiated');
        return progress(call, 'ringing', 'ringing');
      }
      return progress(call, status, status === 'in-progress' ? 'answered' : 'completed');
    },
    answer: (call) => twiml(call, 'answer', call.answerUrl!, base(call)),
    async gather(call, verb, input) {
      if ('silence' in input || verb.actionUrl === undefined) return null;
      const reply: Record<string, string> = 'digits' in input ? { Digits: input.digits, FinishedOnKey: '' } : { SpeechResult: input.speech, Confidence: '0.92' };
      return twiml(call, 'gather', verb.actionUrl, { ...base(call), ...reply });
    },
    redirect: (call, url) => twiml(call, 'redirect', url, base(call)),
    async dialEnded(call, verb, answered) {
      const fields = {
        ...base(call),
        DialCallStatus: answered ? 'completed' : 'no-answer',
        DialCallSid: twilioSid('CA'),
        DialCallDuration: answered ? String(call.script.secondsPerTurn) : '0',
        DialBridged: String(answered),
      };
      return twiml(call, 'dial-action', verb.actionUrl!, fields);
    },
    async recording(call) {
      if (!call.recordingCallbackUrl) return;
      const recordingSid = twilioSid('RE');
      call.recordingUrl = `${state.options.baseUrl()}/twilio/2010-04-01/Accounts/${call.accountId}/Recordings/${recordingSid}`;
      await post(call, 'recording', call.recordingCallbackUrl, {
        AccountSid: call.accountId,
        CallSid: call.sid,
        RecordingSid: recordingSid,
        RecordingUrl: call.recordingUrl,
        RecordingStatus: 'completed',
        RecordingDuration: String(call.durationSeconds),
        RecordingChannels: '1',
        RecordingSource: 'OutboundAPI',
        RecordingStartTime: rfc2822(call.answeredAt ?? Date.now()),
      });
    },
    conference: (call, verb) =>
      state.rooms.join(call, verb, async (event, room) => {
        if (!verb.statusCallback) return;
        await post(call, `conference:${event}`, verb.statusCallback, {
          AccountSid: call.accountId,
          ConferenceSid: room.sid,
          FriendlyName: verb.room,
          StatusCallbackEvent: event,
          CallSid: call.sid,
          Timestamp: rfc2822(Date.now()),
          SequenceNumber: String(call.sequence++),
        });
      }),
  };
}

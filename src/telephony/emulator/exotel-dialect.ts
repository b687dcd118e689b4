/**
 * How Exotel calls back (telephony.md §3.2–§3.4). Exotel signs nothing (our URLs carry the
 * deployment secret) and has no answer document: a call runs an App Bazaar flow whose applets
 * GET our URLs. The emulator runs the flow the README documents for Buddy, rooted at the
 * `Url` it is given (our `/exotel/answer`; `/prompt` and `/gather` are its siblings):
 *
 *   Passthru /answer ─200─▶ Gather applet, dynamic URL /prompt ─input─▶ Passthru /gather ─200─▶ (Gather again)
 *        └──302──────────────────────────────────────────────────────────────┴─302─▶ Greeting /prompt ─▶ Hangup
 *
 * Applet requests are GETs with CallSid, CallFrom, CallTo, Direction, CallType and `digits`
 * wrapped in double quotes. Status callbacks are JSON POSTs: `answered` and `terminal`
 * events (when subscribed), the terminal one with ConversationDuration, Legs and the
 * RecordingUrl (Exotel has no separate recording callback).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { EmulatedCall, CallStatusWord } from './emulated-call.ts';
import { send } from './http-out.ts';
import type { CallDialect } from './player.ts';
import type { Program, Verb } from './program.ts';
import type { EmulatorState } from './emulator-state.ts';

/** Exotel's timestamps: "YYYY-MM-DD HH:mm:ss", India time. */
export const exotelTime = (ms: number): string => new Date(ms + 5.5 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);

/** Exotel writes Indian numbers in their national form (0XXXXXXXXXX). */
export function exotelNumber(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed?.country === 'IN' ? `0${parsed.nationalNumber}` : e164;
}

const STATUS_WORDS: Partial<Record<CallStatusWord, string>> = { completed: 'completed', busy: 'busy', 'no-answer': 'no-answer', failed: 'failed', canceled: 'no-answer' };

export function exotelDialect(state: EmulatorState): CallDialect {
  const customer = (call: EmulatedCall) => (call.direction === 'outbound' ? call.to : call.from);
  const exophone = (call: EmulatedCall) => (call.direction === 'outbound' ? call.from : call.to);

  /** GET an applet URL, as Exotel does, with the call's fields in the query. */
  const applet = (call: EmulatedCall, type: string, url: string, extra: Record<string, string> = {}) => {
    const target = new URL(url);
    const fields = {
      CallSid: call.sid,
      CallFrom: exotelNumber(customer(call)),
      CallTo: exotelNumber(exophone(call)),
      Direction: call.direction === 'outbound' ? 'outbound-api' : 'incoming',
      Created: new Date(call.createdAt).toUTCString(),
      DialCallDuration: '0',
      StartTime: exotelTime(call.createdAt),
      EndTime: '1970-01-01 05:30:00',
      CallType: 'call-attempt',
      CustomField: '',
      ...extra,
    };
    for (const [key, value] of Object.entries(fields)) target.searchParams.set(key, value);
    return send({ call, type, method: 'GET', url: target.toString(), headers: { 'exotel-version': '1.0' }, accept: [302] });
  };

  const sibling = (call: EmulatedCall, path: string): string => {
    const url = new URL(call.answerUrl!);
    url.pathname = url.pathname.replace(/\/answer\/?$/, path);
    return url.toString();
  };

  /** After a Passthru: 200 goes on to the Gather applet, 302 to the closing Greeting. */
  const afterPassthru = async (call: EmulatedCall, status: number): Promise<Program> => {
    const answer = await applet(call, status === 302 ? 'greeting' : 'gather-applet', sibling(call, '/prompt'));
    const program = readAppletAnswer(answer.status, answer.contentType, answer.body);
    return status === 302 || !program.some((v) => v.kind === 'gather') ? [...program, { kind: 'hangup' }] : program;
  };

  return {
    async status(call, status) {
      if (!call.statusCallbackUrl || status === 'ringing') return;
      const answered = status === 'in-progress';
      if (answered && !call.statusEvents.includes('answered')) return;
      const word = answered ? 'in-progress' : STATUS_WORDS[status];
      if (word === undefined) return;
      const body = {
        CallSid: call.sid,
        ...(answered ? { EventType: 'answered' } : call.statusEvents.includes('terminal') ? { EventType: 'terminal' } : {}),
        Status: word,
        DateCreated: exotelTime(call.createdAt),
        DateUpdated: exotelTime(Date.now()),
        To: exotelNumber(exophone(call)),
        From: customer(call),
        Direction: call.direction === 'outbound' ? 'outbound-api' : 'inbound',
        ...(answered
          ? {}
          : {
              StartTime: exotelTime(call.createdAt),
              EndTime: exotelTime(call.endedAt ?? Date.now()),
              ConversationDuration: call.durationSeconds,
              RecordingUrl: call.recordingUrl ?? '',
            }),
        Legs: [{ OnCallDuration: answered ? 0 : call.durationSeconds, Status: word, AnsweredBy: answered || word === 'completed' ? 'HUMAN' : 'NA' }],
      };
      await send({
        call,
        type: `status:${status}`,
        method: 'POST',
        url: call.statusCallbackUrl,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    },
    async answer(call) {
      if (!call.answerUrl || !/\/answer\/?$/.test(new URL(call.answerUrl).pathname)) {
        return [{ kind: 'unknown', name: `flow ${call.answerUrl ?? '(none)'} is not emulated` }];
      }
      const passthru = await applet(call, 'answer', call.answerUrl);
      return afterPassthru(call, passthru.status);
    },
    async gather(call, _verb, input) {
      const digits = 'digits' in input ? `"${input.digits}"` : '""';
      const passthru = await applet(call, 'gather', sibling(call, '/gather'), { digits });
      return afterPassthru(call, passthru.status);
    },
    redirect: async () => [{ kind: 'unknown', name: 'redirect (Exotel flows decide what runs next)' }],
    // The Connect applet's dial ended: its dial_passthru_event_url hears how (a notification),
    // then, when nobody answered, the flow's next applet, a Passthru at our transfer status
    // URL, picks the branch: 200 back to the Gather applet, 302 to the end.
    async dialEnded(call, verb, answered) {
      const fields = {
        DialCallStatus: answered ? 'completed' : 'no-answer',
        DialWhomNumber: exotelNumber(verb.number),
        DialCallDuration: answered ? String(call.script.secondsPerTurn) : '0',
      };
      if (verb.actionUrl) await applet(call, 'transfer-event', verb.actionUrl, fields);
      if (answered) return null;
      const passthru = await applet(call, 'transfer-passthru', sibling(call, '/callback/transfer/status'), fields);
      return passthru.status === 302 ? [{ kind: 'hangup' }] : afterPassthru(call, 200);
    },
    async recording(call) {
      // Reported in the terminal status callback, not on its own.
      call.recordingUrl = `${state.options.baseUrl()}/exotel/recordings/${call.accountId}/${call.sid}.mp3`;
    },
  };
}

/** An applet's answer as verbs: Greeting text, Gather JSON, Connect JSON, or 302 (the other branch). */
export function readAppletAnswer(status: number, contentType: string, body: string): Program {
  if (status === 302) return [{ kind: 'hangup' }];
  if (!contentType.includes('json')) return body.trim() === '' ? [] : [{ kind: 'say', text: body.trim() }];
  const doc = JSON.parse(body) as Record<string, unknown>;
  const destination = doc.destination as { numbers?: string[] } | undefined;
  if (destination) {
    const playback = doc.start_call_playback as { value?: string } | undefined;
    const verbs: Verb[] = playback?.value ? [{ kind: 'say', text: playback.value }] : [];
    const number = destination.numbers?.[0];
    const event = typeof doc.dial_passthru_event_url === 'string' ? doc.dial_passthru_event_url : undefined;
    return number ? [...verbs, { kind: 'dial', number, ...(event === undefined ? {} : { actionUrl: event }) }] : verbs;
  }
  const prompt = (doc.gather_prompt as { text?: string } | undefined)?.text;
  const digits = Number(doc.max_input_digits);
  const timeout = Number(doc.input_timeout);
  return [
    {
      kind: 'gather',
      input: ['dtmf'],
      prompt: prompt ? [prompt] : [],
      numDigits: Number.isFinite(digits) ? digits : undefined,
      timeoutSeconds: Number.isFinite(timeout) ? timeout : 5,
    },
  ];
}

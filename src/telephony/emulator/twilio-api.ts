/**
 * Twilio's REST API 2010-04-01 as far as Buddy uses it (telephony.md §1.1): create, list,
 * fetch and update calls (hang up, redirect, new TwiML), and the number configuration of
 * IncomingPhoneNumbers. Basic auth with the account sid of the path; the password is the auth
 * token that then signs the call's callbacks, as Twilio signs with the account's token.
 * Any phone number is "owned" by the emulated account.
 */
import { createHash } from 'node:crypto';
import type { EmulatorState, TwilioNumberConfig } from './emulator-state.ts';
import { isLive, newCall, twilioSid, type EmulatedCall } from './emulated-call.ts';
import type { ApiReply, ApiRequest, Route } from './http-in.ts';
import { readTwiml } from './program.ts';
import { normalizeNumber } from './scripts.ts';
import { rfc2822, twilioDialect } from './twilio-dialect.ts';

const ACCOUNT = '^/twilio/2010-04-01/Accounts/([^/]+)';

const error = (status: number, code: number, message: string): ApiReply => ({
  status,
  json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

export function twilioRoutes(state: EmulatorState): Route[] {
  const dialect = twilioDialect(state);
  const authed = (handle: (req: ApiRequest) => ApiReply) => (req: ApiRequest) =>
    req.auth !== null && req.auth.username === req.params[0] && req.auth.password !== '' ? handle(req) : error(401, 20003, 'Authenticate');

  const createCall = (req: ApiRequest): ApiReply => {
    const replayed = state.replay('twilio', req.params[0]!, header(req, 'idempotency-key'));
    if (replayed) return { status: 201, json: callResource(replayed) };
    const to = req.form.get('To');
    const from = req.form.get('From');
    if (!to) return error(400, 21201, "No 'To' number is specified");
    if (!from) return error(400, 21213, "No 'From' number is specified");
    if (!/^\+?\d{6,15}$|^(sip|client):/.test(to)) return error(400, 21217, `Phone number ${to} is not a valid phone number`);
    const url = req.form.get('Url') ?? undefined;
    const twiml = req.form.get('Twiml') ?? undefined;
    if (!url && !twiml) return error(400, 21205, 'Url parameter is required.');
    let inlineProgram;
    try {
      inlineProgram = url === undefined && twiml !== undefined ? readTwiml(twiml) : undefined;
    } catch {
      return error(400, 12100, 'Document parse failure');
    }
    const call = newCall({
      provider: 'twilio',
      sid: twilioSid('CA'),
      accountId: req.params[0]!,
      authToken: req.auth!.password,
      direction: 'outbound',
      from,
      to,
      script: state.scriptFor(to),
      answerUrl: url,
      inlineProgram,
      statusCallbackUrl: req.form.get('StatusCallback') ?? undefined,
      statusEvents: req.form.getAll('StatusCallbackEvent'),
      record: req.form.get('Record') === 'true',
      recordingCallbackUrl: req.form.get('RecordingStatusCallback') ?? undefined,
    });
    state.start(call, dialect, header(req, 'idempotency-key'));
    return { status: 201, json: callResource(call) };
  };

  const updateCall = (req: ApiRequest): ApiReply => {
    const call = state.find('twilio', req.params[1]!);
    if (!call) return error(404, 20404, `The requested resource /Calls/${req.params[1]}.json was not found`);
    const status = req.form.get('Status');
    if (status === 'completed' || status === 'canceled') {
      if (isLive(call)) call.hangupRequested = true;
      call.endedBy ??= 'api';
    }
    const url = req.form.get('Url');
    if (url) call.pendingRedirect = url;
    const twiml = req.form.get('Twiml');
    if (twiml) {
      try {
        call.pendingProgram = readTwiml(twiml);
      } catch {
        return error(400, 12100, 'Document parse failure');
      }
    }
    return { status: 200, json: callResource(call) };
  };

  const listCalls = (req: ApiRequest): ApiReply => {
    const to = req.query.get('To');
    const from = req.query.get('From');
    const calls = state
      .list()
      .filter((c) => c.provider === 'twilio' && (!to || c.to === to) && (!from || c.from === from))
      .map(callResource);
    return { status: 200, json: { calls, page: 0, page_size: calls.length } };
  };

  const findNumbers = (req: ApiRequest): ApiReply => {
    const wanted = req.query.get('PhoneNumber');
    const numbers = wanted ? [ownNumber(state, normalizeNumber(wanted))] : [...state.twilioNumbers.values()];
    return { status: 200, json: { incoming_phone_numbers: numbers.map((n) => numberResource(req.params[0]!, n)) } };
  };

  const updateNumber = (req: ApiRequest): ApiReply => {
    const config = [...state.twilioNumbers.values()].find((n) => n.sid === req.params[1]);
    if (!config) return error(404, 20404, `The requested resource /IncomingPhoneNumbers/${req.params[1]}.json was not found`);
    config.voiceUrl = req.form.get('VoiceUrl') ?? config.voiceUrl;
    config.voiceMethod = req.form.get('VoiceMethod') ?? config.voiceMethod;
    config.statusCallback = req.form.get('StatusCallback') ?? config.statusCallback;
    return { status: 200, json: numberResource(req.params[0]!, config) };
  };

  return [
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Calls\\.json$`), handle: authed(createCall) },
    { method: 'GET', pattern: new RegExp(`${ACCOUNT}/Calls\\.json$`), handle: authed(listCalls) },
    {
      method: 'GET',
      pattern: new RegExp(`${ACCOUNT}/Calls/([^/]+)\\.json$`),
      handle: authed((req) => {
        const call = state.find('twilio', req.params[1]!);
        return call ? { status: 200, json: callResource(call) } : error(404, 20404, `The requested resource /Calls/${req.params[1]}.json was not found`);
      }),
    },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Calls/([^/]+)\\.json$`), handle: authed(updateCall) },
    { method: 'GET', pattern: new RegExp(`${ACCOUNT}/IncomingPhoneNumbers\\.json$`), handle: authed(findNumbers) },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/IncomingPhoneNumbers/([^/]+)\\.json$`), handle: authed(updateNumber) },
  ];
}

/** The emulated account owns every number; its configuration starts empty. */
export function ownNumber(state: EmulatorState, phoneNumber: string): TwilioNumberConfig {
  let config = state.twilioNumbers.get(phoneNumber);
  if (!config) {
    config = { sid: `PN${createHash('sha256').update(phoneNumber).digest('hex').slice(0, 32)}`, phoneNumber };
    state.twilioNumbers.set(phoneNumber, config);
  }
  return config;
}

function callResource(call: EmulatedCall) {
  return {
    sid: call.sid,
    account_sid: call.accountId,
    api_version: '2010-04-01',
    to: call.to,
    from: call.from,
    status: call.status,
    direction: call.direction === 'inbound' ? 'inbound' : 'outbound-api',
    date_created: rfc2822(call.createdAt),
    start_time: call.answeredAt ? rfc2822(call.answeredAt) : null,
    end_time: call.endedAt ? rfc2822(call.endedAt) : null,
    duration: call.endedAt ? String(call.durationSeconds) : null,
    answered_by: null,
    uri: `/2010-04-01/Accounts/${call.accountId}/Calls/${call.sid}.json`,
  };
}

function numberResource(accountSid: string, n: TwilioNumberConfig) {
  return {
    sid: n.sid,
    account_sid: accountSid,
    phone_number: n.phoneNumber,
    voice_url: n.voiceUrl ?? null,
    voice_method: n.voiceMethod ?? 'POST',
    status_callback: n.statusCallback ?? null,
    status_callback_method: 'POST',
  };
}

function header(req: ApiRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

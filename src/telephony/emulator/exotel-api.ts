/**
 * Exotel's Voice v1 API as far as Buddy uses it (telephony.md §3.1): `Calls/connect` (Exotel
 * dials `From`, our customer, and connects it to the flow at `Url` or to a stream) and the
 * call details. Basic auth ApiKey:ApiToken. Exotel has no hang-up or transfer API.
 */
import type { EmulatorState } from './emulator-state.ts';
import { newCall, twilioSid, type EmulatedCall } from './emulated-call.ts';
import type { ApiReply, ApiRequest, Route } from './http-in.ts';
import { exotelDialect, exotelNumber, exotelTime } from './exotel-dialect.ts';
import { normalizeNumber } from './scripts.ts';

const ACCOUNT = '^/exotel/v1/Accounts/([^/]+)';

const error = (status: number, message: string): ApiReply => ({ status, json: { RestException: { Status: status, Message: message, Code: status } } });

export function exotelRoutes(state: EmulatorState): Route[] {
  const dialect = exotelDialect(state);
  const authed = (handle: (req: ApiRequest) => ApiReply) => (req: ApiRequest) =>
    req.auth && req.auth.username !== '' && req.auth.password !== '' ? handle(req) : error(401, 'Authentication is required');

  const connect = (req: ApiRequest): ApiReply => {
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const replayed = state.replay('exotel', req.params[0]!, key);
    if (replayed) return { status: 200, json: callEnvelope(replayed) };
    const customer = req.form.get('From');
    const callerId = req.form.get('CallerId');
    if (!customer) return error(400, 'From is required');
    if (!callerId) return error(400, 'CallerId is required');
    const url = req.form.get('Url') ?? undefined;
    const streamUrl = req.form.get('StreamUrl') ?? undefined;
    if (!url && !streamUrl) return error(400, 'Url or StreamUrl is required');
    const call = newCall({
      provider: 'exotel',
      sid: twilioSid(''),
      accountId: req.params[0]!,
      authToken: req.auth!.password,
      direction: 'outbound',
      from: normalizeNumber(callerId),
      to: normalizeNumber(customer),
      script: state.scriptFor(customer),
      answerUrl: url,
      inlineProgram: streamUrl ? [{ kind: 'stream', url: streamUrl }] : undefined,
      statusCallbackUrl: req.form.get('StatusCallback') ?? undefined,
      statusEvents: req.form.getAll('StatusCallbackEvents[]'),
      record: req.form.get('Record') === 'true',
    });
    state.start(call, dialect, key);
    return { status: 200, json: callEnvelope(call) };
  };

  const details = (req: ApiRequest): ApiReply => {
    const call = state.find('exotel', req.params[1]!);
    return call ? { status: 200, json: callEnvelope(call) } : error(404, 'Call not found');
  };

  return [
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Calls/connect(\\.json)?$`), handle: authed(connect) },
    { method: 'GET', pattern: new RegExp(`${ACCOUNT}/Calls/([^/.]+)(?:\\.json)?$`), handle: authed(details) },
  ];
}

function callEnvelope(call: EmulatedCall) {
  const status = call.status === 'canceled' ? 'no-answer' : call.status === 'ringing' || call.status === 'queued' ? 'in-progress' : call.status;
  return {
    Call: {
      Sid: call.sid,
      ParentCallSid: null,
      DateCreated: exotelTime(call.createdAt),
      DateUpdated: exotelTime(Date.now()),
      AccountSid: call.accountId,
      To: exotelNumber(call.from),
      From: call.to,
      PhoneNumberSid: exotelNumber(call.from),
      Status: status,
      StartTime: exotelTime(call.createdAt),
      EndTime: call.endedAt ? exotelTime(call.endedAt) : null,
      Duration: call.endedAt ? call.durationSeconds : null,
      Direction: 'outbound-api',
      RecordingUrl: call.recordingUrl ?? null,
      Uri: `/v1/Accounts/${call.accountId}/Calls/${call.sid}.json`,
    },
  };
}

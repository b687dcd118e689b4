/**
 * Plivo's REST API v1 as far as Buddy uses it (telephony.md §2.1, §2.4, §2.7): make a call
 * (answers a request_uuid; the CallUUID is another id, reported by the callbacks), the call's
 * CDR or live state, hang up (by CallUUID, or a queued call by request_uuid), transfer (a new
 * answer URL for the A leg), start a recording, and Applications linked to numbers.
 * Basic auth with the Auth ID of the path; the password signs the call's callbacks.
 */
import type { EmulatorState } from './emulator-state.ts';
import { isLive, newCall, uuid, type EmulatedCall } from './emulated-call.ts';
import { jsonField, type ApiReply, type ApiRequest, type Route } from './http-in.ts';
import { plivoDialect, plivoNumber } from './plivo-dialect.ts';
import { normalizeNumber } from './scripts.ts';

const ACCOUNT = '^/plivo/v1/Account/([^/]+)';

const error = (status: number, message: string): ApiReply => ({ status, json: { api_id: uuid(), error: message } });
const ok = (status: number, body: Record<string, unknown>): ApiReply => ({ status, json: { api_id: uuid(), ...body } });

export function plivoRoutes(state: EmulatorState): Route[] {
  const dialect = plivoDialect(state);
  const authed = (handle: (req: ApiRequest) => ApiReply) => (req: ApiRequest) =>
    req.auth !== null && req.auth.username === req.params[0] && req.auth.password !== '' ? handle(req) : error(401, 'authentication failed');

  // A call Plivo dials out for this account: the customer's (Call API) or an agent's (MultiPartyCall).
  const outboundCall = (req: ApiRequest, from: string, to: string, extra: Partial<EmulatedCall>): EmulatedCall =>
    newCall({
      provider: 'plivo',
      sid: uuid(),
      requestId: uuid(),
      accountId: req.params[0]!,
      authToken: req.auth!.password,
      direction: 'outbound',
      from: normalizeNumber(from),
      to: normalizeNumber(to),
      script: state.scriptFor(to),
      ...extra,
    });

  const makeCall = (req: ApiRequest): ApiReply => {
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const replayed = state.replay('plivo', req.params[0]!, key);
    if (replayed) return ok(201, { message: 'call fired', request_uuid: replayed.requestId });
    const from = jsonField(req.json, 'from');
    const to = jsonField(req.json, 'to');
    const answerUrl = jsonField(req.json, 'answer_url');
    if (!from || !to || !answerUrl) return error(400, 'from, to and answer_url are required');
    if (to.includes('<')) return error(400, 'bulk calls are not emulated');
    const call = outboundCall(req, from, to, {
      answerUrl,
      ringUrl: jsonField(req.json, 'ring_url'),
      statusCallbackUrl: jsonField(req.json, 'hangup_url'),
    });
    state.start(call, dialect, key);
    return ok(201, { message: 'call fired', request_uuid: call.requestId });
  };

  const getCall = (req: ApiRequest): ApiReply => {
    const call = state.find('plivo', req.params[1]!);
    if (req.query.get('status') === 'live') {
      return call && isLive(call) && call.answeredAt !== undefined
        ? ok(200, { call_uuid: call.sid, call_status: call.status, direction: call.direction, from: plivoNumber(call.from), to: plivoNumber(call.to) })
        : error(404, 'not found');
    }
    return call && !isLive(call) ? ok(200, cdr(call)) : error(404, 'not found');
  };

  const hangup = (req: ApiRequest, byRequest: boolean): ApiReply => {
    const call = state.find('plivo', req.params[1]!);
    // A CallUUID names a call once it is up; a request_uuid one that has not been answered yet.
    const matches = call && isLive(call) && (byRequest ? call.requestId === req.params[1] && call.answeredAt === undefined : call.answeredAt !== undefined);
    if (!call || !matches) return error(404, 'not found');
    call.hangupRequested = true;
    call.endedBy ??= 'api';
    return { status: 204 };
  };

  const transfer = (req: ApiRequest): ApiReply => {
    const call = state.find('plivo', req.params[1]!);
    if (!call || !isLive(call)) return error(404, 'not found');
    const url = jsonField(req.json, 'aleg_url');
    if (!url) return error(400, 'aleg_url is required');
    call.pendingRedirect = url;
    return ok(202, { message: 'call transferred' });
  };

  // MultiPartyCall participants (warm transfer): an agent dialled into the room, or a live call
  // moved into it. The response shape beyond request_uuid is not confirmed (telephony.md §2.7).
  const addParticipant = (req: ApiRequest): ApiReply => {
    const room = decodeURIComponent(req.params[1]!);
    const field = (name: string) => jsonField(req.json, name);
    const conference = (start: boolean) => ({
      kind: 'conference' as const,
      room,
      statusCallback: field('status_callback_url'),
      startOnEnter: start,
      endOnExit: field('end_mpc_on_exit') === 'true',
    });
    const existing = field('call_uuid');
    if (existing !== undefined) {
      const call = state.find('plivo', existing);
      if (!call || !isLive(call)) return error(404, 'call not found');
      call.pendingProgram = [conference(field('start_mpc_on_enter') === 'true')];
      return ok(201, { message: 'add participant action initiated', calls: [{ call_uuid: call.sid }] });
    }
    const from = field('from');
    const to = field('to');
    if (!from || !to) return error(400, 'either call_uuid or from and to are required');
    const call = outboundCall(req, from, to, {
      inlineProgram: [conference(field('start_mpc_on_enter') !== 'false')],
      statusCallbackUrl: field('call_status_callback_url'),
    });
    state.start(call, dialect);
    return ok(201, { message: 'add participant action initiated', request_uuid: [call.requestId] });
  };

  const record = (req: ApiRequest): ApiReply => {
    const call = state.find('plivo', req.params[1]!);
    if (!call || !isLive(call)) return error(404, 'not found');
    call.record = true;
    call.recordingCallbackUrl = jsonField(req.json, 'callback_url');
    const recordingId = uuid();
    return ok(202, { message: 'call recording started', recording_id: recordingId, url: `${state.options.baseUrl()}/plivo/v1/Account/${call.accountId}/Recording/${recordingId}.mp3` });
  };

  const createApplication = (req: ApiRequest): ApiReply => {
    const answerUrl = jsonField(req.json, 'answer_url');
    const name = jsonField(req.json, 'app_name');
    if (!answerUrl || !name) return error(400, 'app_name and answer_url are required');
    const appId = String(Date.now()) + String(Math.floor(Math.random() * 1e6));
    state.plivoApplications.set(appId, { appId, name, answerUrl, hangupUrl: jsonField(req.json, 'hangup_url') });
    return ok(201, { message: 'created', app_id: appId });
  };

  const linkNumber = (req: ApiRequest): ApiReply => {
    const appId = jsonField(req.json, 'app_id');
    if (!appId || !state.plivoApplications.has(appId)) return error(404, 'application not found');
    state.plivoNumbers.set(plivoNumber(req.params[1]!), appId);
    return ok(202, { message: 'changed' });
  };

  const getNumber = (req: ApiRequest): ApiReply => {
    const appId = state.plivoNumbers.get(plivoNumber(req.params[1]!));
    return ok(200, { number: plivoNumber(req.params[1]!), application: appId ? `/v1/Account/${req.params[0]}/Application/${appId}/` : null });
  };

  return [
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Call/?$`), handle: authed(makeCall) },
    { method: 'GET', pattern: new RegExp(`${ACCOUNT}/Call/([^/]+)/?$`), handle: authed(getCall) },
    { method: 'DELETE', pattern: new RegExp(`${ACCOUNT}/Call/([^/]+)/?$`), handle: authed((req) => hangup(req, false)) },
    { method: 'DELETE', pattern: new RegExp(`${ACCOUNT}/Request/([^/]+)/?$`), handle: authed((req) => hangup(req, true)) },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Call/([^/]+)/?$`), handle: authed(transfer) },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Call/([^/]+)/Record/?$`), handle: authed(record) },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/MultiPartyCall/name_([^/]+)/Participant/?$`), handle: authed(addParticipant) },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Application/?$`), handle: authed(createApplication) },
    {
      method: 'DELETE',
      pattern: new RegExp(`${ACCOUNT}/Application/([^/]+)/?$`),
      handle: authed((req) => (state.plivoApplications.delete(req.params[1]!) ? { status: 204 } : error(404, 'not found'))),
    },
    { method: 'POST', pattern: new RegExp(`${ACCOUNT}/Number/([^/]+)/?$`), handle: authed(linkNumber) },
    { method: 'GET', pattern: new RegExp(`${ACCOUNT}/Number/([^/]+)/?$`), handle: authed(getNumber) },
  ];
}

function cdr(call: EmulatedCall): Record<string, unknown> {
  const answered = call.answeredAt !== undefined;
  const codes: Record<string, [number, string]> = {
    completed: [4000, 'Normal Hangup'],
    busy: [3010, 'Busy Line'],
    'no-answer': [3000, 'No Answer'],
    canceled: [1000, 'Cancelled'],
  };
  const [code, name] = codes[call.status] ?? [3020, 'Rejected'];
  return {
    call_uuid: call.sid,
    call_direction: call.direction,
    from_number: plivoNumber(call.from),
    to_number: plivoNumber(call.to),
    call_duration: call.durationSeconds,
    bill_duration: answered ? Math.ceil(call.durationSeconds / 60) * 60 : 0,
    answer_time: answered ? new Date(call.answeredAt!).toISOString() : null,
    end_time: call.endedAt ? new Date(call.endedAt).toISOString() : null,
    hangup_cause_code: code,
    hangup_cause_name: name,
  };
}

// Plivo adapter: REST API v1 (telephony.md §2.1, §2.4, §2.7), JSON bodies, Basic auth
// AuthID:AuthToken. Webhooks are parsed in plivo-callbacks.ts, signed per
// plivo-signature.ts (V3), answered with Plivo XML from plivo-documents.ts.
//
// Call ids: placeCall returns `request_uuid`; the CallUUID only exists once the call does.
// hangup/fetchCall accept either, trying the call first and the request second.
import { z } from 'zod';
import { ProviderApiError } from '../errors.ts';
import type { CallbackParams } from '../params.ts';
import type {
  AnswerDocument,
  FetchedCall,
  PlaceCallOptions,
  PlacedCall,
  ProviderCapabilities,
  RenderedDocument,
  TelephonyProvider,
  TransferRequest,
  TransferResult,
  VerifyRequestInput,
  WarmTransfer,
} from '../provider.ts';
import { callProviderApi, requestProviderApi } from '../rest-client.ts';
import type { ProviderApiCredentials } from '../rest-client.ts';
import {
  parsePlivoAnswerRequest,
  parsePlivoGatherResult,
  parsePlivoRecordingCallback,
  parsePlivoStatusCallback,
  plivoCallStatus,
  plivoCdrStatus,
} from './plivo-callbacks.ts';
import { plivoNumber, renderPlivoXml } from './plivo-documents.ts';
import { verifyPlivoRequest } from './plivo-signature.ts';

export const PLIVO_API_BASE_URL = 'https://api.plivo.com';

export interface PlivoConfig {
  readonly authId: string;
  readonly authToken: string;
  readonly apiBaseUrl?: string;
}

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  bidirectionalStream: true,
  answerUrl: 'document',
  restHangup: true,
  redirectTransfer: true,
  warmTransfer: true,
  // Plivo has no "record" flag on call creation; the Record API starts it once answered.
  recordingStart: 'after-answer',
  separateRecordingCallback: true,
  gatherInputs: Object.freeze(['dtmf', 'speech'] as const),
  callbackSequence: false,
  requestAuth: 'hmac-signature',
});

// The Record API defaults to 60 s; a whole call may last up to Plivo's 4 h time_limit.
const RECORD_TIME_LIMIT_S = 14_400;

const CallFired = z.object({ request_uuid: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) });
const Cdr = z.object({
  hangup_cause_code: z.union([z.number(), z.string()]).nullish(),
  hangup_cause_name: z.string().nullish(),
  bill_duration: z.union([z.number(), z.string()]).nullish(),
  call_duration: z.union([z.number(), z.string()]).nullish(),
  answer_time: z.string().nullish(),
});
const LiveCall = z.object({ call_status: z.string() });
const AnyBody = z.unknown();

export class PlivoProvider implements TelephonyProvider {
  readonly name = 'plivo';
  readonly capabilities = CAPABILITIES;
  private readonly api: ProviderApiCredentials;
  private readonly accountPath: string;

  constructor(private readonly config: PlivoConfig) {
    this.api = {
      provider: 'plivo',
      baseUrl: config.apiBaseUrl ?? PLIVO_API_BASE_URL,
      username: config.authId,
      password: config.authToken,
    };
    this.accountPath = `/v1/Account/${encodeURIComponent(config.authId)}`;
  }

  async placeCall(opts: PlaceCallOptions): Promise<PlacedCall> {
    // '<' joins several destinations into a bulk call; one lead is one call.
    if (opts.to.includes('<')) throw new RangeError('plivo: "to" must be a single destination');
    const json: Record<string, string | number> = {
      from: plivoNumber(opts.from),
      to: plivoNumber(opts.to),
      answer_url: opts.answerUrl,
      answer_method: 'POST',
      // Both go to one status route: Plivo's older docs fall back to answer_url for hangups.
      ring_url: opts.statusCallbackUrl,
      ring_method: 'POST',
      hangup_url: opts.statusCallbackUrl,
      hangup_method: 'POST',
    };
    if (opts.timeoutSeconds !== undefined) json['ring_timeout'] = opts.timeoutSeconds;
    const headers = opts.idempotencyKey === undefined ? undefined : { 'idempotency-key': opts.idempotencyKey };
    const fired = await requestProviderApi(this.api, { method: 'POST', path: `${this.accountPath}/Call/`, json, headers }, CallFired);
    const requestUuid = fired.data.request_uuid;
    return { callId: typeof requestUuid === 'string' ? requestUuid : (requestUuid[0] ?? ''), raw: fired.raw };
  }

  async hangup(callId: string): Promise<void> {
    const id = encodeURIComponent(callId);
    // A live call by CallUUID, else a queued/ringing one by request_uuid; 404 twice = gone.
    for (const path of [`${this.accountPath}/Call/${id}/`, `${this.accountPath}/Request/${id}/`]) {
      try {
        await callProviderApi(this.api, { method: 'DELETE', path });
        return;
      } catch (error) {
        if (!(error instanceof ProviderApiError && error.status === 404)) throw error;
      }
    }
  }

  async fetchCall(callId: string): Promise<FetchedCall> {
    const path = `${this.accountPath}/Call/${encodeURIComponent(callId)}/`;
    try {
      const cdr = await requestProviderApi(this.api, { method: 'GET', path }, Cdr);
      const duration = Number(cdr.data.call_duration ?? NaN);
      return {
        status: plivoCdrStatus(cdr.data),
        durationSeconds: Number.isFinite(duration) ? duration : undefined,
        raw: cdr.raw,
      };
    } catch (error) {
      if (!(error instanceof ProviderApiError && error.status === 404)) throw error;
    }
    // No CDR yet: the call is still live.
    const live = await requestProviderApi(this.api, { method: 'GET', path: `${path}?status=live` }, LiveCall);
    return { status: plivoCallStatus(live.data.call_status), raw: live.raw };
  }

  async transfer(req: TransferRequest): Promise<TransferResult> {
    if (req.mode === 'redirect') {
      const json = { legs: 'aleg', aleg_url: req.url, aleg_method: 'POST' };
      const path = `${this.accountPath}/Call/${encodeURIComponent(req.callId)}/`;
      const result = await requestProviderApi(this.api, { method: 'POST', path, json }, AnyBody);
      return { raw: result.raw };
    }
    return this.warmTransfer(req);
  }

  // MultiPartyCall (§2.7): the MPC is created by name on first use. The agent is dialled
  // first so that a failure leaves the customer's call untouched; the customer then waits
  // with music until the agent (start_mpc_on_enter) joins.
  private async warmTransfer(req: WarmTransfer): Promise<TransferResult> {
    const path = `${this.accountPath}/MultiPartyCall/name_${encodeURIComponent(req.room)}/Participant/`;
    const events = { status_callback_url: req.eventsCallbackUrl, status_callback_method: 'POST', end_mpc_on_exit: true };
    const agentJson: Record<string, string | number | boolean> = {
      role: 'Agent',
      from: plivoNumber(req.from),
      to: plivoNumber(req.agentNumber),
      call_status_callback_url: req.statusCallbackUrl,
      call_status_callback_method: 'POST',
      start_mpc_on_enter: true,
      ...events,
    };
    if (req.timeoutSeconds !== undefined) agentJson['ring_timeout'] = req.timeoutSeconds;
    const agent = await requestProviderApi(this.api, { method: 'POST', path, json: agentJson }, AnyBody);
    const customerJson = { role: 'Customer', call_uuid: req.callId, start_mpc_on_enter: false, ...events };
    const customer = await requestProviderApi(this.api, { method: 'POST', path, json: customerJson }, AnyBody);
    return { agentCallId: agentRequestId(agent.raw), raw: { agent: agent.raw, customer: customer.raw } };
  }

  async startRecording(callId: string, callbackUrl: string): Promise<{ readonly raw: unknown }> {
    const json = { time_limit: RECORD_TIME_LIMIT_S, callback_url: callbackUrl, callback_method: 'POST' };
    const path = `${this.accountPath}/Call/${encodeURIComponent(callId)}/Record/`;
    const result = await requestProviderApi(this.api, { method: 'POST', path, json }, AnyBody);
    return { raw: result.raw };
  }

  prepareCallbackUrl(url: string): string {
    return url;
  }

  verifyRequest(input: VerifyRequestInput): boolean {
    return verifyPlivoRequest(input, this.config.authToken);
  }

  parseStatusCallback(params: CallbackParams) {
    return parsePlivoStatusCallback(params);
  }

  parseAnswerRequest(params: CallbackParams) {
    return parsePlivoAnswerRequest(params);
  }

  parseRecordingCallback(params: CallbackParams) {
    return parsePlivoRecordingCallback(params);
  }

  parseGatherResult(params: CallbackParams) {
    return parsePlivoGatherResult(params);
  }

  render(doc: AnswerDocument): RenderedDocument {
    return renderPlivoXml(doc);
  }

}

// The participant API answers with the new leg's request uuid(s); the shape is not
// confirmed, so it is read defensively.
function agentRequestId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const value = (raw as Record<string, unknown>)['request_uuid'];
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

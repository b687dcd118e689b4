// Exotel adapter: Voice v1 `Calls/connect` (telephony.md §3.1), form-encoded, Basic auth
// ApiKey:ApiToken. Exotel dials `From` first, so our customer goes in `From` and our
// ExoPhone in `CallerId`. The answer URL is either an App Bazaar flow URL (`Url`; Exotel
// accepts no other URL there) or a ws(s):// URL, which makes it a Connect Voice AI call
// straight to our media socket (`StreamUrl` + `StreamType=bidirectional`).
//
// Not available over this API: hang-up (close the media socket: in Connect Voice AI that
// ends the call, in a flow it moves to the next applet), transfers (end the stream and let
// the flow's Connect applet dial; see exotel-documents.ts), a separate recording callback
// (the URL comes in the status callback).
import { z } from 'zod';
import { NotSupportedError, ProviderApiError } from '../errors.ts';
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
} from '../provider.ts';
import { requestProviderApi } from '../rest-client.ts';
import type { ProviderApiCredentials } from '../rest-client.ts';
import {
  exotelCallStatus,
  parseExotelAnswerRequest,
  parseExotelGatherResult,
  parseExotelRecordingCallback,
  parseExotelStatusCallback,
} from './exotel-callbacks.ts';
import { renderExotelResponse } from './exotel-documents.ts';
import { addExotelUrlSecret, verifyExotelRequest } from './exotel-signature.ts';

/** Singapore cluster; Mumbai accounts use https://api.in.exotel.com. */
export const EXOTEL_API_BASE_URL = 'https://api.exotel.com';

export interface ExotelConfig {
  readonly apiKey: string;
  readonly apiToken: string;
  /** Account SID. */
  readonly sid: string;
  readonly apiBaseUrl?: string;
  /** Per-deployment secret carried by every callback URL as `bb_secret`. */
  readonly urlSecret: string;
}

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  bidirectionalStream: true,
  answerUrl: 'flow-or-stream',
  restHangup: false,
  redirectTransfer: false,
  warmTransfer: false,
  recordingStart: 'with-call',
  separateRecordingCallback: false,
  gatherInputs: Object.freeze(['dtmf'] as const),
  callbackSequence: false,
  requestAuth: 'url-secret',
});

// `ringing` is listed for Connect Voice AI only; classic calls may reject it, so we do not ask.
const STATUS_EVENTS = ['answered', 'terminal'] as const;

const CallEnvelope = z.object({
  Call: z.object({
    Sid: z.string().min(1),
    Status: z.string().nullish(),
    Duration: z.union([z.string(), z.number()]).nullish(),
  }),
});

export class ExotelProvider implements TelephonyProvider {
  readonly name = 'exotel';
  readonly capabilities = CAPABILITIES;
  private readonly api: ProviderApiCredentials;
  private readonly callsPath: string;

  constructor(private readonly config: ExotelConfig) {
    this.api = {
      provider: 'exotel',
      baseUrl: config.apiBaseUrl ?? EXOTEL_API_BASE_URL,
      username: config.apiKey,
      password: config.apiToken,
    };
    this.callsPath = `/v1/Accounts/${encodeURIComponent(config.sid)}/Calls`;
  }

  async placeCall(opts: PlaceCallOptions): Promise<PlacedCall> {
    const form = new URLSearchParams({ From: opts.to, CallerId: opts.from });
    if (/^wss?:\/\//i.test(opts.answerUrl)) {
      form.set('StreamUrl', this.prepareCallbackUrl(opts.answerUrl));
      form.set('StreamType', 'bidirectional');
    } else {
      form.set('Url', opts.answerUrl);
      form.set('CallType', 'trans');
    }
    form.set('StatusCallback', this.prepareCallbackUrl(opts.statusCallbackUrl));
    for (const event of STATUS_EVENTS) form.append('StatusCallbackEvents[]', event);
    if (opts.timeoutSeconds !== undefined) form.set('TimeOut', String(opts.timeoutSeconds));
    if (opts.recordingCallbackUrl !== undefined) form.set('Record', 'true');
    const headers = opts.idempotencyKey === undefined ? undefined : { 'idempotency-key': opts.idempotencyKey };
    const call = await requestProviderApi(this.api, { method: 'POST', path: `${this.callsPath}/connect.json`, form, headers }, CallEnvelope);
    return { callId: call.data.Call.Sid, raw: call.raw };
  }

  hangup(): Promise<void> {
    return Promise.reject(
      new NotSupportedError('exotel', 'hangup', 'Exotel has no hang-up API; close the media stream to end the call'),
    );
  }

  async fetchCall(callId: string): Promise<FetchedCall> {
    const req = { method: 'GET', path: `${this.callsPath}/${encodeURIComponent(callId)}.json` } as const;
    const call = await requestProviderApi(this.api, req, CallEnvelope);
    const status = call.data.Call.Status;
    if (status == null) throw new ProviderApiError('exotel', req, 200, call.raw, 'call has no Status');
    const duration = Number(call.data.Call.Duration ?? NaN);
    return {
      status: exotelCallStatus(status),
      durationSeconds: Number.isFinite(duration) ? duration : undefined,
      raw: call.raw,
    };
  }

  transfer(req: TransferRequest): Promise<TransferResult> {
    return Promise.reject(
      new NotSupportedError(
        'exotel',
        `${req.mode} transfer`,
        "end the media stream and let the flow's Connect applet dial (render a dial document for its URL)",
      ),
    );
  }

  prepareCallbackUrl(url: string): string {
    return addExotelUrlSecret(url, this.config.urlSecret);
  }

  verifyRequest(input: VerifyRequestInput): boolean {
    return verifyExotelRequest(input, this.config.urlSecret);
  }

  parseStatusCallback(params: CallbackParams) {
    return parseExotelStatusCallback(params);
  }

  parseAnswerRequest(params: CallbackParams) {
    return parseExotelAnswerRequest(params);
  }

  parseRecordingCallback(params: CallbackParams) {
    return parseExotelRecordingCallback(params);
  }

  parseGatherResult(params: CallbackParams) {
    return parseExotelGatherResult(params);
  }

  render(doc: AnswerDocument): RenderedDocument {
    return renderExotelResponse(doc, { prepareUrl: (url) => this.prepareCallbackUrl(url) });
  }

}

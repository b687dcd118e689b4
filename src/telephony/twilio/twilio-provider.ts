// Twilio adapter: REST API 2010-04-01 (telephony.md §1.1, §1.7), form-encoded, Basic auth
// AccountSid:AuthToken. Webhooks are parsed in twilio-callbacks.ts, signed per
// twilio-signature.ts, answered with TwiML from twilio-documents.ts.
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
  parseTwilioAnswerRequest,
  parseTwilioGatherResult,
  parseTwilioRecordingCallback,
  parseTwilioStatusCallback,
  twilioCallStatus,
} from './twilio-callbacks.ts';
import { conferenceTwiml, renderTwiml } from './twilio-documents.ts';
import { verifyTwilioRequest } from './twilio-signature.ts';

export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

export interface TwilioConfig {
  readonly accountSid: string;
  readonly authToken: string;
  readonly apiBaseUrl?: string;
}

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  bidirectionalStream: true,
  answerUrl: 'document',
  restHangup: true,
  redirectTransfer: true,
  warmTransfer: true,
  recordingStart: 'with-call',
  separateRecordingCallback: true,
  gatherInputs: Object.freeze(['dtmf', 'speech'] as const),
  callbackSequence: true,
  requestAuth: 'hmac-signature',
});

// Without StatusCallbackEvent Twilio reports `completed` only (§1.3).
const STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;

const CallResource = z.object({
  sid: z.string().min(1),
  status: z.string(),
  duration: z.string().nullish(),
});

export class TwilioProvider implements TelephonyProvider {
  readonly name = 'twilio';
  readonly capabilities = CAPABILITIES;
  private readonly api: ProviderApiCredentials;
  private readonly callsPath: string;

  constructor(private readonly config: TwilioConfig) {
    this.api = {
      provider: 'twilio',
      baseUrl: config.apiBaseUrl ?? TWILIO_API_BASE_URL,
      username: config.accountSid,
      password: config.authToken,
    };
    this.callsPath = `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Calls`;
  }

  async placeCall(opts: PlaceCallOptions): Promise<PlacedCall> {
    const form = new URLSearchParams({
      To: opts.to,
      From: opts.from,
      Url: opts.answerUrl,
      Method: 'POST',
      ...this.statusCallbackFields(opts.statusCallbackUrl),
    });
    for (const event of STATUS_EVENTS) form.append('StatusCallbackEvent', event);
    if (opts.timeoutSeconds !== undefined) form.set('Timeout', String(opts.timeoutSeconds));
    if (opts.recordingCallbackUrl !== undefined) {
      form.set('Record', 'true');
      form.set('RecordingStatusCallback', opts.recordingCallbackUrl);
      form.set('RecordingStatusCallbackMethod', 'POST');
    }
    const headers = opts.idempotencyKey === undefined ? undefined : { 'idempotency-key': opts.idempotencyKey };
    const call = await requestProviderApi(this.api, { method: 'POST', path: `${this.callsPath}.json`, form, headers }, CallResource);
    return { callId: call.data.sid, raw: call.raw };
  }

  async hangup(callId: string): Promise<void> {
    // `completed` ends a live call; Twilio answers 404 when the call is already gone.
    try {
      await callProviderApi(this.api, {
        method: 'POST',
        path: this.callPath(callId),
        form: new URLSearchParams({ Status: 'completed' }),
      });
    } catch (error) {
      if (error instanceof ProviderApiError && error.status === 404) return;
      throw error;
    }
  }

  async fetchCall(callId: string): Promise<FetchedCall> {
    const call = await requestProviderApi(this.api, { method: 'GET', path: this.callPath(callId) }, CallResource);
    const duration = call.data.duration == null ? undefined : Number(call.data.duration);
    return {
      status: twilioCallStatus(call.data.status),
      durationSeconds: Number.isFinite(duration) ? duration : undefined,
      raw: call.raw,
    };
  }

  async transfer(req: TransferRequest): Promise<TransferResult> {
    if (req.mode === 'redirect') {
      const form = new URLSearchParams({ Url: req.url, Method: 'POST' });
      const call = await requestProviderApi(this.api, { method: 'POST', path: this.callPath(req.callId), form }, CallResource);
      return { raw: call.raw };
    }
    return this.warmTransfer(req);
  }

  // §1.7 recipe with confirmed pieces only: the agent leg is a new call whose inline TwiML
  // joins the conference (creating a conference by FriendlyName through the Participants
  // API is unconfirmed), then the customer is moved in. The agent is dialled first so that
  // a failure there leaves the customer's call untouched. The customer waits with hold
  // music until the agent joins; whoever leaves ends the conference.
  private async warmTransfer(req: WarmTransfer): Promise<TransferResult> {
    const agentForm = new URLSearchParams({
      To: req.agentNumber,
      From: req.from,
      Twiml: conferenceTwiml({
        room: req.room,
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
        eventsCallbackUrl: req.eventsCallbackUrl,
        whisper: req.whisper,
      }),
      ...this.statusCallbackFields(req.statusCallbackUrl),
    });
    for (const event of STATUS_EVENTS) agentForm.append('StatusCallbackEvent', event);
    if (req.timeoutSeconds !== undefined) agentForm.set('Timeout', String(req.timeoutSeconds));
    const agent = await requestProviderApi(this.api, { method: 'POST', path: `${this.callsPath}.json`, form: agentForm }, CallResource);

    const customerForm = new URLSearchParams({
      Twiml: conferenceTwiml({
        room: req.room,
        startConferenceOnEnter: false,
        endConferenceOnExit: true,
        eventsCallbackUrl: req.eventsCallbackUrl,
      }),
    });
    const customer = await requestProviderApi(this.api, 
      { method: 'POST', path: this.callPath(req.callId), form: customerForm },
      CallResource,
    );
    return { agentCallId: agent.data.sid, raw: { agent: agent.raw, customer: customer.raw } };
  }

  prepareCallbackUrl(url: string): string {
    return url;
  }

  verifyRequest(input: VerifyRequestInput): boolean {
    return verifyTwilioRequest(input, this.config.authToken);
  }

  parseStatusCallback(params: CallbackParams) {
    return parseTwilioStatusCallback(params);
  }

  parseAnswerRequest(params: CallbackParams) {
    return parseTwilioAnswerRequest(params);
  }

  parseRecordingCallback(params: CallbackParams) {
    return parseTwilioRecordingCallback(params);
  }

  parseGatherResult(params: CallbackParams) {
    return parseTwilioGatherResult(params);
  }

  render(doc: AnswerDocument): RenderedDocument {
    return renderTwiml(doc);
  }

  private callPath(callId: string): string {
    return `${this.callsPath}/${encodeURIComponent(callId)}.json`;
  }

  private statusCallbackFields(url: string): Record<string, string> {
    return { StatusCallback: url, StatusCallbackMethod: 'POST' };
  }

}

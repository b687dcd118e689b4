// The one interface every telephony provider adapter implements (STYLE §5 practice 10).
// Flow code and routes talk to `TelephonyProvider` only; where a provider lacks a feature,
// `capabilities` says so and the method throws NotSupportedError — never branch on the name.
//
// Identity: `callId` is the provider's id for a live call (Twilio CallSid, Plivo CallUUID,
// Exotel CallSid). Plivo's REST API answers with a `request_uuid` before any call exists,
// so `placeCall` returns that, and Plivo callbacks report it as `requestId` next to the real
// CallUUID: look a callback up by `requestId ?? callId`, then bind `callId`.
import type { NormalizedCallStatus, OutcomeFacts } from './call-status.ts';
import type { CallbackParams } from './params.ts';

export type { NormalizedCallStatus, OutcomeFacts } from './call-status.ts';
export type { CallbackParams } from './params.ts';

export type ProviderName = 'twilio' | 'plivo' | 'exotel';

export interface ProviderCapabilities {
  /** The answer document can connect a bidirectional media stream. */
  readonly bidirectionalStream: boolean;
  /** What `placeCall`'s answerUrl must be: a URL we serve that returns an answer document,
   *  or (Exotel) an Exotel flow URL / a ws(s):// stream URL. */
  readonly answerUrl: 'document' | 'flow-or-stream';
  /** `hangup()` works; otherwise end the call by closing its media stream. */
  readonly restHangup: boolean;
  /** `transfer({ mode: 'redirect' })` works. */
  readonly redirectTransfer: boolean;
  /** `transfer({ mode: 'warm' })` works. */
  readonly warmTransfer: boolean;
  /** 'with-call': pass recordingCallbackUrl to placeCall; 'after-answer': call startRecording(). */
  readonly recordingStart: 'with-call' | 'after-answer';
  /** The recording URL arrives in its own callback (false: inside the status callback). */
  readonly separateRecordingCallback: boolean;
  /** Input kinds a gather verb may ask for. */
  readonly gatherInputs: readonly GatherInput[];
  /** Status callbacks carry a per-call sequence number (else order by status rank only). */
  readonly callbackSequence: boolean;
  /** How inbound requests are authenticated. */
  readonly requestAuth: 'hmac-signature' | 'url-secret';
}

export interface PlaceCallOptions {
  /** Our number (caller id), E.164. */
  readonly from: string;
  /** The customer's number, E.164. */
  readonly to: string;
  readonly answerUrl: string;
  readonly statusCallbackUrl: string;
  /** Ask for a recording; where it is delivered depends on `capabilities`. */
  readonly recordingCallbackUrl?: string;
  /** None of the providers documents REST idempotency: sent as an `Idempotency-Key` header,
   *  which the real APIs ignore and the emulator honours. */
  readonly idempotencyKey?: string;
  /** How long to let it ring. */
  readonly timeoutSeconds?: number;
}

export interface PlacedCall {
  readonly callId: string;
  readonly raw: unknown;
}

export interface FetchedCall {
  readonly status: NormalizedCallStatus;
  readonly durationSeconds?: number;
  readonly raw: unknown;
}

/** Point the live call at a URL that returns a new answer document (e.g. one that dials). */
export interface RedirectTransfer {
  readonly mode: 'redirect';
  readonly callId: string;
  readonly url: string;
}

/** Dial an agent into a conference (Twilio) / multi-party call (Plivo) and move the customer there. */
export interface WarmTransfer {
  readonly mode: 'warm';
  /** The customer's live call (for Plivo the CallUUID, not the request_uuid). */
  readonly callId: string;
  /** Conference / multi-party call name; unique per transfer. */
  readonly room: string;
  readonly agentNumber: string;
  /** Caller id shown to the agent. */
  readonly from: string;
  /** Agent leg status → /{provider}/callback/transfer/status. */
  readonly statusCallbackUrl: string;
  /** Conference events → /{provider}/callback/transfer/events. */
  readonly eventsCallbackUrl: string;
  /** Spoken to the agent before joining (Twilio only; ignored elsewhere). */
  readonly whisper?: string;
  readonly timeoutSeconds?: number;
}

export type TransferRequest = RedirectTransfer | WarmTransfer;

export interface TransferResult {
  /** The agent leg's call id (warm transfer). */
  readonly agentCallId?: string;
  readonly raw: unknown;
}

export interface VerifyRequestInput {
  /** The full public URL the provider requested, query string included — built from
   *  configuration (PUBLIC_BASE_URL), not from Host, so that a proxy cannot change it. */
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body exactly as received; preferred over `params` for form bodies. */
  readonly rawBody?: string | Buffer;
  /** Decoded body fields (POST). For GET the query string in `url` is authoritative. */
  readonly params?: CallbackParams;
}

export interface StatusCallback {
  readonly callId: string;
  /** Plivo: RequestUUID, the id `placeCall` returned. */
  readonly requestId?: string;
  readonly status: NormalizedCallStatus;
  /** The provider's raw status word, for audit. */
  readonly providerStatus: string;
  /** Twilio SequenceNumber: orders callbacks of one call. */
  readonly sequence?: number;
  readonly timestamp?: Date;
  readonly durationSeconds?: number;
  readonly hangupCause?: string;
  /** AMD result when the provider reports one (human, machine_start, ...). */
  readonly answeredBy?: string;
  /** Exotel (and recorded Twilio calls) report the recording in the status callback. */
  readonly recordingUrl?: string;
  readonly facts: OutcomeFacts;
}

export interface AnswerRequest {
  readonly callId: string;
  readonly requestId?: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'inbound' | 'outbound';
}

export interface RecordingCallback {
  readonly callId: string;
  /** Null when the provider reports that there is no recording (Twilio `absent`). */
  readonly recordingUrl: string | null;
  readonly durationSeconds?: number;
}

export interface GatherResult {
  readonly callId: string;
  readonly digits?: string;
  readonly speech?: string;
  /** Speech recognition confidence, 0..1. */
  readonly confidence?: number;
}

export type GatherInput = 'dtmf' | 'speech';

export interface SayVerb {
  readonly kind: 'say';
  readonly text: string;
  /** Provider-specific voice name, passed through. */
  readonly voice?: string;
  readonly language?: string;
}

export interface GatherVerb {
  readonly kind: 'gather';
  readonly input: readonly GatherInput[];
  readonly actionUrl: string;
  readonly timeoutSeconds: number;
  readonly numDigits?: number;
  readonly prompt?: string;
}

export interface StreamVerb {
  readonly kind: 'stream';
  /** wss:// URL of our media socket. */
  readonly url: string;
  /** Per-call values handed to the socket (Twilio <Parameter>, Plivo extraHeaders, Exotel query). */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly statusCallbackUrl?: string;
}

export interface DialVerb {
  readonly kind: 'dial';
  readonly number: string;
  readonly callerId?: string;
  readonly actionUrl?: string;
  readonly timeoutSeconds?: number;
}

export interface HangupVerb {
  readonly kind: 'hangup';
}

export interface RedirectVerb {
  readonly kind: 'redirect';
  readonly url: string;
}

export interface RejectVerb {
  readonly kind: 'reject';
  readonly reason?: 'rejected' | 'busy';
}

export type AnswerVerb = SayVerb | GatherVerb | StreamVerb | DialVerb | HangupVerb | RedirectVerb | RejectVerb;

/** Executed in order, as TwiML is. A gather with no input falls through to the next verb,
 *  so put a `redirect` after it to handle silence. */
export type AnswerDocument = readonly AnswerVerb[];

export interface RenderedDocument {
  /** HTTP status to answer with; absent means 200 (Exotel's Passthru branches on 200 vs 302). */
  readonly status?: number;
  readonly contentType: string;
  readonly body: string;
}

export interface TelephonyProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;

  placeCall(opts: PlaceCallOptions): Promise<PlacedCall>;
  /** Ends the call; a call that is already gone is not an error. */
  hangup(callId: string): Promise<void>;
  fetchCall(callId: string): Promise<FetchedCall>;
  transfer(req: TransferRequest): Promise<TransferResult>;
  /** Only where `capabilities.recordingStart === 'after-answer'`. */
  startRecording?(callId: string, callbackUrl: string): Promise<{ readonly raw: unknown }>;

  /** The URL to hand to the provider for a callback (Exotel adds the deployment secret). */
  prepareCallbackUrl(url: string): string;
  verifyRequest(input: VerifyRequestInput): boolean;

  parseStatusCallback(params: CallbackParams): StatusCallback;
  parseAnswerRequest(params: CallbackParams): AnswerRequest;
  parseRecordingCallback(params: CallbackParams): RecordingCallback;
  parseGatherResult(params: CallbackParams): GatherResult;

  render(doc: AnswerDocument): RenderedDocument;
}

/**
 * One emulated call and everything that happened on it: what Buddy said (`heard`), what the
 * scripted caller did (`said`), numbers dialled, and each request exchanged with Buddy. Tests
 * and the control API read these records; the player writes them.
 *
 *   queued ─▶ ringing ─▶ in-progress ─▶ completed
 *      └─────────┴──▶ busy | no-answer | failed | canceled
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ProviderName } from '../provider.ts';
import type { CallerScript } from './scripts.ts';
import type { Program } from './program.ts';

export type CallEvent = { at: string; type: string; url?: string; status?: number; detail?: string };

export type CallStatusWord = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export type EmulatedCall = {
  provider: ProviderName;
  sid: string;
  /** Plivo: the request_uuid returned before the call exists; the CallUUID is `sid`. */
  requestId?: string;
  accountId: string;
  /** Signs this call's callbacks: the auth token of the account that placed it. */
  authToken: string;
  direction: 'outbound' | 'inbound';
  from: string;
  to: string;
  status: CallStatusWord;
  answerUrl?: string;
  /** A document given inline (Twilio `Twiml`) instead of an answer URL. */
  inlineProgram?: Program;
  statusCallbackUrl?: string;
  /** Twilio StatusCallbackEvent / Exotel StatusCallbackEvents; empty = terminal only. */
  statusEvents: string[];
  ringUrl?: string;
  record: boolean;
  recordingCallbackUrl?: string;
  recordingUrl?: string;
  script: CallerScript;
  heard: string[];
  said: string[];
  dialled: string[];
  events: CallEvent[];
  sequence: number;
  turns: number;
  durationSeconds: number;
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  endedBy?: 'caller' | 'agent' | 'provider' | 'api';
  /** Set by the REST API while the call plays: hang up, or fetch a new document. */
  hangupRequested: boolean;
  pendingRedirect?: string;
  pendingProgram?: Program;
};

export function newCall(fields: Pick<EmulatedCall, 'provider' | 'sid' | 'accountId' | 'authToken' | 'direction' | 'from' | 'to' | 'script'> & Partial<EmulatedCall>): EmulatedCall {
  return {
    status: 'queued',
    statusEvents: [],
    record: false,
    heard: [],
    said: [],
    dialled: [],
    events: [],
    sequence: 0,
    turns: 0,
    durationSeconds: 0,
    createdAt: Date.now(),
    hangupRequested: false,
    ...fields,
  };
}

export function logEvent(call: EmulatedCall, event: Omit<CallEvent, 'at'>): void {
  call.events.push({ at: new Date().toISOString(), ...event });
}

export const isLive = (call: EmulatedCall): boolean => call.endedAt === undefined;

export const twilioSid = (prefix: string): string => prefix + randomBytes(16).toString('hex');
export const uuid = (): string => randomUUID();

/** The JSON view of a call for the control API. */
export function callView(call: EmulatedCall) {
  const { authToken: _secret, inlineProgram: _p, pendingProgram: _q, script, ...rest } = call;
  return { ...rest, script };
}

/**
 * Everything an emulator instance remembers: its calls (by id, and by Plivo request id), the
 * idempotency keys it honoured, the number configuration written through the provider APIs
 * (Twilio number URLs, Plivo applications and their numbers) and the caller scripts.
 * In memory: an emulator is a test and demo tool, restarted empty.
 */
import type { Logger } from 'pino';
import type { ProviderName } from '../provider.ts';
import { playCall, type CallDialect } from './player.ts';
import { isLive, type EmulatedCall } from './emulated-call.ts';
import { normalizeNumber, ScriptRegistry } from './scripts.ts';
import { ConferenceRooms } from './conference-rooms.ts';

export type TwilioNumberConfig = {
  sid: string;
  phoneNumber: string;
  voiceUrl?: string;
  voiceMethod?: string;
  statusCallback?: string;
};

export type PlivoApplication = { appId: string; name: string; answerUrl: string; hangupUrl?: string };

export type EmulatorOptions = {
  /** Before a call's first callback, so the placing side can record the call id. */
  ringDelayMs: number;
  logger?: Logger;
  /** The emulator's own base URL (recording URLs point at it). */
  baseUrl: () => string;
  /** Auth tokens of the emulator's accounts, for inbound calls (nobody placed them). */
  accountTokens: Readonly<Record<ProviderName, string>>;
};

export class EmulatorState {
  readonly scripts = new ScriptRegistry();
  /** Conference rooms / multi-party calls of warm transfers. */
  readonly rooms = new ConferenceRooms();
  readonly twilioNumbers = new Map<string, TwilioNumberConfig>();
  readonly plivoApplications = new Map<string, PlivoApplication>();
  /** Plivo number (digits, no '+') → application id. */
  readonly plivoNumbers = new Map<string, string>();
  private readonly calls = new Map<string, EmulatedCall>();
  private readonly aliases = new Map<string, string>();
  private readonly idempotency = new Map<string, string>();
  private readonly playing = new Map<string, Promise<void>>();

  constructor(readonly options: EmulatorOptions) {}

  /** A call the same account placed earlier with the same idempotency key, if any. */
  replay(provider: ProviderName, accountId: string, key: string | undefined): EmulatedCall | undefined {
    if (key === undefined) return undefined;
    const sid = this.idempotency.get(`${provider}:${accountId}:${key}`);
    return sid === undefined ? undefined : this.calls.get(sid);
  }

  /** Registers the call and starts playing it back. */
  start(call: EmulatedCall, dialect: CallDialect, idempotencyKey?: string): void {
    this.calls.set(call.sid, call);
    if (call.requestId) this.aliases.set(call.requestId, call.sid);
    if (idempotencyKey !== undefined) this.idempotency.set(`${call.provider}:${call.accountId}:${idempotencyKey}`, call.sid);
    const dialAnswers = (number: string) => {
      const script = this.scripts.find(number);
      return script === undefined ? undefined : script.answer === 'answer';
    };
    this.playing.set(call.sid, playCall(call, dialect, { ringDelayMs: this.options.ringDelayMs, logger: this.options.logger, dialAnswers }));
  }

  find(provider: ProviderName, id: string): EmulatedCall | undefined {
    const call = this.calls.get(id) ?? this.calls.get(this.aliases.get(id) ?? '');
    return call?.provider === provider ? call : undefined;
  }

  list(): EmulatedCall[] {
    return [...this.calls.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Resolves once the call has ended and its last callback was answered. */
  async waitFor(id: string, timeoutMs = 10_000): Promise<EmulatedCall> {
    const sid = this.calls.has(id) ? id : (this.aliases.get(id) ?? id);
    const playing = this.playing.get(sid);
    if (!playing) throw new Error(`emulator: no call ${id}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`emulator: call ${id} still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([playing, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.calls.get(sid)!;
  }

  /** Waits for every call in flight (used when closing). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.playing.values()]);
  }

  liveCount(): number {
    return [...this.calls.values()].filter(isLive).length;
  }

  reset(): void {
    this.calls.clear();
    this.aliases.clear();
    this.idempotency.clear();
    this.playing.clear();
    this.scripts.clear();
    this.rooms.clear();
  }

  scriptFor(number: string) {
    return this.scripts.get(normalizeNumber(number));
  }
}

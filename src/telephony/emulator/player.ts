/**
 * Plays one emulated call back into Buddy, the way the provider would:
 *
 *   ring ──▶ (script: busy | no-answer | failed) ──▶ final status
 *     └──▶ answered ──▶ answer request ──▶ run the document:
 *            say → heard · gather → the caller's next input → action URL → new document
 *            (silence: fall through to the next verb) · redirect → new document ·
 *            dial → the dialled party (answers or not) → dial action · hangup / end → done
 *          ──▶ recording (details callback) ──▶ final status with the duration
 *
 * Each provider's wire format (params, signatures, which callbacks exist) is a `CallDialect`.
 * No real time passes: durations are computed from the script (`secondsPerTurn`); a short
 * ring delay lets the placing side record the call before its first callback.
 */
import type { Logger } from 'pino';
import { CallbackFailed } from './http-out.ts';
import { logEvent, type CallStatusWord, type EmulatedCall } from './emulated-call.ts';
import type { Program, Verb } from './program.ts';
import type { CallerInput } from './scripts.ts';

export type GatherVerb = Extract<Verb, { kind: 'gather' }>;
export type DialVerb = Extract<Verb, { kind: 'dial' }>;

export interface CallDialect {
  /** A progress or final status (`in-progress` = answered), as this provider reports it. */
  status(call: EmulatedCall, status: CallStatusWord): Promise<void>;
  /** The first document of an answered call. */
  answer(call: EmulatedCall): Promise<Program>;
  /** The caller's reply to a gather: the next document, or null to go on with the current one. */
  gather(call: EmulatedCall, verb: GatherVerb, input: CallerInput): Promise<Program | null>;
  redirect(call: EmulatedCall, url: string): Promise<Program>;
  dialEnded(call: EmulatedCall, verb: DialVerb, answered: boolean): Promise<Program | null>;
  /** The recording is ready (providers that report it on its own). */
  recording(call: EmulatedCall): Promise<void>;
  /** A conference / multi-party call leg (warm transfer): stay in the room, report its events. */
  conference?(call: EmulatedCall, verb: Extract<Verb, { kind: 'conference' }>): Promise<void>;
}

export type PlayOptions = {
  ringDelayMs: number;
  logger?: Logger;
  /** Whether a dialled number answers, when a script is set for it (a scripted agent). */
  dialAnswers?: (number: string) => boolean | undefined;
};

export async function playCall(call: EmulatedCall, dialect: CallDialect, options: PlayOptions): Promise<void> {
  try {
    await delay(options.ringDelayMs);
    call.status = 'ringing';
    await safely(call, () => dialect.status(call, 'ringing'));
    if (call.hangupRequested) return await end(call, dialect, 'canceled');
    const fate = call.script.answer;
    if (fate !== 'answer') return await end(call, dialect, fate);
    call.answeredAt = Date.now();
    call.status = 'in-progress';
    await safely(call, () => dialect.status(call, 'in-progress'));
    await runDocument(call, dialect, options);
    call.durationSeconds = (call.turns + 1) * call.script.secondsPerTurn;
    if (call.record) await safely(call, () => dialect.recording(call));
    await end(call, dialect, 'completed');
  } catch (err) {
    options.logger?.error({ err, call_sid: call.sid }, 'emulator: call playback failed');
    if (call.endedAt === undefined) call.endedAt = Date.now();
  }
}

async function runDocument(call: EmulatedCall, dialect: CallDialect, options: PlayOptions): Promise<void> {
  let program: Program;
  try {
    program = call.inlineProgram ? [...call.inlineProgram] : await dialect.answer(call);
  } catch (err) {
    return appError(call, err);
  }
  while (!call.hangupRequested) {
    if (call.pendingRedirect || call.pendingProgram) {
      const url = call.pendingRedirect;
      program = call.pendingProgram ?? [];
      call.pendingRedirect = undefined;
      call.pendingProgram = undefined;
      if (url) program = (await fetchOr(call, () => dialect.redirect(call, url))) ?? [];
      continue;
    }
    const verb = program.shift();
    if (!verb) {
      call.endedBy ??= 'agent'; // the document ran out: the provider hangs up
      return;
    }
    const next = await step(call, dialect, verb, options);
    if (next === 'end') return;
    if (next !== null) program = next;
  }
  call.endedBy ??= 'api';
}

/** Runs one verb: a new program, null to go on, 'end' when the call is over. */
async function step(call: EmulatedCall, dialect: CallDialect, verb: Verb, options: PlayOptions): Promise<Program | null | 'end'> {
  switch (verb.kind) {
    case 'say':
      call.heard.push(verb.text);
      return null;
    case 'pause':
      return null;
    case 'gather': {
      call.heard.push(...verb.prompt);
      const input = nextInput(call);
      if (input === null) {
        call.endedBy = 'caller';
        return 'end';
      }
      call.turns += 1;
      call.said.push('digits' in input ? input.digits : 'speech' in input ? input.speech : '(silence)');
      return fetchOr(call, () => dialect.gather(call, verb, input));
    }
    case 'redirect':
      return fetchOr(call, () => dialect.redirect(call, verb.url));
    case 'dial': {
      call.dialled.push(verb.number);
      const answered = options.dialAnswers?.(verb.number) ?? call.script.dialAnswers;
      // A dialled party that answers talks for a turn; one that does not costs the caller none.
      if (answered) call.turns += 1;
      // Without an action URL the dial ends and the document goes on.
      return verb.actionUrl ? fetchOr(call, () => dialect.dialEnded(call, verb, answered)) : null;
    }
    case 'conference':
      await safely(call, async () => dialect.conference?.(call, verb));
      // Moved out of the room by the API (a failed transfer): the new document comes next.
      if (call.pendingRedirect !== undefined || call.pendingProgram !== undefined) return null;
      call.endedBy ??= 'agent';
      return 'end';
    case 'hangup':
      call.endedBy ??= 'agent';
      return 'end';
    case 'reject':
      call.endedBy ??= 'agent';
      call.status = verb.reason === 'busy' ? 'busy' : 'no-answer';
      return 'end';
    case 'stream':
      logEvent(call, { type: 'stream', url: verb.url, detail: 'media streams are not emulated; the call ends' });
      call.endedBy ??= 'agent';
      return 'end';
    case 'unknown':
      logEvent(call, { type: 'unknown-verb', detail: verb.name });
      return null;
  }
}

/** The caller's reply to the next gather, or null when the caller hangs up instead. */
function nextInput(call: EmulatedCall): CallerInput | null {
  const { script } = call;
  if (script.hangupAfterTurns !== undefined && call.turns >= script.hangupAfterTurns) return null;
  const scripted = script.inputs[call.turns];
  if (scripted) return scripted;
  return script.afterInputs === 'silence' ? { silence: true } : null;
}

const TERMINAL: readonly CallStatusWord[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

async function end(call: EmulatedCall, dialect: CallDialect, status: CallStatusWord): Promise<void> {
  // A <Reject> decided the status while the document ran.
  const final = status === 'completed' && TERMINAL.includes(call.status) ? call.status : status;
  call.status = final;
  call.endedAt = Date.now();
  call.endedBy ??= final === 'completed' ? 'agent' : 'provider';
  await safely(call, () => dialect.status(call, final));
}

async function fetchOr(call: EmulatedCall, fetch: () => Promise<Program | null>): Promise<Program | null> {
  try {
    return await fetch();
  } catch (err) {
    appError(call, err);
    return [{ kind: 'hangup' }];
  }
}

// What the providers do when the application fails: apologise and hang up.
function appError(call: EmulatedCall, err: unknown): void {
  const detail = err instanceof CallbackFailed ? err.message : err instanceof Error ? err.message : String(err);
  logEvent(call, { type: 'application-error', detail });
  call.heard.push('We are sorry, an application error has occurred. Goodbye.');
  call.endedBy ??= 'provider';
}

async function safely(call: EmulatedCall, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof CallbackFailed)) logEvent(call, { type: 'error', detail: err instanceof Error ? err.message : String(err) });
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

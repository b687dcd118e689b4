/**
 * The flow engine, independent of storage and transport: a turn takes a session and the state
 * before it and returns the state after it, what to say, what comes next, and the HTTP hook
 * requests the turn fired. The runner persists that; a test conversation only collects it.
 *
 * A driver per flow mode (`llm`, `ivr`); adding a mode fails to compile until it has one.
 * Anything a driver throws ends the conversation (PIPELINE_ERROR / IVR_EXCEPTION) rather than
 * leaving a caller in silence.
 */
import type { FlowMode } from '../domain/template/index.ts';
import { ivrDriver } from './ivr/ivr-driver.ts';
import { llmDriver } from './llm/llm-driver.ts';
import type { Session } from './session.ts';
import { newState, type ConversationState, type Ending, type ErrorRecord, type TemplateSnapshot } from './state.ts';
import { TurnContext, type HookRequest } from './turn-context.ts';
import type { GatherStep, NextStep, TurnInput, TurnOutput } from './turn.ts';

type Driver = {
  begin(turn: TurnContext): Promise<void>;
  respond(turn: TurnContext, input: TurnInput): Promise<void>;
  gather(turn: TurnContext): GatherStep;
};

const DRIVERS: Record<FlowMode, Driver> = { llm: llmDriver, ivr: ivrDriver };

export type StepResult = { state: ConversationState; output: TurnOutput; hooks: HookRequest[] };

/** What follows a turn whose conversation is over. */
export function endedStep(state: ConversationState): NextStep {
  const transfer = state.ending?.session_end_reason === 'TRANSFERRED' ? state.transfer_number : null;
  return transfer ? { kind: 'transfer', number: transfer } : { kind: 'hangup' };
}

async function run(turn: TurnContext, body: (driver: Driver) => Promise<void>): Promise<StepResult> {
  const mode = turn.flow.mode;
  const driver = DRIVERS[mode];
  try {
    await body(driver);
  } catch (err) {
    turn.error(`internal error: ${err instanceof Error ? err.message : String(err)}`, 'engine');
    turn.end(mode === 'ivr' ? 'IVR_EXCEPTION' : 'PIPELINE_ERROR', 'error');
  }
  const state = turn.state;
  const output: TurnOutput = { say: turn.say, next: turn.ended ? endedStep(state) : driver.gather(turn) };
  state.last_output = output;
  state.turn++;
  return { state, output, hooks: turn.hooks };
}

/** The call was answered: enter the flow (the greeting first). */
export function beginConversation(session: Session, template: TemplateSnapshot): Promise<StepResult> {
  const turn = new TurnContext(session, newState(template));
  return run(turn, (driver) => driver.begin(turn));
}

/** One caller turn. A conversation that is over answers with its ending again and changes nothing. */
export function continueConversation(session: Session, before: ConversationState, input: TurnInput): Promise<StepResult> {
  if (before.status === 'ended') return Promise.resolve({ state: before, output: { say: [], next: endedStep(before) }, hooks: [] });
  const turn = new TurnContext(session, structuredClone(before));
  return run(turn, (driver) => driver.respond(turn, input));
}

/**
 * Ends a running conversation from outside a turn: a caller hanging up in a test conversation,
 * or a turn the runner cannot even prepare.
 */
export function stopConversation(before: ConversationState, ending: Ending, error?: ErrorRecord): ConversationState {
  if (before.status === 'ended') return before;
  const state = structuredClone(before);
  state.status = 'ended';
  state.ending = ending;
  if (error) state.errors.push(error);
  state.last_output = { say: [], next: { kind: 'hangup' } };
  state.turn++;
  return state;
}

/** Why a transfer did not happen, as the transfer feature reports it (src/transfer). */
export type TransferFailure = { status: 'failed'; reason: string; message: string; error?: string };

/**
 * A warm transfer that failed after the conversation ended TRANSFERRED: the conversation
 * becomes active again where it was, the transfer function's result becomes the failure, the
 * caller hears the failure's message and the driver listens again. Null when the conversation
 * is not one waiting on a transfer (already resumed, or ended otherwise).
 */
export function resumeConversation(session: Session, before: ConversationState, failure: TransferFailure): StepResult | null {
  if (before.status !== 'ended' || before.ending?.session_end_reason !== 'TRANSFERRED') return null;
  const turn = new TurnContext(session, structuredClone(before));
  turn.state.status = 'active';
  turn.state.ending = null;
  turn.error(`warm transfer failed: ${failure.reason}${failure.error ? ` (${failure.error})` : ''}`, 'transfer');
  const call = turn.state.function_calls.at(-1);
  if (call) call.result = failure;
  turn.speak(failure.message);
  if (turn.flow.mode === 'llm') turn.state.history.push({ role: 'assistant', content: failure.message });
  const output: TurnOutput = { say: turn.say, next: DRIVERS[turn.flow.mode].gather(turn) };
  turn.state.last_output = output;
  turn.state.turn++;
  return { state: turn.state, output, hooks: [] };
}

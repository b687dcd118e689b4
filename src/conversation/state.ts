/**
 * The state of one conversation, kept as JSON in `call_attempts.conversation` so that any node
 * can serve the next turn. It is rewritten after every turn; `turn` counts the writes and is the
 * optimistic-concurrency check (a turn computed from turn n is saved only if the row still
 * holds turn n).
 *
 *   active ──end_conversation / warm_transfer / idle limit / IVR end / error──▶ ended
 *
 * A call that ends under an active conversation (the caller hung up) leaves it active: the
 * transport reads that from `summarize()` and records the hang-up with the provider's facts.
 *
 * When the attempt finishes, finishAttempt replaces the column with the ConversationSummary,
 * which has no `engine` mark: a conversation read back without the mark is over.
 */
import type { CallEndedBy, ConversationSummary } from '../calls/attempts.ts';
import type { SessionEndReason } from '../domain/outcome.ts';
import type { TranscriptEntry } from '../domain/lead.ts';
import type { Flow, TemplateConfigurations } from '../domain/template/index.ts';
import type { ChatMessage } from './llm/chat-types.ts';
import type { TurnOutput } from './turn.ts';

export const ENGINE_MARK = 'buddy-conversation/1';

export type FunctionCallRecord = {
  name: string;
  arguments: Record<string, unknown>;
  node: string;
  at: string;
  /** What the function answered the LLM (HTTP functions, errors); absent for plain transitions. */
  result?: unknown;
};

export type ErrorRecord = { at: string; message: string; source: string };

export type Ending = { session_end_reason: SessionEndReason; call_ended_by: CallEndedBy };

/** What a call runs, frozen when it is answered: a template edited mid-call applies to the next call. */
export type TemplateSnapshot = {
  id: string;
  flow: Flow;
  configurations: TemplateConfigurations;
  expected_callback_response_schema: Record<string, unknown> | null;
};

export type ConversationState = {
  engine: typeof ENGINE_MARK;
  status: 'active' | 'ended';
  turn: number;
  template: TemplateSnapshot;
  node: string;
  ending: Ending | null;
  agent_outcome: string | null;
  agent_outcome_source: 'LLM' | 'IVR' | null;
  transfer_number: string | null;
  /** Consecutive turns without input (LLM idle handling, IVR retries). */
  silent_turns: number;
  /** LLM mode: the dialogue sent to the model (system messages are rebuilt every turn). */
  history: ChatMessage[];
  /** LLM mode: the node whose post_actions already ran in this visit. */
  post_actions_done: boolean;
  /** IVR mode: nodes to return to with "back"; steps counts node entries for the loop guard. */
  back_stack: string[];
  steps: number;
  transcription: TranscriptEntry[];
  node_traversal: string[];
  /** When each node was entered; absent in states saved before it was kept (turn-context.ts adds it). */
  node_entries?: { node: string; at: string }[];
  function_calls: FunctionCallRecord[];
  collected_fields: Record<string, unknown>;
  errors: ErrorRecord[];
  dtmf_inputs: { node: string; digits: string; at: string }[];
  unresolved_variables: string[];
  /** Replayed when a transport repeats a request (a duplicate answer webhook). */
  last_output: TurnOutput | null;
};

export function newState(template: TemplateSnapshot): ConversationState {
  return {
    engine: ENGINE_MARK,
    status: 'active',
    turn: 0,
    template,
    node: template.flow.initial_node,
    ending: null,
    agent_outcome: null,
    agent_outcome_source: null,
    transfer_number: null,
    silent_turns: 0,
    history: [],
    post_actions_done: false,
    back_stack: [],
    steps: 0,
    transcription: [],
    node_traversal: [],
    node_entries: [],
    function_calls: [],
    collected_fields: {},
    errors: [],
    dtmf_inputs: [],
    unresolved_variables: [],
    last_output: null,
  };
}

export function isEngineState(value: unknown): value is ConversationState {
  return value !== null && typeof value === 'object' && (value as { engine?: unknown }).engine === ENGINE_MARK;
}

/** What the transport reads when the call has ended (src/telephony/conversation-port.ts has the same shape). */
export type ConversationReport = {
  summary: ConversationSummary;
  /** How the conversation ended on its own; null when the call ended under it. */
  ending: Ending | null;
  agent_outcome: string | null;
  agent_outcome_source: 'LLM' | 'IVR' | 'OBSERVER' | null;
  /** The caller said or pressed something at least once. */
  user_spoke: boolean;
};

export function reportOf(state: ConversationState): ConversationReport {
  return {
    summary: summaryOf(state),
    ending: state.status === 'ended' ? state.ending : null,
    agent_outcome: state.agent_outcome,
    agent_outcome_source: state.agent_outcome_source,
    user_spoke: state.transcription.some((entry) => entry.role === 'user'),
  };
}

/** The part of the state that outlives the call: merged into the lead's metaData by finishAttempt. */
export function summaryOf(state: ConversationState): ConversationSummary {
  return {
    transcription: state.transcription,
    node_traversal: state.node_traversal,
    ...(state.node_entries ? { node_entries: state.node_entries } : {}),
    function_calls: state.function_calls,
    collected_fields: state.collected_fields,
    errors: state.errors,
    ...(state.template.flow.mode === 'ivr' || state.dtmf_inputs.length > 0 ? { dtmf_inputs: state.dtmf_inputs } : {}),
    ...(state.transfer_number ? { transfer_number: state.transfer_number } : {}),
  };
}

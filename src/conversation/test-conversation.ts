/**
 * Template tests: runs a template in text, in memory, with scripted caller turns and, if given,
 * scripted LLM replies (otherwise the configured LLM). Nothing is stored and nothing is sent:
 * HTTP hooks are returned as the requests that would be queued; HTTP functions answer from
 * `function_responses`, or are really called only with `call_http_functions`. Secrets are
 * redacted from everything returned.
 */
import type { Template } from '../db/repos/templates.ts';
import { NO_FACTS, outcomeOf } from '../domain/outcome.ts';
import { redactSecrets } from '../domain/variables.ts';
import { beginConversation, continueConversation, stopConversation, type StepResult } from './engine.ts';
import { createScriptedLlm, type ScriptedReply } from './llm/scripted-llm.ts';
import { createSession, realHttpCaller, snapshotTemplate, type SessionDeps } from './session-factory.ts';
import type { HttpFunctionCaller, RuntimeContext } from './session.ts';
import { reportOf, type ConversationState } from './state.ts';
import type { HookRequest } from './turn-context.ts';
import type { TurnInput, TurnOutput } from './turn.ts';

export type ScriptedTurn = { say: string } | { dtmf: string } | { no_input: true } | { hangup: true };

export type TestConversationRequest = {
  template: Template;
  payload: Record<string, unknown>;
  credentials: Record<string, unknown>;
  context?: Partial<Omit<RuntimeContext, 'order_id'>>;
  turns: ScriptedTurn[];
  llmReplies?: ScriptedReply[];
  functionResponses?: Record<string, unknown>;
  callHttpFunctions: boolean;
};

export type TestTurn = { input: TurnInput | { kind: 'answer' } | { kind: 'hangup' }; output: TurnOutput };

function inputOf(turn: Exclude<ScriptedTurn, { hangup: true }>): TurnInput {
  if ('say' in turn) return { kind: 'speech', text: turn.say };
  if ('dtmf' in turn) return { kind: 'dtmf', digits: turn.dtmf };
  return { kind: 'no_input' };
}

function httpCaller(deps: SessionDeps, req: TestConversationRequest): HttpFunctionCaller {
  const real = req.callHttpFunctions ? realHttpCaller(deps.guarded) : null;
  return async (call) => {
    const scripted = req.functionResponses;
    if (scripted && Object.hasOwn(scripted, call.functionName)) {
      return { status: 200, body: JSON.stringify(scripted[call.functionName]), truncated: false };
    }
    if (real) return real(call);
    throw new Error('not called in a test conversation: give its answer in function_responses, or set call_http_functions');
  };
}

export async function runTestConversation(deps: SessionDeps, req: TestConversationRequest) {
  const requestId = req.context?.request_id ?? 'test-conversation';
  const context: RuntimeContext = {
    lead_id: req.context?.lead_id ?? 'test-lead',
    order_id: requestId,
    request_id: requestId,
    call_sid: req.context?.call_sid ?? null,
    attempt_count: req.context?.attempt_count ?? 1,
  };
  const llm = req.llmReplies ? createScriptedLlm(req.llmReplies) : undefined;
  const session = createSession(deps, {
    template: snapshotTemplate(req.template),
    secrets: req.template.secrets,
    credentials: req.credentials,
    payload: req.payload,
    context,
    ...(llm ? { llm } : {}),
    callHttp: httpCaller(deps, req),
  });
  const redact = <T>(value: T): T => JSON.parse(redactSecrets(JSON.stringify(value), session.secretValues)) as T;

  const turns: TestTurn[] = [];
  const hooks: HookRequest[] = [];
  const record = (input: TestTurn['input'], step: StepResult): ConversationState => {
    turns.push({ input, output: redact(step.output) });
    hooks.push(...step.hooks);
    return step.state;
  };
  let state = record({ kind: 'answer' }, await beginConversation(session, snapshotTemplate(req.template)));
  for (const scripted of req.turns) {
    if (state.status === 'ended') break;
    if ('hangup' in scripted) {
      state = stopConversation(state, { session_end_reason: 'CUSTOMER_HANGUP', call_ended_by: 'customer' });
      turns.push({ input: { kind: 'hangup' }, output: { say: [], next: { kind: 'hangup' } } });
      break;
    }
    const input = inputOf(scripted);
    state = record(input, await continueConversation(session, state, input));
  }

  const report = reportOf(state);
  // As the status callback would decide it: a conversation still running when the script ends
  // counts as cut off by the caller.
  const sessionEnd = report.ending?.session_end_reason ?? (report.user_spoke ? 'CUSTOMER_HANGUP' : 'EARLY_HANGUP');
  const facts = { ...NO_FACTS, platform_status: 'INITIATED', provider_status: 'ANSWERED', provider_reason: 'COMPLETED' } as const;
  return {
    mode: state.template.flow.mode,
    ended: state.status === 'ended',
    session_end_reason: sessionEnd,
    call_ended_by: report.ending?.call_ended_by ?? 'customer',
    agent_outcome: state.agent_outcome,
    agent_outcome_source: state.agent_outcome_source,
    outcome: outcomeOf({ ...facts, session_end_reason: sessionEnd, agent_outcome: state.agent_outcome, agent_outcome_source: state.agent_outcome_source }),
    transcription: state.transcription,
    node_traversal: state.node_traversal,
    function_calls: state.function_calls,
    collected_fields: state.collected_fields,
    dtmf_inputs: state.dtmf_inputs,
    transfer_number: state.transfer_number,
    hook_requests: redact(hooks),
    errors: state.errors,
    unresolved_variables: state.unresolved_variables,
    turns,
    llm_requests: llm?.requests.length ?? null,
  };
}

export type TestConversationResult = Awaited<ReturnType<typeof runTestConversation>>;

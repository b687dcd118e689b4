/**
 * LLM mode. A turn: the caller's words go into the dialogue, then the model is asked, with the
 * current node's messages and tools, until it answers without calling a function (at most
 * MAX_ROUNDS requests per turn). Function calls run in order; a transition enters the next node
 * and the model speaks again from there.
 *
 * After the first reply in a node that calls no function, the node's `post_actions` run (so a
 * farewell node with `post_actions: [end_conversation]` says goodbye, then hangs up). A node that
 * offers no functions at all (none of its own, no global ones) is a last node: the call ends
 * once its reply is spoken.
 *
 * Silence (user idle, reference §14.7): each turn without input counts; while the count is at
 * most `max_retries` (default 3) the `idle_message` is spoken, if one is set and `enabled` is not
 * false; the next silence ends the call with USER_IDLE_TIMEOUT (outcome BUSY, so it is retried).
 * The limit applies even when `enabled` is false: in a say/gather loop an unbounded wait would
 * hold the line open forever.
 */
import type { TurnContext } from '../turn-context.ts';
import type { GatherStep, TurnInput } from '../turn.ts';
import { runActions } from './actions.ts';
import { callFunction } from './function-call.ts';
import { enterNode, findNode, llmFlowOf, messagesFor, offeredFunctions, toolOf } from './nodes.ts';

export const MAX_ROUNDS = 6;
export const IDLE_TIMEOUT_DEFAULT_S = 5;
export const IDLE_MAX_RETRIES_DEFAULT = 3;

function sayAsAgent(turn: TurnContext, template: string): void {
  const text = turn.text(template);
  turn.speak(text);
  turn.state.history.push({ role: 'assistant', content: text });
}

async function runModel(turn: TurnContext): Promise<void> {
  const llm = turn.session.llm;
  for (let round = 0; round < MAX_ROUNDS && !turn.ended; round++) {
    const node = findNode(turn, turn.state.node);
    if (!node) {
      turn.error(`no node named "${turn.state.node}"`, 'flow');
      turn.end('PIPELINE_ERROR', 'error');
      return;
    }
    const offered = offeredFunctions(turn, node);
    let reply;
    try {
      reply = await llm.complete({ messages: messagesFor(turn, node), tools: offered.map(toolOf) });
    } catch (err) {
      turn.error(err instanceof Error ? err.message : String(err), 'llm');
      turn.end('PIPELINE_ERROR', 'error');
      return;
    }
    const content = reply.content !== null && reply.content.trim() !== '' ? reply.content : null;
    if (content !== null) turn.speak(content);
    const calls = reply.tool_calls;
    // An empty reply is not kept: chat APIs refuse an assistant message with neither content nor calls.
    if (content !== null || calls.length > 0) turn.state.history.push({ role: 'assistant', content, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    if (calls.length === 0) {
      if (!turn.state.post_actions_done) {
        turn.state.post_actions_done = true;
        runActions(turn, node.post_actions);
      }
      if (!turn.ended && offered.length === 0) turn.end('AGENT_ENDED', 'agent');
      return;
    }
    for (const call of calls) {
      const result = turn.ended ? { error: 'conversation_ended' } : await callFunction(turn, offered, call);
      turn.state.history.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  if (!turn.ended) {
    turn.error(`the LLM called functions ${MAX_ROUNDS} times in one turn without answering`, 'llm');
    turn.end('PIPELINE_ERROR', 'error');
  }
}

function idle(turn: TurnContext): void {
  const config = turn.configurations.user_idle_configuration ?? {};
  turn.state.silent_turns++;
  if (turn.state.silent_turns > (config.max_retries ?? IDLE_MAX_RETRIES_DEFAULT)) {
    turn.end('USER_IDLE_TIMEOUT', 'timeout');
    return;
  }
  if (config.enabled !== false && config.idle_message) sayAsAgent(turn, config.idle_message);
}

export const llmDriver = {
  async begin(turn: TurnContext): Promise<void> {
    const greeting = turn.configurations.initial_greeting;
    if (greeting) sayAsAgent(turn, greeting);
    enterNode(turn, llmFlowOf(turn).initial_node);
    // With a greeting the caller speaks next; without one the model opens the conversation.
    if (!turn.ended && !greeting) await runModel(turn);
  },

  async respond(turn: TurnContext, input: TurnInput): Promise<void> {
    const text = input.kind === 'speech' ? input.text.trim() : input.kind === 'dtmf' ? input.digits.trim() : '';
    if (text === '') {
      idle(turn);
      return;
    }
    turn.state.silent_turns = 0;
    if (input.kind === 'dtmf') turn.state.dtmf_inputs.push({ node: turn.state.node, digits: text, at: turn.at() });
    turn.heard(text);
    turn.state.history.push({ role: 'user', content: text });
    await runModel(turn);
  },

  gather(turn: TurnContext): GatherStep {
    const timeout = turn.configurations.user_idle_configuration?.timeout ?? IDLE_TIMEOUT_DEFAULT_S;
    return { kind: 'gather', input: ['speech', 'dtmf'], timeoutSeconds: timeout };
  },
};

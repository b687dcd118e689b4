/**
 * Nodes of an LLM flow: entering one (traversal, `pre_actions`), and what the model is given
 * while the conversation is in it: the persona (`role_messages` of the latest visited node that
 * has any, so a persona set once carries on), the node's `task_messages`, then the dialogue; and
 * as tools, the node's functions plus the global functions.
 */
import type { FlowFunction, FlowNode, LlmFlow } from '../../domain/template/index.ts';
import type { TurnContext } from '../turn-context.ts';
import { runActions } from './actions.ts';
import type { ChatMessage, ToolDefinition } from './chat-types.ts';

export function llmFlowOf(turn: TurnContext): LlmFlow {
  const flow = turn.flow;
  if (flow.mode !== 'llm') throw new Error(`an LLM driver cannot run a ${flow.mode} flow`);
  return flow;
}

export function findNode(turn: TurnContext, name: string): FlowNode | undefined {
  return llmFlowOf(turn).nodes.find((n) => n.node_name === name);
}

export function enterNode(turn: TurnContext, name: string): void {
  const node = findNode(turn, name);
  if (!node) {
    turn.error(`no node named "${name}"`, 'flow');
    turn.end('PIPELINE_ERROR', 'error');
    return;
  }
  turn.visit(name);
  turn.state.post_actions_done = false;
  runActions(turn, node.pre_actions);
}

export function offeredFunctions(turn: TurnContext, node: FlowNode): FlowFunction[] {
  return [...node.functions, ...llmFlowOf(turn).global_functions];
}

export function toolOf(fn: FlowFunction): ToolDefinition {
  return {
    type: 'function',
    function: {
      name: fn.name,
      description: fn.description ?? '',
      parameters: { type: 'object', properties: fn.properties, required: fn.required },
    },
  };
}

export function messagesFor(turn: TurnContext, node: FlowNode): ChatMessage[] {
  const visited = turn.state.node_traversal;
  let persona: FlowNode | undefined;
  for (let i = visited.length - 1; i >= 0 && !persona; i--) {
    const candidate = findNode(turn, visited[i]!);
    if (candidate && candidate.role_messages.length > 0) persona = candidate;
  }
  const instructions = [...(persona?.role_messages ?? []), ...node.task_messages].map((m): ChatMessage => {
    const content = turn.text(m.content);
    return m.role === 'assistant' ? { role: 'assistant', content } : { role: m.role, content };
  });
  return [...instructions, ...turn.state.history];
}

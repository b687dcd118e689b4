/**
 * One function call from the LLM: find the function among those offered in the current node,
 * validate its arguments against `properties` / `required`, fire its hooks, call its endpoint
 * (HTTP functions), run its `post_actions`, and move to `transition_to` (or stay). The return
 * value is the tool result the LLM sees next.
 */
import { compilePayloadValidator, type FlowFunction } from '../../domain/template/index.ts';
import type { TurnContext } from '../turn-context.ts';
import type { FunctionCallRecord } from '../state.ts';
import type { ToolCall } from './chat-types.ts';
import { runActions } from './actions.ts';
import { runHooks } from './hooks.ts';
import { callHttpFunction } from './http-function.ts';
import { enterNode } from './nodes.ts';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function parseArguments(raw: string): Record<string, unknown> | null {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function argumentIssues(fn: FlowFunction, args: Record<string, unknown>): { path: string; message: string }[] {
  const schema = { type: 'object', properties: fn.properties, required: fn.required };
  return compilePayloadValidator(schema, { locPrefix: [] })(args).map((i) => ({ path: i.loc.join('.'), message: i.msg }));
}

export async function callFunction(turn: TurnContext, offered: readonly FlowFunction[], call: ToolCall): Promise<unknown> {
  const name = call.function.name;
  const fn = offered.find((f) => f.name === name);
  if (!fn) {
    turn.error(`the LLM called unknown function "${name}"`, 'function');
    return { error: 'unknown_function', message: `no function named "${name}" here; use one of: ${offered.map((f) => f.name).join(', ')}` };
  }
  const args = parseArguments(call.function.arguments);
  const record: FunctionCallRecord = { name, arguments: turn.redactValue(args ?? {}), node: turn.state.node, at: turn.at() };
  turn.state.function_calls.push(record);
  if (args === null) {
    record.result = { error: 'invalid_arguments', message: 'arguments must be a JSON object' };
    turn.error(`function ${name}: arguments are not a JSON object`, 'function');
    return record.result;
  }
  const issues = argumentIssues(fn, args);
  if (issues.length > 0) {
    record.result = { error: 'invalid_arguments', message: 'the arguments do not match the function parameters', details: issues };
    turn.error(`function ${name}: invalid arguments (${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')})`, 'function');
    return record.result;
  }

  runHooks(turn, fn, args);
  let result: unknown = { status: 'ok' };
  if (fn.http_request) {
    result = await callHttpFunction(turn, fn, args);
    record.result = turn.redactValue(result);
  }
  const actions = runActions(turn, fn.post_actions);
  if (actions.transferFailed) {
    result = actions.transferFailed;
    record.result = result;
  }
  if (!turn.ended && fn.transition_to) enterNode(turn, fn.transition_to);
  return result;
}

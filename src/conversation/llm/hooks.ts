/**
 * Hooks of a called function, in order: the built-ins first (they change the call's own
 * record), then the HTTP hooks, so that an HTTP hook's `{outcome}` sees the outcome the same
 * function just set. HTTP hooks are only rendered here; the runner queues them in the outbox in
 * the transaction that saves the turn, so they never delay the conversation and are not lost.
 *
 * Field sources (`expected_fields`):
 *   static   the value, with its placeholders substituted;
 *   llm      the function argument named by `value` (default: the field's own name);
 *   context  the runtime variable, payload field or template configuration key named by `value`
 *            (in that priority order). Secrets and credentials are not a context: a hook field is
 *            stored on the lead, where a secret must never end up.
 */
import type { ExpectedField, FlowFunction, Hook } from '../../domain/template/index.ts';
import { substitute, VARIABLE_NAME } from '../../domain/variables.ts';
import { renderHttpRequest } from '../http-request.ts';
import type { TurnContext } from '../turn-context.ts';

/** Outcomes are stored in a varchar(50) column (reference §11.2). */
const OUTCOME_MAX = 50;

type Resolved = { found: true; value: unknown } | { found: false };

function contextValue(turn: TurnContext, name: string): Resolved {
  if (!VARIABLE_NAME.test(name)) return { found: false };
  const pool = new Map<string, unknown>([
    ...Object.entries(turn.configurations),
    ...Object.entries(turn.session.sources.payload),
    ...Object.entries({ ...turn.session.context, outcome: turn.state.agent_outcome }),
  ]);
  let found = true;
  const value = substitute(`{${name}}`, pool, { onUnknown: () => (found = false) });
  return found ? { found: true, value } : { found: false };
}

function resolveField(turn: TurnContext, field: string, spec: ExpectedField, args: Record<string, unknown>): Resolved {
  switch (spec.source) {
    case 'static':
      return { found: true, value: turn.render(spec.value, args).value };
    case 'llm': {
      const name = spec.value ?? field;
      return Object.hasOwn(args, name) ? { found: true, value: args[name] } : { found: false };
    }
    case 'context':
      return contextValue(turn, spec.value);
  }
}

function updateOutcome(turn: TurnContext, hook: Hook, args: Record<string, unknown>): void {
  for (const [field, spec] of Object.entries(hook.expected_fields)) {
    const resolved = resolveField(turn, field, spec, args);
    if (!resolved.found) {
      // An optional argument the LLM left out is normal; a missing context key is a template bug.
      if (spec.source === 'context') turn.error(`${hook.name}: no context value "${spec.value}" for field "${field}"`, 'hook');
      continue;
    }
    if (field === 'outcome') {
      const word = typeof resolved.value === 'string' ? resolved.value : JSON.stringify(resolved.value);
      turn.state.agent_outcome = word.slice(0, OUTCOME_MAX);
      turn.state.agent_outcome_source = 'LLM';
    } else {
      turn.state.collected_fields[field] = turn.redactValue(resolved.value);
    }
  }
}

function setTransferFlag(turn: TurnContext, hook: Hook, args: Record<string, unknown>): void {
  const spec = hook.expected_fields['transfer_number'];
  const resolved = spec ? resolveField(turn, 'transfer_number', spec, args) : { found: false as const };
  const fallback = turn.configurations.transfer_number;
  const number = resolved.found ? String(resolved.value ?? '').trim() : fallback ? turn.text(fallback).trim() : '';
  if (number === '') {
    turn.error(`${hook.name}: no transfer number (expected_fields.transfer_number or configurations.transfer_number)`, 'hook');
    return;
  }
  turn.state.transfer_number = number;
}

export function runHooks(turn: TurnContext, fn: FlowFunction, args: Record<string, unknown>): void {
  for (const hook of fn.hooks) {
    if (hook.name === 'update_outcome_in_database') updateOutcome(turn, hook, args);
    else if (hook.name === 'set_transfer_flag') setTransferFlag(turn, hook, args);
  }
  for (const hook of fn.hooks) {
    if (!hook.http_request) continue;
    const rendered = renderHttpRequest(hook.http_request, turn.variables(args), args);
    if (!rendered.ok) {
      turn.error(`hook ${hook.name} not sent: ${rendered.reason}`, 'hook');
      continue;
    }
    turn.hooks.push({ hook: hook.name, function: fn.name, ...rendered.request });
  }
}

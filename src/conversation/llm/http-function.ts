/**
 * HTTP functions: a function with an `http_request` calls its endpoint and waits (bounded by
 * the request's `timeout`) while the caller hears nothing. Whatever happens, the LLM gets an
 * answer it can act on: the endpoint's JSON (checked against the template's
 * `expected_callback_response_schema`), or `{"error": …}` describing what went wrong, and the
 * call goes on.
 */
import type { FlowFunction } from '../../domain/template/index.ts';
import { compilePayloadValidator } from '../../domain/template/index.ts';
import { OutboundError } from '../../delivery/outbound-errors.ts';
import { renderHttpRequest } from '../http-request.ts';
import type { TurnContext } from '../turn-context.ts';

export type FunctionError = { error: string; message: string; [detail: string]: unknown };

const failure = (turn: TurnContext, fn: FlowFunction, error: string, message: string, extra: Record<string, unknown> = {}): FunctionError => {
  turn.error(`function ${fn.name}: ${message}`, 'http_function');
  return { error, message, ...extra };
};

export async function callHttpFunction(turn: TurnContext, fn: FlowFunction, args: Record<string, unknown>): Promise<unknown> {
  const config = fn.http_request!;
  const rendered = renderHttpRequest(config, turn.variables(args), args);
  if (!rendered.ok) return failure(turn, fn, 'request_not_sent', rendered.reason);

  let answer;
  try {
    answer = await turn.session.callHttp({ functionName: fn.name, request: rendered.request, timeoutMs: config.timeout * 1000 });
  } catch (err) {
    const kind = err instanceof OutboundError ? err.kind : 'other';
    const message = err instanceof Error ? err.message : String(err);
    return failure(turn, fn, kind === 'timeout' ? 'timeout' : 'request_failed', message);
  }
  if (answer.status < 200 || answer.status >= 300) {
    return failure(turn, fn, 'http_status', `the endpoint answered HTTP ${answer.status}`, { status: answer.status });
  }
  if (answer.truncated) return failure(turn, fn, 'response_too_large', 'the answer is larger than the engine reads');

  let data: unknown;
  try {
    data = answer.body.trim() === '' ? null : JSON.parse(answer.body);
  } catch {
    return failure(turn, fn, 'invalid_json', 'the answer is not JSON');
  }
  const schema = turn.state.template.expected_callback_response_schema;
  if (schema) {
    const issues = compilePayloadValidator(schema, { locPrefix: [] })(data);
    if (issues.length > 0) {
      const details = issues.map((i) => ({ path: i.loc.join('.'), message: i.msg }));
      return failure(turn, fn, 'invalid_response', 'the answer does not match expected_callback_response_schema', { details });
    }
  }
  return data;
}

/**
 * Builds a Session from a template and a lead's data. Shared by the runner (data from the
 * database) and test conversations (data from the request).
 */
import type { LlmConfig } from '../config/config.ts';
import type { Template } from '../db/repos/templates.ts';
import { templateConfigurationsSchema } from '../domain/template/configurations-schema.ts';
import { flowSchema } from '../domain/template/template-schema.ts';
import { buildVariablePool, secretValuesOf } from '../domain/variables.ts';
import type { HttpPort } from './http-port.ts';
import type { LlmClient } from './llm/chat-types.ts';
import { llmClientFor } from './llm/llm-config.ts';
import type { HttpFunctionCaller, RuntimeContext, Session } from './session.ts';
import type { TemplateSnapshot } from './state.ts';

export type SessionDeps = { llmEnv: LlmConfig; guarded: HttpPort; trusted: HttpPort; now?: () => number };

export type SessionInput = {
  template: TemplateSnapshot;
  secrets: Record<string, unknown>;
  credentials: Record<string, unknown>;
  payload: Record<string, unknown>;
  context: RuntimeContext;
  /** Test conversations script these two; calls use the configured LLM and the real endpoints. */
  llm?: LlmClient;
  callHttp?: HttpFunctionCaller;
};

/**
 * The template as a call runs it. The stored document passed validation when it was saved, so
 * parsing only fills in defaults; `configurations_override` (playground leads) replaces keys.
 */
export function snapshotTemplate(template: Template, override: Record<string, unknown> | null = null): TemplateSnapshot {
  return {
    id: template.id,
    flow: flowSchema.parse(template.flow),
    configurations: templateConfigurationsSchema.parse({ ...template.configurations, ...override }),
    expected_callback_response_schema: template.expected_callback_response_schema,
  };
}

export function realHttpCaller(port: HttpPort): HttpFunctionCaller {
  return ({ request, timeoutMs }) =>
    port({
      url: request.url,
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      timeoutMs,
    });
}

export function createSession(deps: SessionDeps, input: SessionInput): Session {
  const sources = { credentials: input.credentials, secrets: input.secrets, payload: input.payload };
  const pool = buildVariablePool({ ...sources, context: { ...input.context } });
  const llm =
    input.llm ??
    llmClientFor({ configurations: input.template.configurations, pool, env: deps.llmEnv, guarded: deps.guarded, trusted: deps.trusted });
  return {
    sources,
    context: input.context,
    secretValues: secretValuesOf(sources),
    llm,
    callHttp: input.callHttp ?? realHttpCaller(deps.guarded),
    now: deps.now ?? Date.now,
  };
}

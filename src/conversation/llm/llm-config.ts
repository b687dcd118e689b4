/**
 * Which chat-completions endpoint a call uses: the template's `llm_configurations` field by
 * field over the deployment's LLM_BASE_URL / LLM_API_KEY / LLM_MODEL. A template that names its
 * own `base_url` is reached through the SSRF-guarded client and never receives the
 * deployment's LLM_API_KEY (only its own `api_key`, usually a `{secret}` placeholder).
 */
import type { LlmConfig } from '../../config/config.ts';
import type { TemplateConfigurations } from '../../domain/template/index.ts';
import { substitute } from '../../domain/variables.ts';
import type { HttpPort } from '../http-port.ts';
import { createChatCompletionsClient } from './chat-completions.ts';
import { LlmError, type LlmClient } from './chat-types.ts';

export type LlmResolution = {
  configurations: TemplateConfigurations;
  pool: Map<string, unknown>;
  env: LlmConfig;
  guarded: HttpPort;
  trusted: HttpPort;
};

/** A client whose every request fails with `problem`, so the conversation records why. */
function unavailable(problem: string): LlmClient {
  return { complete: () => Promise.reject(new LlmError(problem)) };
}

export function llmClientFor({ configurations, pool, env, guarded, trusted }: LlmResolution): LlmClient {
  const own = configurations.llm_configurations ?? {};
  const missing: string[] = [];
  const render = (text: string): string => String(substitute(text, pool, { onUnknown: (n) => missing.push(n) }));
  const baseUrl = own.base_url !== undefined ? render(own.base_url) : env.baseUrl;
  const apiKey = own.api_key !== undefined ? render(own.api_key) : own.base_url === undefined ? env.apiKey : undefined;
  const model = own.model ?? env.model;
  if (missing.length > 0) return unavailable(`llm_configurations uses unknown variables ${missing.map((n) => `{${n}}`).join(', ')}`);
  if (!baseUrl || !model) {
    return unavailable('no LLM is configured: set LLM_BASE_URL and LLM_MODEL, or configurations.llm_configurations');
  }
  return createChatCompletionsClient({
    baseUrl,
    model,
    ...(apiKey ? { apiKey } : {}),
    ...(own.temperature !== undefined ? { temperature: own.temperature } : {}),
    timeoutMs: env.timeoutMs,
    port: own.base_url !== undefined ? guarded : trusted,
  });
}

/**
 * A client for any OpenAI-compatible chat-completions endpoint with tool calling
 * (`POST {base_url}/chat/completions`). Only the fields the engine needs are read from the
 * answer; anything else a vendor adds is ignored.
 */
import { z } from 'zod';
import type { HttpPort } from '../http-port.ts';
import { LlmError, type ChatReply, type ChatRequest, type LlmClient } from './chat-types.ts';

export type ChatCompletionsOptions = {
  baseUrl: string;
  model: string;
  apiKey?: string;
  temperature?: number;
  timeoutMs: number;
  port: HttpPort;
};

const answerSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().min(1),
                function: z.object({ name: z.string().min(1), arguments: z.string().default('{}') }),
              }),
            )
            .nullish(),
        }),
      }),
    )
    .min(1),
});

export function createChatCompletionsClient(options: ChatCompletionsOptions): LlmClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    async complete(request: ChatRequest): Promise<ChatReply> {
      const body = {
        model: options.model,
        messages: request.messages,
        ...(request.tools.length > 0 ? { tools: request.tools, tool_choice: 'auto' } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      };
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;
      let answer;
      try {
        answer = await options.port({ url, method: 'POST', headers, body: JSON.stringify(body), timeoutMs: options.timeoutMs });
      } catch (err) {
        throw new LlmError(`chat completions request failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (answer.status < 200 || answer.status >= 300) {
        throw new LlmError(`chat completions answered HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
      }
      if (answer.truncated) throw new LlmError('chat completions answer is too large');
      let parsed;
      try {
        parsed = answerSchema.parse(JSON.parse(answer.body));
      } catch (err) {
        throw new LlmError('chat completions answer is not a chat.completion object', { cause: err });
      }
      const message = parsed.choices[0]!.message;
      return {
        content: message.content ?? null,
        tool_calls: (message.tool_calls ?? []).map((c) => ({ id: c.id, type: 'function' as const, function: c.function })),
      };
    },
  };
}

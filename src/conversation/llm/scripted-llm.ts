/**
 * Stands in for the LLM in test conversations: each request takes the next scripted reply.
 * When the script runs out the conversation ends with PIPELINE_ERROR, which the test shows.
 */
import { LlmError, type ChatReply, type ChatRequest, type LlmClient } from './chat-types.ts';

export type ScriptedReply = {
  content?: string | null;
  tool_calls?: { name: string; arguments?: Record<string, unknown> | string }[];
};

export function createScriptedLlm(replies: readonly ScriptedReply[]): LlmClient & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    requests,
    async complete(request: ChatRequest): Promise<ChatReply> {
      const reply = replies[requests.length];
      requests.push(request);
      if (!reply) throw new LlmError(`the scripted LLM replies ran out (the model was asked ${requests.length} times)`);
      return {
        content: reply.content ?? null,
        tool_calls: (reply.tool_calls ?? []).map((call, i) => ({
          id: `call_${requests.length}_${i + 1}`,
          type: 'function',
          function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}) },
        })),
      };
    },
  };
}

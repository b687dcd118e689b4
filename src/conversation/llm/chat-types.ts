/**
 * The OpenAI chat-completions wire format, as far as the engine uses it: messages with tool
 * calls and tool results, and function tools described by JSON Schema.
 */
export type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export type ToolDefinition = {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
};

export type ChatRequest = { messages: ChatMessage[]; tools: ToolDefinition[] };

export type ChatReply = { content: string | null; tool_calls: ToolCall[] };

/** One chat-completions endpoint (or a script standing in for one). */
export interface LlmClient {
  complete(request: ChatRequest): Promise<ChatReply>;
}

/** The LLM could not give a usable reply; the conversation ends with PIPELINE_ERROR. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
}

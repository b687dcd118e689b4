/**
 * What a turn needs besides the conversation state: the variable sources, the secrets to keep
 * out of transcripts, and the outside world (the LLM, HTTP functions, the clock). The runner
 * loads a session from the database for every turn; a test conversation builds one in memory.
 */
import type { LlmClient } from './llm/chat-types.ts';

/** Runtime variables, highest priority after a function's own arguments. */
export type RuntimeContext = {
  lead_id: string;
  order_id: string;
  request_id: string;
  call_sid: string | null;
  attempt_count: number;
};

/** A request with its placeholders substituted, ready to send (or to show in a test conversation). */
export type RenderedRequest = {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** A JSON value; absent for GET and DELETE. */
  body?: unknown;
};

/** An HTTP function's endpoint answered (any status); transport failures are thrown. */
export type HttpAnswer = { status: number; body: string; truncated: boolean };

export type HttpFunctionCaller = (call: { functionName: string; request: RenderedRequest; timeoutMs: number }) => Promise<HttpAnswer>;

export type Session = {
  sources: { credentials: Record<string, unknown>; secrets: Record<string, unknown>; payload: Record<string, unknown> };
  context: RuntimeContext;
  secretValues: string[];
  /** When none is configured, a client whose every request fails (an LLM turn ends PIPELINE_ERROR). */
  llm: LlmClient;
  callHttp: HttpFunctionCaller;
  now: () => number;
};

// A local stand-in for an OpenAI-compatible chat-completions endpoint (the edge of the world),
// speaking the real wire format: requests as the API takes them, answers as `chat.completion`
// objects with `tool_calls`. Replies are scripted per test, in order.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ToolCallWire = { id: string; type: 'function'; function: { name: string; arguments: string } };
export type MessageWire = { role: string; content: string | null; tool_calls?: ToolCallWire[]; tool_call_id?: string };
export type ChatRequestWire = {
  model: string;
  messages: MessageWire[];
  tools?: { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
  tool_choice?: string;
  temperature?: number;
};
export type Received = { path: string; headers: Record<string, string | string[] | undefined>; body: ChatRequestWire };

/** A reply: what the assistant says and/or the functions it calls; or a raw HTTP failure. */
export type ScriptedAnswer =
  | { content?: string | null; calls?: { name: string; arguments?: Record<string, unknown> }[] }
  | { status: number; body: string };

export type FakeLlm = {
  /** Base URL to configure, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  requests: Received[];
  script(...answers: ScriptedAnswer[]): void;
  /** Holds answers until this many requests are waiting, then answers them in arrival order. */
  holdUntil(requests: number): void;
  reset(): void;
  close(): Promise<void>;
};

let callCounter = 0;

function completion(model: string, answer: Exclude<ScriptedAnswer, { status: number }>) {
  const toolCalls = (answer.calls ?? []).map((c) => ({
    id: `call_${++callCounter}`,
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.arguments ?? {}) },
  }));
  return {
    id: `chatcmpl-${callCounter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}), refusal: null },
        logprobs: null,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const requests: Received[] = [];
  let queue: ScriptedAnswer[] = [];
  let hold = 0;
  let waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequestWire;
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const respond = () => answerWith(req.url, body, res);
      if (hold === 0) return respond();
      waiting.push(respond);
      if (waiting.length < hold) return;
      hold = 0;
      const ready = waiting;
      waiting = [];
      ready.forEach((answer) => answer());
    });
  });
  function answerWith(url: string | undefined, body: ChatRequestWire, res: ServerResponse): void {
    const answer = url === '/v1/chat/completions' ? queue.shift() : { status: 404, body: '{"error":{"message":"not found"}}' };
    if (!answer) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no scripted reply left"}}');
    } else if ('status' in answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion(body.model, answer)));
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...answers) => void queue.push(...answers),
    holdUntil: (n) => void (hold = n),
    reset: () => {
      requests.length = 0;
      queue = [];
      hold = 0;
      waiting = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The emulator's requests to Buddy. Buddy's URLs come from the calls Buddy placed (or the
 * number configuration it wrote), so these are operator URLs, not customer ones: a plain
 * client, with timeouts, no redirects followed (Exotel's 302 is an answer, not a hop).
 */
import { request } from 'undici';
import { logEvent, type EmulatedCall } from './emulated-call.ts';

const TIMEOUT_MS = 15_000;

export type Answer = { status: number; contentType: string; body: string };

export class CallbackFailed extends Error {
  override readonly name = 'CallbackFailed';
  constructor(
    readonly url: string,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

export type OutgoingRequest = {
  call: EmulatedCall;
  /** What the call's log calls this request (status:ringing, answer, gather, …). */
  type: string;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Non-2xx is a failure, except the statuses listed (Exotel's Passthru branches on 302). */
  accept?: number[];
};

export async function send(req: OutgoingRequest): Promise<Answer> {
  let response;
  try {
    response = await request(req.url, {
      method: req.method,
      headers: { 'user-agent': 'buddy-provider-emulator/1', ...req.headers },
      body: req.body,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logEvent(req.call, { type: req.type, url: req.url, detail: `no response: ${message}` });
    throw new CallbackFailed(req.url, null, message);
  }
  const body = await response.body.text();
  const answer = { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), body };
  logEvent(req.call, { type: req.type, url: req.url, status: answer.status });
  const ok = (answer.status >= 200 && answer.status < 300) || (req.accept ?? []).includes(answer.status);
  if (!ok) throw new CallbackFailed(req.url, answer.status, `HTTP ${answer.status}: ${body.slice(0, 200)}`);
  return answer;
}

export const FORM = 'application/x-www-form-urlencoded';

/**
 * How the engine sends HTTP: to a URL a template supplied (HTTP functions, a template's own LLM
 * endpoint) only through the SSRF-guarded client; to the operator's LLM endpoint
 * (LLM_BASE_URL), which may well sit on a private network, with plain fetch.
 */
import type { OutboundClient } from '../delivery/outbound-http.ts';
import type { HttpAnswer } from './session.ts';

export type HttpPortRequest = {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
};

export type HttpPort = (request: HttpPortRequest) => Promise<HttpAnswer>;

/** The most of an answer the engine reads (an LLM reply, an HTTP function's JSON). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export function guardedPort(client: Pick<OutboundClient, 'request'>): HttpPort {
  return async (req) => {
    const res = await client.request({
      url: req.url,
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      totalTimeoutMs: req.timeoutMs,
      excerptBytes: MAX_ANSWER_BYTES,
    });
    return { status: res.status, body: res.bodyExcerpt, truncated: res.bodyTruncated };
  };
}

export function trustedPort(): HttpPort {
  return async (req) => {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const body = await res.text();
    return { status: res.status, body, truncated: Buffer.byteLength(body) > MAX_ANSWER_BYTES };
  };
}

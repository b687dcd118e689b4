/**
 * The emulator's HTTP surface: a tiny router over node:http for the provider REST APIs and the
 * control API. Requests are read whole (they are small); bodies are offered as form fields and
 * as JSON, as each provider's API takes one or the other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ApiRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  form: URLSearchParams;
  json: unknown;
  /** Basic credentials, when sent. */
  auth: { username: string; password: string } | null;
  /** Captures of the route pattern. */
  params: string[];
};

export type ApiReply = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };

export type Route = { method: string; pattern: RegExp; handle(req: ApiRequest): ApiReply | Promise<ApiReply> };

const MAX_BODY = 1024 * 1024;

export async function readRequest(req: IncomingMessage): Promise<Omit<ApiRequest, 'params'>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://emulator.local');
  let json: unknown = null;
  if (String(req.headers['content-type'] ?? '').includes('json') && body !== '') {
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    form: new URLSearchParams(String(req.headers['content-type'] ?? '').includes('form') ? body : ''),
    json,
    auth: basicAuth(req.headers.authorization),
  };
}

export async function dispatch(routes: readonly Route[], req: Omit<ApiRequest, 'params'>): Promise<ApiReply> {
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const match = route.pattern.exec(req.path);
    if (match) return route.handle({ ...req, params: match.slice(1).map((p) => decodeURIComponent(p)) });
  }
  return { status: 404, json: { error: `no such emulated endpoint: ${req.method} ${req.path}` } };
}

export function writeReply(res: ServerResponse, reply: ApiReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body = '';
  if (reply.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(reply.json);
  } else if (reply.text !== undefined) {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    body = reply.text;
  }
  res.writeHead(reply.status, headers).end(body);
}

function basicAuth(header: string | undefined): ApiRequest['auth'] {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const at = decoded.indexOf(':');
  return at < 0 ? null : { username: decoded.slice(0, at), password: decoded.slice(at + 1) };
}

/** Reads a JSON object body field as a string. */
export function jsonField(json: unknown, name: string): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const value = (json as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

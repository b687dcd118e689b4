/**
 * Renders a template's `http_request` (HTTP hooks, HTTP functions, end-of-conversation
 * callbacks) into a concrete request. One rule for every outbound request: if any placeholder
 * cannot be filled, the request is not sent, because a request to a half-built URL or with a
 * broken Authorization header can only do harm; the caller records why.
 */
import type { HttpRequestConfig } from '../domain/template/index.ts';
import { substitute } from '../domain/variables.ts';
import type { RenderedRequest } from './session.ts';

export type RenderResult = { ok: true; request: RenderedRequest } | { ok: false; reason: string };

const BODYLESS = new Set(['GET', 'DELETE']);

const asText = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value));

/**
 * `defaultBody` is sent by POST/PUT/PATCH requests that declare no `body` (the function's
 * arguments, for hooks and HTTP functions).
 */
export function renderHttpRequest(config: HttpRequestConfig, pool: Map<string, unknown>, defaultBody?: unknown): RenderResult {
  const missing = new Set<string>();
  const opts = { onUnknown: (name: string) => void missing.add(name) };
  const rawUrl = asText(substitute(config.url, pool, opts));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = asText(substitute(value, pool, opts));
  const query = config.query_params ? substitute(config.query_params, pool, opts) : undefined;
  const method = (config.method ?? 'POST').toUpperCase();
  const hasBody = !BODYLESS.has(method);
  // The default body is data (e.g. what the LLM said), never a template: substituting it would let
  // an argument such as "{api_token}" pull a secret into the request.
  const body = !hasBody ? undefined : config.body !== undefined ? substitute(config.body, pool, opts) : (defaultBody ?? {});
  if (missing.size > 0) return { ok: false, reason: `unknown variables ${[...missing].map((n) => `{${n}}`).join(', ')}` };

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, reason: `not an absolute URL after substitution: ${rawUrl}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `URL scheme ${url.protocol} is not allowed` };
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.append(key, asText(value));
  if (hasBody && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return { ok: true, request: { url: url.toString(), method, headers, ...(hasBody ? { body } : {}) } };
}

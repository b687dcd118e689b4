// One way to call a provider's REST API: Basic auth, form or JSON body, typed errors.
// Provider base URLs are operator configuration (the real API or the local emulator),
// never customer input, so this does not go through the SSRF-guarded client.
import { request } from 'undici';
import type { z } from 'zod';
import { ProviderApiError } from './errors.ts';
import type { ProviderName } from './provider.ts';

const TIMEOUT_MS = 15_000;

export interface ProviderApiCredentials {
  readonly provider: ProviderName;
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
}

export interface ProviderApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path below the base URL, starting with '/'. Encode ids with encodeURIComponent. */
  readonly path: string;
  readonly form?: URLSearchParams;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ProviderApiResponse {
  readonly status: number;
  /** Parsed JSON when the body is JSON, the text otherwise, null when empty. */
  readonly body: unknown;
}

export async function callProviderApi(
  api: ProviderApiCredentials,
  req: ProviderApiRequest,
): Promise<ProviderApiResponse> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${api.username}:${api.password}`).toString('base64')}`,
    accept: 'application/json',
    ...req.headers,
  };
  let body: string | undefined;
  if (req.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = req.form.toString();
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  const where = { method: req.method, path: req.path };
  let response;
  try {
    response = await request(joinUrl(api.baseUrl, req.path), {
      method: req.method,
      headers,
      body,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  } catch (cause) {
    throw new ProviderApiError(api.provider, where, null, null, `no response (${describe(cause)})`, { cause });
  }
  const text = await response.body.text();
  const parsed = parseBody(text, String(response.headers['content-type'] ?? ''));
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new ProviderApiError(
      api.provider,
      where,
      response.statusCode,
      parsed,
      `HTTP ${response.statusCode}${errorDetail(parsed)}`,
    );
  }
  return { status: response.statusCode, body: parsed };
}

/** Checks a 2xx body against the shape we rely on; a surprise is the provider's fault, not ours. */
function readResponse<T>(
  api: ProviderApiCredentials,
  req: Pick<ProviderApiRequest, 'method' | 'path'>,
  schema: z.ZodType<T>,
  response: ProviderApiResponse,
): T {
  const result = schema.safeParse(response.body);
  if (!result.success) {
    throw new ProviderApiError(
      api.provider,
      { method: req.method, path: req.path },
      response.status,
      response.body,
      `unexpected response shape (${result.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')})`,
    );
  }
  return result.data;
}

/** `callProviderApi`, then `readResponse`: the body checked against `schema`, and as it came (for the record). */
export async function requestProviderApi<T>(api: ProviderApiCredentials, req: ProviderApiRequest, schema: z.ZodType<T>): Promise<{ data: T; raw: unknown }> {
  const response = await callProviderApi(api, req);
  return { data: readResponse(api, req, schema, response), raw: response.body };
}

/** Appends a path to a base URL that may itself carry a path (an emulator mounted under /twilio). */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

function parseBody(text: string, contentType: string): unknown {
  if (text === '') return null;
  if (contentType.includes('json') || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

// Twilio: {message}, Plivo: {error}, Exotel: {RestException: {Message}}.
function errorDetail(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const record = body as Record<string, unknown>;
  const nested = record['RestException'];
  const candidates = [
    record['message'],
    record['error'],
    typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)['Message'] : undefined,
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c !== '');
  return found === undefined ? '' : `: ${found}`;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

import { z } from 'zod';
import { findPlaceholders } from '../variables.ts';
import { addIssue } from './validation-issue.ts';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Per-request bound, in seconds: an HTTP function holds up a live call while it waits. */
export const HTTP_TIMEOUT_MIN_S = 1;
export const HTTP_TIMEOUT_MAX_S = 30;
export const HTTP_TIMEOUT_DEFAULT_S = 10;

/**
 * A URL that may contain `{placeholders}`. When the whole base comes from a variable
 * (`{webhook_url}`) it can only be checked after substitution; otherwise each placeholder is
 * replaced by a dummy segment and the result must be an absolute http(s) URL.
 */
export const templatedUrlSchema = z
  .string()
  .min(1)
  .superRefine((url, ctx) => {
    if (url.startsWith('{') && !url.startsWith('{{')) return;
    let probe = url;
    for (const name of findPlaceholders(url)) probe = probe.split(`{${name}}`).join('x');
    let parsed: URL | undefined;
    try {
      parsed = new URL(probe);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      addIssue(ctx, [], 'invalid_url', 'must be an absolute http(s) URL (placeholders like {name} are allowed)');
    }
  });

const methodSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.toUpperCase() : v),
  z.enum(HTTP_METHODS, { error: `method must be one of ${HTTP_METHODS.join(', ')}` }),
);

const queryValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'query parameter values must be strings, numbers or booleans',
});

/**
 * The request shape shared by HTTP hooks, HTTP functions and end-of-conversation callbacks.
 * Strings anywhere in it (url, headers, body, query) may use `{variables}`. `method` defaults to
 * POST because hooks and callbacks, the common case, push data.
 */
export const httpRequestSchema = z.strictObject({
  url: templatedUrlSchema,
  method: methodSchema.default('POST'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
  query_params: z.record(z.string(), queryValueSchema).optional(),
  timeout: z.number().min(HTTP_TIMEOUT_MIN_S).max(HTTP_TIMEOUT_MAX_S).default(HTTP_TIMEOUT_DEFAULT_S),
});

export type HttpRequestConfig = z.output<typeof httpRequestSchema>;

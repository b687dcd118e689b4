/**
 * The call execution configuration of a template (reference §5.1, pre-checks §7, rate
 * limits §8). Defaults are what a lead gets when a field is not set.
 *
 * `max_retry` counts retries after the first attempt: 0 means one attempt in all, 2 means up to
 * three. (The reference code's `attempt_count < max_retry - 1` is ambiguous; this is the
 * reading its field description gives: "maximum retry attempts".)
 */
import { z } from 'zod';
import { E164_MESSAGE, isE164 } from './phone.ts';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be a time of day HH:MM (24 h)');

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Kolkata');
const phone = z.string().refine(isE164, E164_MESSAGE);
const provider = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(['TWILIO', 'PLIVO', 'EXOTEL']));

const httpRequest = z.object({
  url: z.string().min(1),
  method: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']))
    .default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  auth: z
    .object({ type: z.enum(['bearer', 'basic']), token: z.string().optional(), username: z.string().optional(), password: z.string().optional() })
    .optional(),
  query_params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  timeout: z.number().int().min(1).max(30).default(10),
  max_retries: z.number().int().min(1).max(5).default(2),
});

export const preCheckSchema = z.object({
  type: z.literal('external_api'),
  name: z.string().min(1),
  enabled: z.boolean().default(true),
  credential_id: z.string().optional(),
  http_request: httpRequest,
  response_config: z.object({
    response_field: z.string().min(1),
    response_field_value: z.unknown(),
    /** Our addition: a response value that defers the lead instead of refusing it (reference PR #1012). */
    defer_on_value: z.unknown().optional(),
    defer_seconds: z.number().int().min(1).max(86400).optional(),
  }),
  default_on_failure: z.enum(['proceed', 'skip']).default('proceed'),
});

export const callConfigSchema = z
  .object({
    shop_identifier: z.string().nullish(),
    initial_offset: z.number().int().min(0).max(30 * 86400).default(0),
    retry_offset: z.number().int().min(0).max(30 * 86400).default(1800),
    max_retry: z.number().int().min(0).max(20).default(0),
    call_start_time: timeOfDay.default('09:00'),
    call_end_time: timeOfDay.default('21:00'),
    timezone: timeZone.default('Asia/Kolkata'),
    calling_provider: provider.default('TWILIO'),
    enable_calling: z.boolean().default(true),
    enable_international_call: z.boolean().default(true),
    /** Our choice: on unless turned off, since a call to a number that opted out is worse than a missed one. */
    enforce_blacklist: z.boolean().default(true),
    rate_limit_enabled: z.boolean().default(false),
    rate_limit_max_calls: z.number().int().min(1).default(7),
    rate_limit_window_seconds: z.number().int().min(1).default(3600),
    /** false = alert-only (the call goes ahead and is logged); true = the lead waits for the window. */
    rate_limit_block_enabled: z.boolean().default(false),
    pre_checks: z.array(preCheckSchema).default([]),
    enable_inbound: z.boolean().default(true),
    inbound_call_start_time: timeOfDay.nullish(),
    inbound_call_end_time: timeOfDay.nullish(),
    inbound_call_timezone: timeZone.nullish(),
    inbound_block_action: z.enum(['REJECT', 'REDIRECT']).default('REJECT'),
    inbound_redirect_number: phone.nullish(),
    inbound_block_message: z.string().nullish(),
    inbound_rate_limit_enabled: z.boolean().default(false),
    inbound_rate_limit_max_calls: z.number().int().min(1).default(10),
    inbound_rate_limit_window_seconds: z.number().int().min(1).default(3600),
    inbound_whitelist: z.array(phone).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.inbound_block_action === 'REDIRECT' && !c.inbound_redirect_number) {
      // The reference accepts this and silently rejects at run time; we refuse it up front.
      ctx.addIssue({ code: 'custom', path: ['inbound_redirect_number'], message: 'is required when inbound_block_action is REDIRECT' });
    }
    if (Boolean(c.inbound_call_start_time) !== Boolean(c.inbound_call_end_time)) {
      ctx.addIssue({ code: 'custom', path: ['inbound_call_end_time'], message: 'inbound_call_start_time and inbound_call_end_time go together' });
    }
  });

export type CallConfig = z.output<typeof callConfigSchema>;
export type PreCheck = z.output<typeof preCheckSchema>;

/** The settings every template has when no configuration was written for it. */
export const DEFAULT_CALL_CONFIG: CallConfig = callConfigSchema.parse({});

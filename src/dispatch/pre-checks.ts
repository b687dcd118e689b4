/**
 * Pre-checks (reference §7): `external_api` requests made before a call, each deciding
 * whether the call may go ahead. All enabled checks must pass; they run in order and stop at
 * the first that does not.
 *
 * Per check:
 * - placeholders in url, headers, query, body and auth resolve from the check's credential
 *   (`credential_id`, which must belong to the lead's reseller/merchant) < the template's
 *   secrets < the lead's payload < `request_id`/`lead_id`; a request with an unresolved
 *   placeholder is never sent (it counts as a failure of the check);
 * - the response is JSON; `response_field` is a dotted path into it ("data.is_dnd");
 *   proceed when it equals `response_field_value` (proceed-on-match), defer when it equals
 *   `defer_on_value`, otherwise skip: the lead finishes PRECHECK_FAILED with the reason
 *   "<name> returned <field>=<value>";
 * - a failed request (network, timeout, non-2xx, not JSON) is tried `1 + max_retries` times
 *   in all, then `default_on_failure` decides: proceed (fail-open) or skip (fail-closed).
 *
 * Requests go through the SSRF-guarded client only. Results are kept in the lead's
 * `metaData.pre_check_results` with secrets redacted; response bodies are not stored.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fromJson } from '../db/json.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import type { PreCheck } from '../domain/call-config.ts';
import { buildVariablePool, redactSecrets, secretValuesOf, substitute } from '../domain/variables.ts';
import type { OutboundRequest, OutboundResponse } from '../delivery/outbound-http.ts';

export type SendRequest = (req: OutboundRequest, timeoutMs: number) => Promise<OutboundResponse>;

export type PreCheckResult = {
  name: string;
  decision: 'proceed' | 'skip' | 'defer';
  reason: string;
  response_field: string;
  response_value?: unknown;
  status_code?: number;
  tries: number;
  duration_ms: number;
};

export type PreCheckVerdict =
  | { decision: 'proceed'; results: PreCheckResult[] }
  | { decision: 'skip'; failureReason: string; results: PreCheckResult[] }
  | { decision: 'defer'; deferSeconds: number; reason: string; results: PreCheckResult[] };

export type PreCheckDeps = { db: Kysely<Database>; send: SendRequest; retryDelayMs?: number };

const DEFAULT_DEFER_SECONDS = 300;
const RETRY_DELAY_MS = 250;

/** The longest the enabled checks can take: every try timing out, with the pauses between. */
export function worstCaseMs(checks: PreCheck[]): number {
  let total = 0;
  for (const c of checks.filter((check) => check.enabled)) {
    const tries = 1 + c.http_request.max_retries;
    total += tries * c.http_request.timeout * 1000 + RETRY_DELAY_MS * ((tries * (tries - 1)) / 2);
  }
  return total;
}

export async function runPreChecks(
  deps: PreCheckDeps,
  input: { lead: LeadRow; payload: Record<string, unknown>; secrets: Record<string, string>; checks: PreCheck[] },
): Promise<PreCheckVerdict> {
  const results: PreCheckResult[] = [];
  for (const check of input.checks.filter((c) => c.enabled)) {
    const credentials = await loadCredential(deps.db, input.lead, check.credential_id);
    const result = await runOne(deps, check, { ...input, credentials });
    results.push(result);
    if (result.decision === 'skip') return { decision: 'skip', failureReason: result.reason, results };
    if (result.decision === 'defer') {
      return { decision: 'defer', deferSeconds: check.response_config.defer_seconds ?? DEFAULT_DEFER_SECONDS, reason: result.reason, results };
    }
  }
  return { decision: 'proceed', results };
}

async function loadCredential(db: Kysely<Database>, lead: LeadRow, id: string | undefined): Promise<Record<string, unknown> | null | undefined> {
  if (id === undefined) return undefined;
  const row = await db.selectFrom('credentials').select(['reseller_id', 'merchant_id', 'secrets']).where('id', '=', id).executeTakeFirst();
  // Another tenant's credential is treated exactly like a missing one.
  if (!row || row.reseller_id !== lead.reseller_id || (row.merchant_id !== null && row.merchant_id !== lead.merchant_id)) return null;
  return fromJson<Record<string, unknown>>(row.secrets, {});
}

type CheckInput = { lead: LeadRow; payload: Record<string, unknown>; secrets: Record<string, string>; credentials: Record<string, unknown> | null | undefined };

async function runOne(deps: PreCheckDeps, check: PreCheck, input: CheckInput): Promise<PreCheckResult> {
  const started = Date.now();
  const field = check.response_config.response_field;
  const base = { name: check.name, response_field: field };
  const secretValues = secretValuesOf({ credentials: input.credentials ?? undefined, secrets: input.secrets });
  const failed = (problem: string, tries: number, status?: number): PreCheckResult => {
    const proceed = check.default_on_failure === 'proceed';
    const reason = redactSecrets(`${check.name} failed (${problem})${proceed ? '; proceeding (default_on_failure=proceed)' : ''}`, secretValues);
    return { ...base, decision: proceed ? 'proceed' : 'skip', reason, tries, duration_ms: Date.now() - started, ...(status !== undefined && { status_code: status }) };
  };

  if (input.credentials === null) return failed(`credential ${check.credential_id} not found`, 0);
  const request = buildRequest(check, input);
  if (typeof request === 'string') return failed(request, 0);

  const tries = 1 + check.http_request.max_retries;
  let problem = 'not tried';
  let status: number | undefined;
  for (let n = 1; n <= tries; n++) {
    if (n > 1) await new Promise((r) => setTimeout(r, (deps.retryDelayMs ?? RETRY_DELAY_MS) * (n - 1)));
    try {
      const response = await deps.send(request, check.http_request.timeout * 1000);
      status = response.status;
      if (response.status < 200 || response.status > 299) {
        problem = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) return failed(problem, n, status);
        continue;
      }
      if (response.bodyTruncated) return failed('response body larger than the 1 KB we read', n, status);
      let body: unknown;
      try {
        body = JSON.parse(response.bodyExcerpt);
      } catch {
        return failed('response is not JSON', n, status);
      }
      return { ...decide(check, fieldAt(body, field)), ...base, tries: n, status_code: status, duration_ms: Date.now() - started };
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
      // The SSRF guard's refusal will not change on a retry.
      if (err instanceof Error && (err.name === 'BlockedAddressError' || err.name === 'DisallowedUrlError')) return failed(problem, n);
    }
  }
  return failed(problem, tries, status);
}

function decide(check: PreCheck, value: unknown): Pick<PreCheckResult, 'decision' | 'reason' | 'response_value'> {
  const { response_field: field, response_field_value: proceedOn, defer_on_value: deferOn } = check.response_config;
  const shown = value === MISSING ? undefined : value;
  if (value !== MISSING && sameValue(value, proceedOn)) return { decision: 'proceed', reason: `${check.name} passed`, response_value: shown };
  if (value !== MISSING && deferOn !== undefined && sameValue(value, deferOn)) {
    return { decision: 'defer', reason: `${check.name} returned ${field}=${render(value)}; deferred`, response_value: shown };
  }
  const reason = value === MISSING ? `${check.name} returned no ${field}` : `${check.name} returned ${field}=${render(value)}`;
  return { decision: 'skip', reason, response_value: shown };
}

function buildRequest(check: PreCheck, input: CheckInput): OutboundRequest | string {
  const unknown = new Set<string>();
  const pool = buildVariablePool({
    credentials: input.credentials ?? undefined,
    secrets: input.secrets,
    payload: input.payload,
    context: { request_id: input.lead.request_id, lead_id: input.lead.id },
  });
  const http = substitute(check.http_request, pool, { onUnknown: (name) => unknown.add(name) });
  if (unknown.size > 0) return `unresolved placeholder(s): ${[...unknown].join(', ')}`;
  let url: URL;
  try {
    url = new URL(String(http.url));
  } catch {
    return 'the URL is invalid after substitution';
  }
  for (const [key, value] of Object.entries(http.query_params ?? {})) url.searchParams.append(key, String(value));
  const headers: Record<string, string> = { accept: 'application/json', ...Object.fromEntries(Object.entries(http.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])) };
  if (http.auth?.type === 'bearer' && http.auth.token) headers.authorization = `Bearer ${http.auth.token}`;
  if (http.auth?.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${http.auth.username ?? ''}:${http.auth.password ?? ''}`).toString('base64')}`;
  const hasBody = http.body !== undefined && http.method !== 'GET';
  if (hasBody) headers['content-type'] ??= 'application/json';
  return { url, method: http.method, headers, ...(hasBody && { body: JSON.stringify(http.body) }) };
}

const MISSING = Symbol('missing');

/** The value at a dotted path ("data.items.0.flag"), own properties only. */
export function fieldAt(document: unknown, path: string): unknown {
  let value: unknown = document;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return MISSING;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Scalars compare by their text, so `"false"` from one API matches a configured `false`. */
function sameValue(actual: unknown, expected: unknown): boolean {
  const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  if (scalar(actual) && scalar(expected)) return String(actual) === String(expected);
  return JSON.stringify(actual) === JSON.stringify(expected);
}

const render = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The template's `end_conversation_callbacks` as finishAttempt queues them: URL, headers and
 * query with their placeholders substituted from the same sources as the conversation
 * (credentials < secrets < payload < lead_id, order_id, request_id, call_sid, attempt_count and
 * the final outcome). A callback with an unknown placeholder is not queued; the reason goes to
 * the lead's `metaData.errors`. The body is always the service-callback document
 * (src/delivery/payloads.ts), not the template's.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fromJson } from '../db/json.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import type { CallAttempt } from '../calls/attempts.ts';
import { endConversationCallbackSchema } from '../domain/template/llm-flow-schema.ts';
import { buildVariablePool } from '../domain/variables.ts';
import { loadCredentials } from './call-records.ts';
import { renderHttpRequest } from './http-request.ts';
import type { RenderedRequest } from './session.ts';

export type EndCallbacks = { requests: RenderedRequest[]; errors: string[] };

export async function endCallbackRequests(
  trx: Transaction<Database>,
  { lead, attempt, outcome }: { lead: LeadRow; attempt: CallAttempt; outcome: string | null },
): Promise<EndCallbacks> {
  const template = await trx.selectFrom('templates').select(['flow', 'secrets']).where('id', '=', lead.template_id).executeTakeFirst();
  const declared = fromJson<{ end_conversation_callbacks?: unknown[] }>(template?.flow, {}).end_conversation_callbacks ?? [];
  const result: EndCallbacks = { requests: [], errors: [] };
  if (declared.length === 0) return result;

  const pool = buildVariablePool({
    credentials: await loadCredentials(trx, lead),
    secrets: fromJson<Record<string, unknown>>(template?.secrets, {}),
    payload: fromJson<Record<string, unknown>>(lead.payload, {}),
    context: {
      lead_id: lead.id,
      order_id: lead.request_id,
      request_id: lead.request_id,
      call_sid: attempt.call_id,
      attempt_count: attempt.attempt_number,
      outcome,
    },
  });
  declared.forEach((raw, i) => {
    const parsed = endConversationCallbackSchema.safeParse(raw);
    const rendered = parsed.success ? renderHttpRequest(parsed.data.http_request, pool) : { ok: false as const, reason: 'not a valid callback' };
    if (rendered.ok) result.requests.push(rendered.request);
    else result.errors.push(`end_conversation_callbacks[${i}] not sent: ${rendered.reason}`);
  });
  return result;
}

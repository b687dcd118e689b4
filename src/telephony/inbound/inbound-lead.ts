/**
 * An inbound call that reached a template becomes an INBOUND lead with one attempt, already
 * PROCESSING and bound to the provider's call id, so that the same status callbacks and the
 * same finish path as an outbound call close it. Every routing decision is also logged in
 * `inbound_calls` — blocked calls only there, since they create no lead (reference §8.2).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, NumbersTable } from '../../db/schema.ts';
import { newId, now } from '../../core/ids.ts';
import { newLeadRow } from '../../db/repos/leads.ts';
import { recordPlaced, startAttempt, type CallAttempt } from '../../calls/attempts.ts';
import type { ProviderName } from '../provider.ts';
import type { InboundCandidate } from './inbound-routing.ts';

export type InboundCall = { provider: ProviderName; callId: string; caller: string; dialled: string; test: boolean };

export async function createInboundLead(
  db: Kysely<Database>,
  input: InboundCall & { candidate: InboundCandidate; number: Selectable<NumbersTable> },
): Promise<CallAttempt> {
  const { template } = input.candidate;
  return db.transaction().execute(async (trx) => {
    const at = now();
    const lead = newLeadRow({
      owner: { reseller_id: template.reseller_id, merchant_id: template.merchant_id },
      template,
      requestId: `inbound-${input.callId}`,
      payload: { customer_mobile_number: input.caller },
      executionMode: input.test ? 'TELEPHONY_TEST' : 'TELEPHONY',
      direction: 'INBOUND',
      status: 'PROCESSING',
      nextAttemptAt: null,
      at,
    });
    const leadId = lead.id;
    await trx.insertInto('leads').values(lead).execute();
    const attempt = await startAttempt(trx, {
      leadId,
      provider: input.provider,
      isTest: input.test,
      toNumber: input.caller,
      fromNumber: input.number.phone_number,
      numberId: input.number.id,
      direction: 'INBOUND',
    });
    await recordPlaced(trx, attempt.id, input.callId);
    return { ...attempt, call_id: input.callId, status: 'initiated', status_rank: 1 };
  });
}

export async function logInboundCall(
  db: Kysely<Database>,
  entry: InboundCall & {
    outcome: string;
    reason?: string;
    number?: Selectable<NumbersTable> | null;
    candidate?: InboundCandidate | null;
    leadId?: string | null;
  },
): Promise<void> {
  await db
    .insertInto('inbound_calls')
    .values({
      id: newId(),
      provider: entry.provider,
      call_id: entry.callId,
      reseller_id: entry.candidate?.template.reseller_id ?? entry.number?.reseller_id ?? null,
      merchant_id: entry.candidate?.template.merchant_id ?? entry.number?.merchant_id ?? null,
      number_id: entry.number?.id ?? null,
      template_id: entry.candidate?.template.id ?? null,
      lead_id: entry.leadId ?? null,
      from_number: entry.caller,
      to_number: entry.dialled,
      outcome: entry.outcome,
      reason: entry.reason ?? null,
      created_at: now(),
    })
    .execute();
}

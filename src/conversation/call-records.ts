/**
 * The database side of a call's conversation: its attempt, lead and template, the merchant's
 * credentials, and the attempt row lock every state change takes.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import { fromJson } from '../db/json.ts';
import { findLeadById, type LeadRow } from '../db/repos/leads.ts';
import { findTemplateById, type Template } from '../db/repos/templates.ts';
import { findAttempt, type CallAttempt } from '../calls/attempts.ts';
import { isEngineState, type ConversationState } from './state.ts';

export type CallRecords = { attempt: CallAttempt; lead: LeadRow | undefined; template: Template | undefined };

export async function loadCallRecords(db: Kysely<Database>, attemptId: string): Promise<CallRecords | null> {
  const attempt = await findAttempt(db, attemptId);
  if (!attempt) return null;
  const lead = await findLeadById(db, attempt.lead_id);
  const template = lead ? await findTemplateById(db, lead.template_id) : undefined;
  return { attempt, lead, template };
}

export function engineStateOf(attempt: Pick<CallAttempt, 'conversation'>): ConversationState | null {
  const value = fromJson<unknown>(attempt.conversation, null);
  return isEngineState(value) ? value : null;
}

/**
 * Merchant credentials (the lowest variable source): the reseller-wide sets, then the lead's
 * merchant's own, each oldest first, later keys winning.
 */
export async function loadCredentials(
  db: Kysely<Database> | Transaction<Database>,
  owner: { reseller_id: string; merchant_id: string | null },
): Promise<Record<string, unknown>> {
  const rows = await db
    .selectFrom('credentials')
    .select(['merchant_id', 'secrets'])
    .where('reseller_id', '=', owner.reseller_id)
    .where((eb) => (owner.merchant_id ? eb.or([eb('merchant_id', 'is', null), eb('merchant_id', '=', owner.merchant_id)]) : eb('merchant_id', 'is', null)))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const merged: Record<string, unknown> = {};
  for (const row of [...rows.filter((r) => r.merchant_id === null), ...rows.filter((r) => r.merchant_id !== null)]) {
    Object.assign(merged, fromJson<Record<string, unknown>>(row.secrets, {}));
  }
  return merged;
}

/** The attempt row, locked for the rest of the transaction on PostgreSQL (SQLite serialises writers). */
export function lockAttempt(trx: Transaction<Database>, db: Db, attemptId: string) {
  return trx
    .selectFrom('call_attempts')
    .select(['id', 'lead_id', 'conversation', 'status', 'ended_at', 'finished_at'])
    .where('id', '=', attemptId)
    .$if(db.dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
}

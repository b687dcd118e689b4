import type { Kysely, Selectable } from 'kysely';
import type { Database, LeadsTable } from '../schema.ts';
import { fromJson } from '../json.ts';
import { iso } from '../../core/ids.ts';
import { emptyMetaData, type LeadMetaData } from '../../domain/lead.ts';

export type LeadRow = Selectable<LeadsTable>;

export async function findLeadById(db: Kysely<Database>, id: string): Promise<LeadRow | undefined> {
  return db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The full lead record as the API returns it (`GET /leads/{id}`). */
export function leadView(row: LeadRow) {
  return {
    lead_id: row.id,
    order_id: row.request_id,
    request_id: row.request_id,
    template: row.template_name,
    template_id: row.template_id,
    reseller_id: row.reseller_id,
    merchant_id: row.merchant_id,
    status: row.status,
    outcome: row.outcome,
    attempt_count: row.attempt_count,
    call_id: row.call_id,
    call_direction: row.call_direction,
    execution_mode: row.execution_mode,
    is_playground: row.is_playground === 1,
    next_attempt_at: iso(row.next_attempt_at),
    recording_url: row.recording_url,
    reporting_webhook_url: row.reporting_webhook_url,
    payload: fromJson<Record<string, unknown>>(row.payload, {}),
    metaData: { ...emptyMetaData(), ...fromJson<Partial<LeadMetaData>>(row.meta_data, {}) },
    platform_status: row.platform_status,
    platform_reason: row.platform_reason,
    provider_status: row.provider_status,
    provider_reason: row.provider_reason,
    provider_hangup_cause: row.provider_hangup_cause,
    session_end_reason: row.session_end_reason,
    agent_outcome: row.agent_outcome,
    agent_outcome_source: row.agent_outcome_source,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    finished_at: iso(row.finished_at),
  };
}

import type { Kysely, Selectable } from 'kysely';
import type { Database, LeadsTable } from '../schema.ts';
import { fromJson, toJson } from '../json.ts';
import { iso, newId } from '../../core/ids.ts';
import { NO_FACTS } from '../../domain/outcome.ts';
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

export type NewLead = {
  owner: { reseller_id: string; merchant_id: string | null };
  template: { id: string; name: string };
  requestId: string;
  payload: Record<string, unknown>;
  executionMode: string;
  direction?: 'OUTBOUND' | 'INBOUND';
  status?: 'BACKLOG' | 'PROCESSING';
  nextAttemptAt: number | null;
  reportingWebhookUrl?: string | null;
  isPlayground?: boolean;
  configurationsOverride?: Record<string, unknown> | null;
  at: number;
  id?: string;
};

/** The row of a new lead: every lead, pushed, inbound or seeded, starts from here. */
export function newLeadRow(lead: NewLead): LeadRow {
  return {
    id: lead.id ?? newId(),
    reseller_id: lead.owner.reseller_id,
    merchant_id: lead.owner.merchant_id,
    template_id: lead.template.id,
    template_name: lead.template.name,
    request_id: lead.requestId,
    payload: toJson(lead.payload),
    reporting_webhook_url: lead.reportingWebhookUrl ?? null,
    execution_mode: lead.executionMode,
    is_playground: lead.isPlayground ? 1 : 0,
    configurations_override: lead.configurationsOverride ? toJson(lead.configurationsOverride) : null,
    status: lead.status ?? 'BACKLOG',
    outcome: null,
    attempt_count: 0,
    call_id: null,
    next_attempt_at: lead.nextAttemptAt,
    lease_owner: null,
    lease_expires_at: null,
    recording_url: null,
    meta_data: toJson(emptyMetaData()),
    ...NO_FACTS,
    call_direction: lead.direction ?? 'OUTBOUND',
    created_at: lead.at,
    updated_at: lead.at,
    finished_at: null,
  };
}

/**
 * The database schema as Kysely sees it. One set of tables for SQLite and PostgreSQL.
 *
 * Portable column conventions (so one migration serves both dialects):
 * - timestamps are epoch milliseconds in BIGINT columns (`*_at`); the API renders ISO 8601;
 * - booleans are INTEGER 0/1;
 * - JSON documents are JSONB on PostgreSQL and TEXT on SQLite; write with `toJson`, read with
 *   `fromJson` (src/db/json.ts), which accept both representations.
 */
import type { Generated } from 'kysely';

export type Json = unknown;
export type JsonColumn = string | Json;

export interface SettingsTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  reseller_id: string | null;
  merchant_id: string | null;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  reseller_id: string | null;
  merchant_id: string | null;
  created_by: string;
  created_at: number;
  revoked_at: number | null;
}

export interface MerchantsTable {
  id: string;
  reseller_id: string;
  name: string;
  contact_email: string | null;
  created_at: number;
  updated_at: number;
}

export interface TemplatesTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  name: string;
  flow: JsonColumn;
  expected_payload_schema: JsonColumn | null;
  configurations: JsonColumn;
  secrets: JsonColumn;
  expected_callback_response_schema: JsonColumn | null;
  outbound_number_id: string | null;
  is_active: number;
  created_at: number;
  updated_at: number;
}

export interface CallConfigsTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  template_id: string;
  settings: JsonColumn;
  created_at: number;
  updated_at: number;
}

export interface NumbersTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  phone_number: string;
  provider: string;
  status: string;
  channel: string;
  maximum_channels: number;
  created_at: number;
  updated_at: number;
}

export interface BlacklistTable {
  reseller_id: string;
  phone_number: string;
  created_at: number;
}

export interface CredentialsTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  name: string;
  secrets: JsonColumn;
  created_at: number;
  updated_at: number;
}

export interface LeadsTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  template_id: string;
  template_name: string;
  request_id: string;
  payload: JsonColumn;
  reporting_webhook_url: string | null;
  execution_mode: string;
  is_playground: number;
  configurations_override: JsonColumn | null;
  status: string;
  outcome: string | null;
  attempt_count: number;
  call_id: string | null;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  recording_url: string | null;
  meta_data: JsonColumn;
  platform_status: string | null;
  platform_reason: string | null;
  provider_status: string | null;
  provider_reason: string | null;
  provider_hangup_cause: string | null;
  session_end_reason: string | null;
  agent_outcome: string | null;
  agent_outcome_source: string | null;
  call_direction: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  created_at: number;
}

export interface CallAttemptsTable {
  id: string;
  lead_id: string;
  attempt_number: number;
  provider: string;
  is_test: number;
  direction: string;
  number_id: string | null;
  from_number: string | null;
  to_number: string;
  dial_key: string;
  call_id: string | null;
  status: string;
  status_rank: number;
  last_sequence: number | null;
  last_event_at: number | null;
  platform_status: string | null;
  platform_reason: string | null;
  provider_status: string | null;
  provider_reason: string | null;
  provider_hangup_cause: string | null;
  session_end_reason: string | null;
  agent_outcome: string | null;
  agent_outcome_source: string | null;
  outcome: string | null;
  failure_reason: string | null;
  call_ended_by: string | null;
  duration_seconds: number | null;
  recording_url: string | null;
  conversation: JsonColumn | null;
  created_at: number;
  answered_at: number | null;
  ended_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface WebhookMessagesTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  lead_id: string | null;
  call_attempt_id: string | null;
  kind: string;
  url: string;
  method: string;
  headers: JsonColumn;
  body: string;
  status: string;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

export interface Database {
  settings: SettingsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  merchants: MerchantsTable;
  templates: TemplatesTable;
  call_configs: CallConfigsTable;
  numbers: NumbersTable;
  blacklist: BlacklistTable;
  credentials: CredentialsTable;
  leads: LeadsTable;
  idempotency_keys: IdempotencyKeysTable;
  call_attempts: CallAttemptsTable;
  webhook_messages: WebhookMessagesTable;
}

// Generated is re-exported so that later tables with database-assigned columns share one import.
export type { Generated };

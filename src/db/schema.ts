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
  /** 1 when the next attempt was asked for by a person (resend / requeue): tried once, a failure is final. */
  manual_attempt: number;
}

/** One HTTP attempt of a webhook message (src/delivery). */
export interface WebhookAttemptsTable {
  id: string;
  message_id: string;
  attempt_number: number;
  /** 'scheduled' (the retry schedule) | 'manual' (resend / requeue). */
  trigger: string;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  response_excerpt: string | null;
  error: string | null;
  /** 'succeeded' | 'retrying' | 'failed' (the message's state after this attempt). */
  outcome: string;
}

/** Standard Webhooks secrets per merchant (or reseller); rotated-out ones sign until expires_at. */
export interface WebhookSigningSecretsTable {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  owner_key: string;
  secret: string;
  created_by: string;
  created_at: number;
  revealed_at: number | null;
  expires_at: number | null;
}

/** The last good DevCycle config document, shared by every process (src/flags). */
export interface FlagConfigTable {
  id: string;
  version: number;
  document: JsonColumn | null;
  content_hash: string | null;
  etag: string | null;
  source_modified_at: number | null;
  updated_at: number;
}

export interface FlagNotificationsTable {
  dedupe_key: string;
  received_at: number;
}

/** Telephony (migration 0005): answer documents per call turn, see src/telephony/routes/turns.ts. */
export interface CallTurnsTable {
  attempt_id: string;
  turn: number;
  document: JsonColumn | null;
  created_at: number;
}

/** Every inbound call Buddy answered and what became of it (src/telephony/inbound). */
export interface InboundCallsTable {
  id: string;
  provider: string;
  call_id: string;
  reseller_id: string | null;
  merchant_id: string | null;
  number_id: string | null;
  template_id: string | null;
  lead_id: string | null;
  from_number: string;
  to_number: string;
  outcome: string;
  reason: string | null;
  created_at: number;
}

export interface InboundRateCountersTable {
  bucket: string;
  window_start: number;
  count: number;
}

/** Warm transfers of a call to a human agent (migration 0008, src/transfer). */
export interface CallTransfersTable {
  id: string;
  attempt_id: string;
  provider: string;
  room: string;
  agent_number: string;
  /** initiated → success | failed (src/transfer/transfer-repo.ts). */
  status: string;
  reason: string | null;
  error: string | null;
  agent_call_id: string | null;
  conference_id: string | null;
  created_at: number;
  updated_at: number;
}

/** What registering a number configured at its provider (src/telephony/numbers). */
export interface NumberProviderSetupTable {
  number_id: string;
  provider: string;
  configured: number;
  provider_ref: string | null;
  detail: string | null;
  updated_at: number;
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
  webhook_attempts: WebhookAttemptsTable;
  webhook_signing_secrets: WebhookSigningSecretsTable;
  flag_config: FlagConfigTable;
  flag_notifications: FlagNotificationsTable;
  call_turns: CallTurnsTable;
  inbound_calls: InboundCallsTable;
  inbound_rate_counters: InboundRateCountersTable;
  number_provider_setup: NumberProviderSetupTable;
  call_transfers: CallTransfersTable;
}

// Generated is re-exported so that later tables with database-assigned columns share one import.
export type { Generated };

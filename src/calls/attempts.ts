/**
 * Call attempts: one row per time the dispatcher takes a lead (a dial, or a refusal before
 * dialling). An attempt is started, may be placed with a provider, and is finished exactly once;
 * finishing decides the lead's next state and queues its webhooks in the same transaction.
 *
 *   startAttempt ──▶ (recordPlaced) ──▶ provider callbacks update facts ──▶ finishAttempt
 *        └──────────── refusal (NOT_INITIATED facts) ──────────────────────▶ finishAttempt
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { CallAttemptsTable, Database } from '../db/schema.ts';
import { fromJson, toJson } from '../db/json.ts';
import { newId, now } from '../core/ids.ts';
import { endedCleanly, failureReasonOf, NO_FACTS, outcomeOf, RETRYABLE_OUTCOMES, type OutcomeFacts } from '../domain/outcome.ts';
import { emptyMetaData, type LeadMetaData, type TranscriptEntry } from '../domain/lead.ts';
import { callConfigSchema, DEFAULT_CALL_CONFIG, type CallConfig } from '../domain/call-config.ts';
import { buildReportingFailure, buildReportingSuccess, buildServiceCallback, type JsonValue } from '../delivery/payloads.ts';
import { enqueueMessage } from '../delivery/outbox.ts';
import { notifyEnqueued } from '../delivery/signals.ts';
import { endCallbackRequests, type EndCallbacks } from '../conversation/end-callbacks.ts';

export type CallAttempt = Selectable<CallAttemptsTable>;
type Tx = Transaction<Database> | Kysely<Database>;

/** What the conversation produced, merged into the lead's metaData when the attempt finishes. */
export type ConversationSummary = {
  transcription: TranscriptEntry[];
  node_traversal: string[];
  /** When each node of node_traversal was entered (absent in summaries written before it was kept). */
  node_entries?: { node: string; at: string }[];
  function_calls: { name: string; arguments: Record<string, unknown>; node?: string; at: string; result?: unknown }[];
  collected_fields: Record<string, unknown>;
  errors: { at: string; message: string; source?: string }[];
  [extra: string]: unknown;
};

export type CallEndedBy = 'agent' | 'customer' | 'timeout' | 'error';

export async function loadCallConfig(db: Tx, templateId: string): Promise<CallConfig | null> {
  const row = await db.selectFrom('call_configs').select('settings').where('template_id', '=', templateId).executeTakeFirst();
  return row ? callConfigSchema.parse(fromJson(row.settings, {})) : null;
}

export async function findAttempt(db: Tx, id: string): Promise<CallAttempt | undefined> {
  return db.selectFrom('call_attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

export type StartAttemptInput = {
  leadId: string;
  provider: string;
  isTest: boolean;
  toNumber: string;
  fromNumber?: string | null;
  numberId?: string | null;
  direction?: 'OUTBOUND' | 'INBOUND';
};

/**
 * Opens the next attempt of a lead and moves the lead to PROCESSING. The attempt's `dial_key`
 * (lead id + attempt number) is what the provider request carries, so a crash between placing
 * the call and recording it can be reconciled instead of dialled again.
 */
export async function startAttempt(trx: Tx, input: StartAttemptInput): Promise<CallAttempt> {
  const [attempt] = await startAttempts(trx, [input]);
  return attempt!;
}

/**
 * `startAttempt` for several distinct leads in three statements, whatever their number (the
 * dispatcher starts a group of leads per transaction). The caller holds the leads' rows (the
 * dispatcher's lease update locks them), so the counts read here are the ones incremented.
 */
export async function startAttempts(trx: Tx, inputs: readonly StartAttemptInput[]): Promise<CallAttempt[]> {
  if (inputs.length === 0) return [];
  const leadIds = inputs.map((i) => i.leadId);
  if (new Set(leadIds).size !== leadIds.length) throw new Error('startAttempts: one attempt per lead at a time');
  const rows = await trx.selectFrom('leads').select(['id', 'attempt_count']).where('id', 'in', leadIds).execute();
  const counts = new Map(rows.map((r) => [r.id, r.attempt_count]));
  const at = now();
  const attempts = inputs.map((input): CallAttempt => {
    const count = counts.get(input.leadId);
    if (count === undefined) throw new Error(`startAttempts: lead ${input.leadId} does not exist`);
    const attemptNumber = count + 1;
    return {
      id: newId(),
      lead_id: input.leadId,
      attempt_number: attemptNumber,
      provider: input.provider,
      is_test: input.isTest ? 1 : 0,
      direction: input.direction ?? 'OUTBOUND',
      number_id: input.numberId ?? null,
      from_number: input.fromNumber ?? null,
      to_number: input.toNumber,
      dial_key: `${input.leadId}:${attemptNumber}`,
      call_id: null,
      status: 'dialing',
      status_rank: 0,
      last_sequence: null,
      last_event_at: null,
      ...NO_FACTS,
      outcome: null,
      failure_reason: null,
      call_ended_by: null,
      duration_seconds: null,
      recording_url: null,
      conversation: null,
      created_at: at,
      answered_at: null,
      ended_at: null,
      finished_at: null,
      updated_at: at,
    };
  });
  await trx.insertInto('call_attempts').values(attempts).execute();
  await trx
    .updateTable('leads')
    .set((eb) => ({ status: 'PROCESSING', attempt_count: eb('attempt_count', '+', 1), call_id: null, next_attempt_at: null, updated_at: at }))
    .where('id', 'in', leadIds)
    .execute();
  return attempts;
}

/** The provider accepted the call: remember its id on the attempt and the lead. */
export async function recordPlaced(db: Tx, attemptId: string, callId: string): Promise<void> {
  await recordPlacedCalls(db, [{ attemptId, callId }]);
}

/** `recordPlaced` for several attempts in two statements (the dispatcher records calls in groups). */
export async function recordPlacedCalls(db: Tx, calls: readonly { attemptId: string; callId: string }[]): Promise<void> {
  if (calls.length === 0) return;
  const at = now();
  // `case id when <attempt> then <call id> …`: one value per row without a VALUES list, whose
  // parameters PostgreSQL could not type.
  const byId = (pairs: [string, string][]) => sql<string>`case id ${sql.join(pairs.map(([id, value]) => sql`when ${id} then ${value}`), sql` `)} end`;
  const attempts = await db
    .updateTable('call_attempts')
    // Callbacks may beat this write (the provider answers the REST call after ringing began):
    // never move the status backwards.
    .set((eb) => ({
      call_id: byId(calls.map((c) => [c.attemptId, c.callId])),
      status: eb.case().when('status_rank', '<', 1).then('initiated').else(eb.ref('status')).end(),
      status_rank: eb.case().when('status_rank', '<', 1).then(1).else(eb.ref('status_rank')).end(),
      platform_status: 'INITIATED',
      platform_reason: 'DIALED',
      updated_at: at,
    }))
    .where('id', 'in', calls.map((c) => c.attemptId))
    .returning(['lead_id', 'call_id'])
    .execute();
  if (attempts.length !== new Set(calls.map((c) => c.attemptId)).size) throw new Error('recordPlaced: no such attempt');
  await db
    .updateTable('leads')
    .set({ call_id: byId(attempts.map((a) => [a.lead_id, a.call_id!])), platform_status: 'INITIATED', platform_reason: 'DIALED', updated_at: at })
    .where('id', 'in', attempts.map((a) => a.lead_id))
    .execute();
}

export type FinishAttemptInput = {
  attemptId: string;
  facts?: Partial<OutcomeFacts>;
  callEndedBy?: CallEndedBy | null;
  durationSeconds?: number | null;
  recordingUrl?: string | null;
  /** Overrides the derived failure reason (e.g. "DND Check returned blocked=true"). */
  failureReason?: string | null;
  conversation?: ConversationSummary | null;
  /** Extra keys for the lead's metaData (pre_check_results, transfer, dtmf_inputs…). */
  metaData?: Record<string, unknown>;
  /** Re-schedule instead of finishing, e.g. a deferring pre-check: the lead waits until then. */
  deferUntil?: number;
};

export type FinishResult =
  | { finished: false }
  | { finished: true; outcome: string | null; leadStatus: 'BACKLOG' | 'FINISHED'; nextAttemptAt: number | null };

const factsOf = (a: CallAttempt): OutcomeFacts => ({
  platform_status: a.platform_status as OutcomeFacts['platform_status'],
  platform_reason: a.platform_reason,
  provider_status: a.provider_status as OutcomeFacts['provider_status'],
  provider_reason: a.provider_reason as OutcomeFacts['provider_reason'],
  provider_hangup_cause: a.provider_hangup_cause,
  session_end_reason: a.session_end_reason as OutcomeFacts['session_end_reason'],
  agent_outcome: a.agent_outcome,
  agent_outcome_source: a.agent_outcome_source as OutcomeFacts['agent_outcome_source'],
});

/**
 * Finishes an attempt exactly once (a repeated call is a no-op) and, in the same transaction:
 * derives the outcome from the facts, moves the lead to FINISHED or back to BACKLOG for a retry,
 * copies the facts onto the lead, and queues the reporting webhook and service callbacks.
 *
 * Retries: an attempt whose outcome is NO_ANSWER or BUSY is retried `retry_offset` seconds
 * later while `attempt_number <= max_retry` (max_retry counts retries after the first attempt).
 * A cancelled lead (no longer PROCESSING) is never retried.
 */
export async function finishAttempt(db: Kysely<Database>, input: FinishAttemptInput): Promise<FinishResult> {
  const result = await db.transaction().execute((trx) => finishAttemptIn(trx, input));
  // Committed: wake this node's delivery worker now rather than at its next poll.
  if (result.finished) notifyEnqueued();
  return result;
}

/** `finishAttempt` inside the caller's transaction; call `notifyEnqueued()` after it commits. */
export async function finishAttemptIn(trx: Transaction<Database>, input: FinishAttemptInput): Promise<FinishResult> {
  const at = now();
  const claimed = await trx
    .updateTable('call_attempts')
    .set({ finished_at: at, updated_at: at })
    .where('id', '=', input.attemptId)
    .where('finished_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!claimed) return { finished: false };

  const facts: OutcomeFacts = { ...factsOf(claimed), ...input.facts };
  const outcome = input.deferUntil !== undefined ? null : outcomeOf(facts);
  const failureReason = endedCleanly(facts) ? null : failureReasonOf(facts, input.failureReason);
  const recordingUrl = input.recordingUrl ?? claimed.recording_url;
  const durationSeconds = input.durationSeconds ?? claimed.duration_seconds;
  const callEndedBy = input.callEndedBy ?? (claimed.call_ended_by as CallEndedBy | null);
  await trx
    .updateTable('call_attempts')
    .set({
      ...facts,
      outcome,
      failure_reason: failureReason,
      call_ended_by: callEndedBy,
      duration_seconds: durationSeconds,
      recording_url: recordingUrl,
      ...(input.conversation && { conversation: toJson(input.conversation) }),
      ended_at: claimed.ended_at ?? at,
    })
    .where('id', '=', claimed.id)
    .execute();

  const lead = await trx.selectFrom('leads').selectAll().where('id', '=', claimed.lead_id).executeTakeFirstOrThrow();
  const config = (await loadCallConfig(trx, lead.template_id)) ?? DEFAULT_CALL_CONFIG;
  const stillOurs = lead.status === 'PROCESSING';
  const retry = stillOurs && outcome !== null && RETRYABLE_OUTCOMES.has(outcome) && claimed.attempt_number <= config.max_retry;
  const deferred = stillOurs && input.deferUntil !== undefined;
  const nextAttemptAt = deferred ? input.deferUntil! : retry ? at + config.retry_offset * 1000 : null;
  const leadStatus = deferred || retry ? 'BACKLOG' : 'FINISHED';

  const meta: LeadMetaData = { ...emptyMetaData(), ...fromJson<Partial<LeadMetaData>>(lead.meta_data, {}), ...input.metaData };
  if (input.conversation) {
    // node_entries goes to the service callback only; metaData keeps the reference's node names.
    const { transcription, node_traversal, node_entries: _entries, errors, ...rest } = input.conversation;
    Object.assign(meta, rest, { transcription, node_traversal, errors: [...meta.errors, ...errors] });
  }
  if (callEndedBy) meta.call_ended_by = callEndedBy;
  // Rendered before the lead is written so that a callback that cannot be sent is in its errors.
  const endCallbacks: EndCallbacks =
    input.conversation && facts.provider_status === 'ANSWERED' && !deferred
      ? await endCallbackRequests(trx, { lead, attempt: claimed, outcome })
      : { requests: [], errors: [] };
  for (const message of endCallbacks.errors) meta.errors.push({ at: new Date(at).toISOString(), message, source: 'end_conversation_callbacks' });

  if (stillOurs) {
    await trx
      .updateTable('leads')
      .set({
        status: leadStatus,
        ...(deferred ? {} : { outcome, ...facts }),
        // A deferral is not an attempt: the count goes back to what it was.
        attempt_count: deferred ? claimed.attempt_number - 1 : claimed.attempt_number,
        call_id: claimed.call_id,
        recording_url: recordingUrl ?? lead.recording_url,
        next_attempt_at: nextAttemptAt,
        lease_owner: null,
        lease_expires_at: null,
        meta_data: toJson(meta),
        finished_at: leadStatus === 'FINISHED' ? at : null,
        updated_at: at,
      })
      .where('id', '=', lead.id)
      .execute();
  }
  if (deferred) {
    await trx.deleteFrom('call_attempts').where('id', '=', claimed.id).execute();
    return { finished: true, outcome: null, leadStatus: 'BACKLOG', nextAttemptAt };
  }

  const owner = { reseller_id: lead.reseller_id, merchant_id: lead.merchant_id };
  if (lead.reporting_webhook_url) {
    const body =
      failureReason === null
        ? buildReportingSuccess({
            orderId: lead.request_id,
            leadId: lead.id,
            callSid: claimed.call_id ?? '',
            outcome: outcome ?? '',
            status: stillOurs ? leadStatus : lead.status,
            attemptCount: claimed.attempt_number,
            transcription: input.conversation?.transcription ?? [],
            recordingUrl: recordingUrl ?? null,
            completedAt: new Date(at),
          })
        : buildReportingFailure({
            orderId: lead.request_id,
            leadId: lead.id,
            outcome: outcome ?? 'UNKNOWN',
            attemptCount: claimed.attempt_number,
            failureReason,
          });
    await enqueueMessage(trx, { kind: 'reporting', owner, leadId: lead.id, callAttemptId: claimed.id, url: lead.reporting_webhook_url, body });
  }

  if (input.conversation && facts.provider_status === 'ANSWERED') {
    const conversation = input.conversation;
    const body = buildServiceCallback({
      leadId: lead.id,
      orderId: lead.request_id,
      callSid: claimed.call_id,
      outcome: outcome ?? 'UNKNOWN',
      transcription: conversation.transcription,
      nodeTraversal: conversation.node_entries
        ? conversation.node_entries.map((entry) => ({ nodeId: entry.node, enteredAt: new Date(entry.at) }))
        : conversation.node_traversal.map((nodeId) => ({ nodeId, enteredAt: new Date(at) })),
      collectedFields: conversation.collected_fields as Record<string, JsonValue>,
      functionCalls: conversation.function_calls.map((c) => ({
        name: c.name,
        arguments: c.arguments as Record<string, JsonValue>,
        // What the function answered the LLM (an HTTP function's JSON, an error), already redacted.
        result: (c.result ?? null) as JsonValue,
        calledAt: new Date(c.at),
      })),
      endedBy: callEndedBy === 'customer' ? 'user' : callEndedBy === 'agent' ? 'assistant' : 'system',
      completedAt: new Date(at),
    });
    for (const callback of endCallbacks.requests) {
      await enqueueMessage(trx, {
        kind: 'service_callback',
        owner,
        leadId: lead.id,
        callAttemptId: claimed.id,
        url: callback.url,
        method: callback.method,
        headers: callback.headers,
        body,
      });
    }
  }
  return { finished: true, outcome, leadStatus: stillOurs ? leadStatus : 'FINISHED', nextAttemptAt };
}

/**
 * The conversation runner the telephony routes call: it loads a call's records, runs one turn
 * of the engine, and saves the result in one transaction — the new state in
 * `call_attempts.conversation`, the session facts on the attempt row, and the turn's HTTP hook
 * requests in the outbox.
 *
 * Concurrency: a turn is computed outside any transaction (the LLM may take seconds) and saved
 * only if the row still holds the state it started from (`turn` unchanged) and the attempt is
 * not finished. A turn that lost that race is dropped: the transport gets the winner's last
 * output, or a hang-up once the attempt is finished.
 *
 * Finishing: when the conversation ends the runner records the facts and answers `hangup` (or
 * `transfer`); the provider's status callback then calls finishAttempt with its facts and
 * `summarize()`. If the provider had already reported the call over, the runner finishes the
 * attempt itself in the same transaction. finishAttempt runs at most once either way.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/connection.ts';
import { toJson, fromJson } from '../db/json.ts';
import { now } from '../core/ids.ts';
import { finishAttemptIn, type CallEndedBy, type ConversationSummary } from '../calls/attempts.ts';
import type { SessionEndReason } from '../domain/outcome.ts';
import { enqueueMessage } from '../delivery/outbox.ts';
import { notifyEnqueued } from '../delivery/signals.ts';
import { createOutboundClient, type OutboundClient } from '../delivery/outbound-http.ts';
import { CALL_STATUSES, isTerminalStatus, type NormalizedCallStatus } from '../telephony/call-status.ts';
import { HTTP_TIMEOUT_MAX_S } from '../domain/template/index.ts';
import { engineStateOf, lockAttempt, loadCallRecords, loadCredentials, type CallRecords } from './call-records.ts';
import { beginConversation, continueConversation, endedStep, resumeConversation, stopConversation, type StepResult, type TransferFailure } from './engine.ts';
import { guardedPort, MAX_ANSWER_BYTES, trustedPort } from './http-port.ts';
import { createSession, snapshotTemplate, type SessionDeps } from './session-factory.ts';
import { isEngineState, reportOf, summaryOf, type ConversationReport, type ConversationState, type TemplateSnapshot } from './state.ts';
import { hangupOutput, type TurnInput, type TurnOutput } from './turn.ts';

export type ConversationRunnerDeps = {
  db: Db;
  config: Config;
  logger: Logger;
  /** The SSRF-guarded client for template URLs; by default the runner makes (and closes) its own. */
  outbound?: OutboundClient;
  now?: () => number;
};

export type ConversationRunner = {
  /** The call was answered: load lead and template, enter the initial node (greeting first). */
  begin(attemptId: string): Promise<TurnOutput>;
  /** One caller turn: a gather result, or its timeout. */
  respond(attemptId: string, input: TurnInput): Promise<TurnOutput>;
  /**
   * What the conversation produced, for finishAttempt once the call is over; null when none
   * was started. Read-only: a conversation still running has `ending: null` (the call ended
   * under it), and the status callback decides between CUSTOMER_HANGUP and EARLY_HANGUP.
   */
  summarize(attemptId: string): Promise<ConversationReport | null>;
  /** A warm transfer failed: the conversation goes on (null when it was not waiting on one). */
  resume(attemptId: string, failure: TransferFailure): Promise<TurnOutput | null>;
  close(): Promise<void>;
};

export class ConversationNotFoundError extends Error {
  override readonly name = 'ConversationNotFoundError';
}

const isCallOver = (row: { status: string; ended_at: number | null }): boolean =>
  row.ended_at !== null || ((CALL_STATUSES as readonly string[]).includes(row.status) && isTerminalStatus(row.status as NormalizedCallStatus));

export function createConversationRunner(deps: ConversationRunnerDeps): ConversationRunner {
  const db = deps.db.kysely;
  const client =
    deps.outbound ??
    createOutboundClient({
      allowPrivateNetworks: deps.config.outboundAllowPrivateNetworks,
      connectTimeoutMs: 5_000,
      totalTimeoutMs: Math.max(HTTP_TIMEOUT_MAX_S * 1000, deps.config.llm.timeoutMs),
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
  const sessionDeps: SessionDeps = { llmEnv: deps.config.llm, guarded: guardedPort(client), trusted: trustedPort(), ...(deps.now ? { now: deps.now } : {}) };

  async function load(attemptId: string): Promise<CallRecords> {
    const records = await loadCallRecords(db, attemptId);
    if (!records) throw new ConversationNotFoundError(`no call attempt ${attemptId}`);
    return records;
  }

  /** A running conversation keeps the template it started with (`running`); a new one snapshots it now. */
  async function prepare({ attempt, lead, template }: CallRecords, running?: TemplateSnapshot) {
    if (!lead) throw new Error('the attempt\'s lead no longer exists');
    if (!template && !running) throw new Error('the lead\'s template no longer exists');
    const snapshot = running ?? snapshotTemplate(template!, fromJson<Record<string, unknown> | null>(lead.configurations_override, null));
    const session = createSession(sessionDeps, {
      template: snapshot,
      secrets: template?.secrets ?? {},
      credentials: await loadCredentials(db, lead),
      payload: fromJson<Record<string, unknown>>(lead.payload, {}),
      context: { lead_id: lead.id, order_id: lead.request_id, request_id: lead.request_id, call_sid: attempt.call_id, attempt_count: attempt.attempt_number },
    });
    return { session, snapshot };
  }

  /** Saves a turn computed from `before` (null: no conversation yet). */
  async function save(records: CallRecords, before: ConversationState | null, step: StepResult): Promise<TurnOutput> {
    const expectedTurn = before?.turn ?? null;
    const { state, output, hooks } = step;
    const { attempt, lead } = records;
    const saved = await db.transaction().execute(async (trx) => {
      const row = await lockAttempt(trx, deps.db, records.attempt.id);
      if (!row || row.finished_at !== null) return { output: hangupOutput(), queued: false };
      const current = engineStateOf(row);
      if ((current?.turn ?? null) !== expectedTurn) return { output: current?.last_output ?? hangupOutput(), queued: false };
      await trx
        .updateTable('call_attempts')
        .set({
          conversation: toJson(state),
          agent_outcome: state.agent_outcome,
          agent_outcome_source: state.agent_outcome_source,
          // An active state clears them: a failed transfer reopens an ended conversation.
          ...(state.ending ?? { session_end_reason: null, call_ended_by: null }),
          updated_at: now(),
        })
        .where('id', '=', row.id)
        .execute();
      // Hooks only come from a turn that ran, which needed the lead.
      for (const hook of lead ? hooks : []) {
        await enqueueMessage(trx, {
          kind: 'hook',
          owner: { reseller_id: lead!.reseller_id, merchant_id: lead!.merchant_id },
          leadId: lead!.id,
          callAttemptId: row.id,
          url: hook.url,
          method: hook.method,
          headers: hook.headers,
          body: hook.body ?? null,
        });
      }
      const finished =
        state.ending !== null && isCallOver(row)
          ? (await finishAttemptIn(trx, { attemptId: row.id, conversation: summaryOf(state), callEndedBy: state.ending.call_ended_by })).finished
          : false;
      return { output, queued: hooks.length > 0 || finished };
    });
    // After the commit, so that this node's delivery worker sees the rows it is woken for.
    if (saved.queued) notifyEnqueued();
    for (const error of state.errors.slice(before?.errors.length ?? 0)) {
      deps.logger.warn({ lead_id: attempt.lead_id, call_sid: attempt.call_id, source: error.source }, `conversation: ${error.message}`);
    }
    return saved.output;
  }

  /** A call that cannot start (lead or template gone, template unreadable) ends at once. */
  async function failToStart(records: CallRecords, err: unknown): Promise<TurnOutput> {
    const message = err instanceof Error ? err.message : String(err);
    deps.logger.error({ lead_id: records.attempt.lead_id, call_sid: records.attempt.call_id, err }, 'conversation could not start');
    const summary: ConversationSummary = {
      transcription: [],
      node_traversal: [],
      function_calls: [],
      collected_fields: {},
      errors: [{ at: new Date().toISOString(), message: `the conversation could not start: ${message}`, source: 'engine' }],
    };
    await db
      .updateTable('call_attempts')
      .set({ conversation: toJson(summary), session_end_reason: 'PIPELINE_ERROR', call_ended_by: 'error', updated_at: now() })
      .where('id', '=', records.attempt.id)
      .where('finished_at', 'is', null)
      .where('conversation', 'is', null)
      .execute();
    return hangupOutput();
  }

  async function begin(attemptId: string): Promise<TurnOutput> {
    const records = await load(attemptId);
    if (records.attempt.finished_at !== null) return hangupOutput();
    const existing = engineStateOf(records.attempt);
    if (existing) return existing.last_output ?? { say: [], next: endedStep(existing) };
    if (records.attempt.conversation !== null) return hangupOutput();
    let prepared;
    try {
      prepared = await prepare(records);
    } catch (err) {
      return failToStart(records, err);
    }
    return save(records, null, await beginConversation(prepared.session, prepared.snapshot));
  }

  async function respond(attemptId: string, input: TurnInput): Promise<TurnOutput> {
    const records = await load(attemptId);
    if (records.attempt.finished_at !== null) return hangupOutput();
    const state = engineStateOf(records.attempt);
    if (!state) return records.attempt.conversation === null ? begin(attemptId) : hangupOutput();
    if (state.status === 'ended') return { say: [], next: endedStep(state) };
    let prepared;
    try {
      prepared = await prepare(records, state.template);
    } catch (err) {
      deps.logger.error({ lead_id: records.attempt.lead_id, call_sid: records.attempt.call_id, err }, 'conversation turn could not run');
      const error = { at: new Date().toISOString(), message: `the turn could not run: ${err instanceof Error ? err.message : String(err)}`, source: 'engine' };
      const stopped = stopConversation(state, { session_end_reason: 'PIPELINE_ERROR', call_ended_by: 'error' }, error);
      return save(records, state, { state: stopped, output: stopped.last_output!, hooks: [] });
    }
    return save(records, state, await continueConversation(prepared.session, state, input));
  }

  async function summarize(attemptId: string): Promise<ConversationReport | null> {
    const row = await db
      .selectFrom('call_attempts')
      .select(['conversation', 'session_end_reason', 'call_ended_by', 'agent_outcome', 'agent_outcome_source'])
      .where('id', '=', attemptId)
      .executeTakeFirst();
    const value = row ? fromJson<unknown>(row.conversation, null) : null;
    if (!row || value === null) return null;
    if (isEngineState(value)) return reportOf(value);
    // Already finished (the column holds the summary) or failed to start: the row has the facts.
    const summary = value as ConversationSummary;
    return {
      summary,
      ending: row.session_end_reason ? { session_end_reason: row.session_end_reason as SessionEndReason, call_ended_by: (row.call_ended_by ?? 'error') as CallEndedBy } : null,
      agent_outcome: row.agent_outcome,
      agent_outcome_source: row.agent_outcome_source as ConversationReport['agent_outcome_source'],
      user_spoke: summary.transcription.some((e) => e.role === 'user'),
    };
  }

  async function resume(attemptId: string, failure: TransferFailure): Promise<TurnOutput | null> {
    const records = await load(attemptId);
    const state = engineStateOf(records.attempt);
    if (records.attempt.finished_at !== null || !state) return null;
    const step = resumeConversation((await prepare(records, state.template)).session, state, failure);
    return step === null ? null : save(records, state, step);
  }

  return {
    begin,
    respond,
    summarize,
    resume,
    close: () => (deps.outbound ? Promise.resolve() : client.close()),
  };
}

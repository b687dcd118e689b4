/**
 * `/{provider}/callback/status`: the call's progress, and its end.
 *
 * A callback moves the attempt's status forward only (call-status.ts): the update is
 * conditional on the stored rank (and, for Twilio, on SequenceNumber), so a repeat or a late
 * `ringing` after `completed` changes nothing, whichever node receives it. The first terminal
 * status records the provider facts and finishes the attempt once, with the conversation's
 * summary; a repeat of it only re-runs the (idempotent) finish, so a finish that failed halfway
 * is completed by the provider's retry.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { findAttempt, finishAttempt, type CallAttempt, type CallEndedBy, type FinishAttemptInput } from '../../calls/attempts.ts';
import type { OutcomeFacts } from '../../domain/outcome.ts';
import { now } from '../../core/ids.ts';
import { notFound } from '../../api/errors.ts';
import { transferReport } from '../../transfer/transfer-report.ts';
import { isTerminalStatus, statusRank } from '../call-status.ts';
import type { StatusCallback } from '../provider.ts';
import { bindCallId, resolveAttempt } from './attempt-lookup.ts';
import type { ProviderRequest, ProviderRouteDeps } from './route-deps.ts';

const TERMINAL_RANK = statusRank('completed');

export async function handleStatusCallback(deps: ProviderRouteDeps, req: ProviderRequest): Promise<void> {
  const cb = req.adapter.parseStatusCallback(req.params);
  const found = await resolveAttempt(deps.db, req.adapter.name, cb, { attemptId: req.own.attempt, graceMs: deps.placementGraceMs });
  if (!found) throw notFound('Call');
  const attempt = await bindCallId(deps.db, found, cb);
  const applied = await applyStatus(deps.db, attempt, cb);
  const endedBefore = attempt.status_rank >= TERMINAL_RANK && attempt.finished_at === null;
  if ((applied && isTerminalStatus(cb.status)) || endedBefore) await finishCall(deps, attempt.id);
}

/** Writes the callback onto the attempt if it moves the call forward; false for repeats and stragglers. */
export async function applyStatus(db: Kysely<Database>, attempt: CallAttempt, cb: StatusCallback): Promise<boolean> {
  const rank = statusRank(cb.status);
  const at = now();
  const answered = cb.facts.provider_status === 'ANSWERED';
  const result = await db
    .updateTable('call_attempts')
    .set({
      status: cb.status,
      status_rank: rank,
      last_sequence: cb.sequence ?? attempt.last_sequence,
      last_event_at: cb.timestamp?.getTime() ?? at,
      // Ringing says nothing about the outcome yet; leave the facts unset until it does.
      ...(cb.facts.provider_status === 'UNKNOWN' ? {} : cb.facts),
      ...(answered && attempt.answered_at === null ? { answered_at: at } : {}),
      ...(isTerminalStatus(cb.status) ? { ended_at: at } : {}),
      ...(cb.durationSeconds !== undefined && isTerminalStatus(cb.status) ? { duration_seconds: cb.durationSeconds } : {}),
      ...(cb.recordingUrl !== undefined ? { recording_url: cb.recordingUrl } : {}),
      updated_at: at,
    })
    .where('id', '=', attempt.id)
    .where('finished_at', 'is', null)
    .where('status_rank', '<', rank)
    .$if(cb.sequence !== undefined, (qb) => qb.where((eb) => eb.or([eb('last_sequence', 'is', null), eb('last_sequence', '<', cb.sequence!)])))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Finishes an attempt whose call has ended, with the conversation's report. A conversation
 * that had not ended on its own was cut short by the caller: CUSTOMER_HANGUP, or EARLY_HANGUP
 * when the caller never said anything.
 */
export async function finishCall(deps: ProviderRouteDeps, attemptId: string): Promise<void> {
  const attempt = await findAttempt(deps.db, attemptId);
  if (!attempt || attempt.finished_at !== null) return;
  const input: FinishAttemptInput = {
    attemptId,
    durationSeconds: attempt.duration_seconds,
    recordingUrl: attempt.recording_url,
    // The lead has no duration column; its record shows the last call's here.
    ...(attempt.duration_seconds === null ? {} : { metaData: { duration_seconds: attempt.duration_seconds } }),
  };
  if (attempt.provider_status === 'ANSWERED') Object.assign(input, await conversationFacts(deps, attemptId));
  const transfer = await transferReport(deps.db, attempt);
  if (transfer) {
    input.metaData = { ...input.metaData, transfer: transfer.transfer };
    if (!transfer.reachedAgent && input.facts?.session_end_reason === 'TRANSFERRED') input.facts = { ...input.facts, session_end_reason: 'CUSTOMER_HANGUP' };
  }
  await finishAttempt(deps.db, input);
}

async function conversationFacts(deps: ProviderRouteDeps, attemptId: string): Promise<Partial<FinishAttemptInput>> {
  let report;
  try {
    report = await deps.runner.summarize(attemptId);
  } catch (err) {
    deps.logger.error({ err, attempt_id: attemptId }, 'could not summarize the conversation of an ended call');
    return { facts: { session_end_reason: 'PIPELINE_ERROR' }, callEndedBy: 'error' };
  }
  if (report === null) return { facts: { session_end_reason: 'EARLY_HANGUP' }, callEndedBy: 'customer' };
  const facts: Partial<OutcomeFacts> = {
    agent_outcome: report.agent_outcome,
    agent_outcome_source: report.agent_outcome_source,
    session_end_reason: report.ending?.session_end_reason ?? (report.user_spoke ? 'CUSTOMER_HANGUP' : 'EARLY_HANGUP'),
  };
  const callEndedBy: CallEndedBy = report.ending?.call_ended_by ?? 'customer';
  return { facts, callEndedBy, conversation: report.summary };
}

/**
 * The record of a call's warm transfers (table `call_transfers`), one row per hand-over:
 *
 *   initiated ──the agent answered / joined the room──▶ success
 *       └──────no target · agent did not answer · provider API error──▶ failed
 *
 * Both ends are final: an update applies only while the row is `initiated`, so a callback that
 * providers repeat, or that two nodes receive, settles a transfer once (the caller of `settle`
 * learns whether it was the one that did). What the lead shows is `transferView` of the latest
 * row: `metaData.transfer` (reference §16).
 */
import type { Kysely, Selectable } from 'kysely';
import type { CallTransfersTable, Database } from '../db/schema.ts';
import { newId, now } from '../core/ids.ts';

export type TransferRow = Selectable<CallTransfersTable>;

export type TransferStatus = 'initiated' | 'success' | 'failed';

/** Why a transfer failed; the customer stays with the AI in every case. */
export type TransferFailureReason = 'agent_not_assigned' | 'agent_timeout' | 'agent_unavailable' | 'conference_api_error';

export type NewTransfer = { attemptId: string; provider: string; room: string; agentNumber: string; agentCallId?: string };

export async function createTransfer(db: Kysely<Database>, input: NewTransfer): Promise<TransferRow> {
  const at = now();
  const row: TransferRow = {
    id: newId(),
    attempt_id: input.attemptId,
    provider: input.provider,
    room: input.room,
    agent_number: input.agentNumber,
    status: 'initiated',
    reason: null,
    error: null,
    agent_call_id: input.agentCallId ?? null,
    conference_id: input.room,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto('call_transfers').values(row).execute();
  return row;
}

/** The attempt's latest transfer, if it ever tried one. */
export async function latestTransfer(db: Kysely<Database>, attemptId: string): Promise<TransferRow | undefined> {
  return db
    .selectFrom('call_transfers')
    .selectAll()
    .where('attempt_id', '=', attemptId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Ids learnt from a callback (the agent leg's call id); kept whatever the status. */
export async function noteAgentCall(db: Kysely<Database>, id: string, agentCallId: string): Promise<void> {
  await db.updateTable('call_transfers').set({ agent_call_id: agentCallId, updated_at: now() }).where('id', '=', id).execute();
}

export type Settlement = { status: 'success' } | { status: 'failed'; reason: TransferFailureReason; error?: string };

/** Moves an initiated transfer to its end; false when it had already ended. */
export async function settle(db: Kysely<Database>, id: string, end: Settlement): Promise<boolean> {
  const result = await db
    .updateTable('call_transfers')
    .set({
      status: end.status,
      ...(end.status === 'failed' ? { reason: end.reason, error: end.error ?? null } : {}),
      updated_at: now(),
    })
    .where('id', '=', id)
    .where('status', '=', 'initiated')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** `metaData.transfer`: {status, provider, conference_id, agent_call_id} (+ reason, message on failure). */
export function transferView(row: TransferRow): Record<string, unknown> {
  return {
    status: row.status,
    provider: row.provider,
    conference_id: row.conference_id,
    agent_call_id: row.agent_call_id,
    agent_number: row.agent_number,
    ...(row.reason === null ? {} : { reason: row.reason, message: FAILURE_MESSAGES[row.reason as TransferFailureReason] ?? row.reason }),
    ...(row.error === null ? {} : { error: row.error }),
  };
}

export const FAILURE_MESSAGES: Readonly<Record<TransferFailureReason, string>> = {
  agent_not_assigned: 'No support agents are available at this moment. Continuing with AI assistant.',
  agent_timeout: 'The agent did not answer in time. Continuing with AI assistant.',
  agent_unavailable: 'The agent could not be reached. Continuing with AI assistant.',
  conference_api_error: 'The call could not be bridged to an agent. Continuing with AI assistant.',
};

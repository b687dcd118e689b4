/**
 * What a call's transfers add to the lead when its attempt finishes: `metaData.transfer` (the
 * latest transfer, or the `agent_not_assigned` answer of a transfer that had no target), and
 * whether the call really reached an agent. A conversation that ended TRANSFERRED but whose
 * transfer never succeeded (the caller hung up while the agent's phone rang) is not a transfer.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { CallAttempt } from '../calls/attempts.ts';
import { engineStateOf } from '../conversation/call-records.ts';
import { latestTransfer, transferView } from './transfer-repo.ts';

export type TransferReport = { transfer: Record<string, unknown>; reachedAgent: boolean };

const isUnassigned = (result: unknown): result is Record<string, unknown> =>
  typeof result === 'object' && result !== null && (result as { reason?: unknown }).reason === 'agent_not_assigned';

export async function transferReport(db: Kysely<Database>, attempt: CallAttempt): Promise<TransferReport | null> {
  const row = await latestTransfer(db, attempt.id);
  if (row) return { transfer: transferView(row), reachedAgent: row.status === 'success' };
  const unassigned = [...(engineStateOf(attempt)?.function_calls ?? [])].reverse().find((call) => isUnassigned(call.result));
  return unassigned ? { transfer: unassigned.result as Record<string, unknown>, reachedAgent: false } : null;
}

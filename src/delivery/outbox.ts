/**
 * The webhook outbox. A message is written in the transaction of the state change that causes
 * it (an attempt finishing, a hook firing), so a crash can never lose it or send it for a change
 * that did not commit. Delivery workers (worker.ts) claim due messages with a lease and sign
 * each attempt; the body is serialised once here so that every retry sends the same bytes.
 *
 * After the transaction commits, call `notifyEnqueued()` (signals.ts) to wake this node's
 * worker at once; without it the message still goes out at the next poll.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database, WebhookMessagesTable } from '../db/schema.ts';
import { toJson } from '../db/json.ts';
import { now } from '../core/ids.ts';
import { newMessageId } from './signer.ts';
import { notifyEnqueued } from './signals.ts';

export const MESSAGE_KINDS = ['reporting', 'service_callback', 'hook'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** pending (waiting or being attempted) → succeeded | failed; resend / requeue → pending again. */
export type MessageStatus = 'pending' | 'succeeded' | 'failed';

export type NewMessage = {
  kind: MessageKind;
  owner: { reseller_id: string; merchant_id: string | null };
  leadId: string | null;
  callAttemptId?: string | null;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** A JSON value, serialised once here so that every retry sends the same bytes. */
  body: unknown;
};

export async function enqueueMessage(trx: Transaction<Database> | Kysely<Database>, message: NewMessage): Promise<string> {
  const [id] = await enqueueMessages(trx, [message]);
  return id!;
}

/** Several messages in one INSERT; ids in the order given. */
export async function enqueueMessages(trx: Transaction<Database> | Kysely<Database>, messages: readonly NewMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const at = now();
  const rows = messages.map((m) => messageRow(m, at));
  await trx.insertInto('webhook_messages').values(rows).execute();
  // Autocommitted: visible to the worker now. Inside a transaction the caller notifies after commit.
  if (!trx.isTransaction) notifyEnqueued();
  return rows.map((r) => r.id);
}

function messageRow(message: NewMessage, at: number): Insertable<WebhookMessagesTable> & { id: string } {
  return {
    id: newMessageId(at),
    reseller_id: message.owner.reseller_id,
    merchant_id: message.owner.merchant_id,
    lead_id: message.leadId,
    call_attempt_id: message.callAttemptId ?? null,
    kind: message.kind,
    url: message.url,
    method: (message.method ?? 'POST').toUpperCase(),
    headers: toJson(message.headers ?? {}),
    body: JSON.stringify(message.body ?? null),
    status: 'pending',
    attempt_count: 0,
    next_attempt_at: at,
    lease_owner: null,
    lease_expires_at: null,
    last_status_code: null,
    last_error: null,
    created_at: at,
    updated_at: at,
    completed_at: null,
    manual_attempt: 0,
  };
}

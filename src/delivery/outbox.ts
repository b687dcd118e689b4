/**
 * The webhook outbox. A message is written in the transaction of the state change that causes
 * it (an attempt finishing, a hook firing), so a crash can never lose it or send it for a change
 * that did not commit. Delivery workers claim due messages with a lease and sign each attempt.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { toJson } from '../db/json.ts';
import { now } from '../core/ids.ts';
import { newMessageId } from './signer.ts';

export const MESSAGE_KINDS = ['reporting', 'service_callback', 'hook'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

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
  const id = newMessageId();
  const at = now();
  await trx
    .insertInto('webhook_messages')
    .values({
      id,
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
    })
    .execute();
  return id;
}

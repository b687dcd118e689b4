/**
 * Reading the outbox for the API, and the two ways a person puts messages back in the queue.
 *
 * Resend / requeue make the message `pending` with `manual_attempt = 1` and due now: it keeps
 * its id (so its `webhook-id`, which receivers deduplicate on) and its attempt numbering, and is
 * tried once; if that attempt fails the message is failed again (attempt-outcome.ts), so a
 * replay of a week of failures cannot turn into a week of automatic retries.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookAttemptsTable, WebhookMessagesTable } from '../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { ownedBy } from '../db/scope.ts';
import { fromJson } from '../db/json.ts';
import { iso } from '../core/ids.ts';
import { redactSecrets, secretValuesOf } from '../domain/variables.ts';

export type MessageRow = Selectable<WebhookMessagesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;

export async function findMessage(db: Kysely<Database>, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('webhook_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function messagesOfLead(db: Kysely<Database>, leadId: string): Promise<MessageRow[]> {
  return db.selectFrom('webhook_messages').selectAll().where('lead_id', '=', leadId).orderBy('created_at').orderBy('id').execute();
}

export async function attemptsOf(db: Kysely<Database>, messageIds: readonly string[]): Promise<Map<string, AttemptRow[]>> {
  const byMessage = new Map<string, AttemptRow[]>(messageIds.map((id) => [id, []]));
  if (messageIds.length === 0) return byMessage;
  const rows = await db.selectFrom('webhook_attempts').selectAll().where('message_id', 'in', messageIds).orderBy('attempt_number').execute();
  for (const row of rows) byMessage.get(row.message_id)?.push(row);
  return byMessage;
}

export type ResendResult = 'queued' | 'in_flight' | 'not_found';

/** Due now. A message waiting for a scheduled retry keeps its schedule's remaining attempts. */
export async function resendMessage(db: Kysely<Database>, id: string, at: number): Promise<ResendResult> {
  const waiting = await db
    .updateTable('webhook_messages')
    .set({ next_attempt_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', at)]))
    .executeTakeFirst();
  if (Number(waiting.numUpdatedRows) > 0) return 'queued';
  const done = await db
    .updateTable('webhook_messages')
    .set({ status: 'pending', manual_attempt: 1, next_attempt_at: at, completed_at: null, lease_owner: null, lease_expires_at: null, updated_at: at })
    .where('id', '=', id)
    .where('status', 'in', ['succeeded', 'failed'])
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) > 0) return 'queued';
  const exists = await findMessage(db, id);
  return exists ? 'in_flight' : 'not_found';
}

/** Failed messages the caller owns, created in [since, until), back in the queue; returns how many. */
export async function requeueFailed(
  db: Kysely<Database>,
  principal: Principal,
  input: { since: number; until: number; kind?: string | undefined; at: number },
): Promise<number> {
  const result = await db
    .updateTable('webhook_messages')
    .set({ status: 'pending', manual_attempt: 1, next_attempt_at: input.at, completed_at: null, updated_at: input.at })
    .where(ownedBy(principal))
    .where('status', '=', 'failed')
    .where('created_at', '>=', input.since)
    .where('created_at', '<', input.until)
    .$if(input.kind !== undefined, (qb) => qb.where('kind', '=', input.kind!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Secret values that may appear in a message: hooks substitute the template's secrets and the
 * owner's credentials into their URL, headers and body. Headers are never shown at all.
 */
export async function secretsOfMessage(db: Kysely<Database>, message: MessageRow): Promise<string[]> {
  if (message.kind !== 'hook') return [];
  const template = message.lead_id
    ? await db
        .selectFrom('leads')
        .innerJoin('templates', 'templates.id', 'leads.template_id')
        .select('templates.secrets')
        .where('leads.id', '=', message.lead_id)
        .executeTakeFirst()
    : undefined;
  const credentials = await db
    .selectFrom('credentials')
    .select('secrets')
    .where('reseller_id', '=', message.reseller_id)
    .where((eb) => eb.or([eb('merchant_id', 'is', null), eb('merchant_id', '=', message.merchant_id)]))
    .execute();
  const merged = Object.assign({}, ...credentials.map((c) => fromJson<Record<string, unknown>>(c.secrets, {})));
  return secretValuesOf({ secrets: fromJson<Record<string, unknown>>(template?.secrets, {}), credentials: merged });
}

export function attemptView(row: AttemptRow) {
  return {
    attempt_number: row.attempt_number,
    trigger: row.trigger,
    started_at: iso(row.started_at),
    duration_ms: Number(row.duration_ms),
    status_code: row.status_code,
    response_excerpt: row.response_excerpt,
    error: row.error,
    outcome: row.outcome,
  };
}

export function messageView(row: MessageRow, attempts: AttemptRow[], secrets: readonly string[], at: number) {
  const redact = (text: string) => (secrets.length === 0 ? text : redactSecrets(text, secrets));
  const body = redact(row.body);
  return {
    id: row.id,
    lead_id: row.lead_id,
    call_attempt_id: row.call_attempt_id,
    kind: row.kind,
    reseller_id: row.reseller_id,
    merchant_id: row.merchant_id,
    url: redact(row.url),
    method: row.method,
    header_names: Object.keys(fromJson<Record<string, string>>(row.headers, {})).sort(),
    body: parseOr(body),
    status: row.status,
    in_flight: row.lease_owner !== null && Number(row.lease_expires_at) > at,
    attempt_count: row.attempt_count,
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error === null ? null : redact(row.last_error),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    completed_at: iso(row.completed_at),
    attempts: attempts.map(attemptView),
  };
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

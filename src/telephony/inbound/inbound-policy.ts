/**
 * The inbound policy of the template a call reached (reference §8.2), in order:
 *   1. enable_inbound  (applied when routing: a template with inbound off takes no calls)
 *   2. inbound hours   inbound_call_start_time–inbound_call_end_time in inbound_call_timezone
 *                      (else the config's timezone); unset = always open; may cross midnight
 *   3. blacklist       the caller is on the reseller's blacklist (when enforce_blacklist)
 *   4. rate limit      per caller and template, a fixed window of inbound_rate_limit_window_seconds
 *                      holding at most inbound_rate_limit_max_calls calls; callers listed in
 *                      inbound_whitelist are never limited
 * A refused call gets the block action (REJECT: the message, then hang up; REDIRECT: the
 * message if any, then a dial to inbound_redirect_number) and the outcome word BLOCKED_REJECT
 * or BLOCKED_REDIRECT — CAPACITY_REJECTED when the rate limit refused it. No lead is created.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CallConfig } from '../../domain/call-config.ts';
import { isWindowOpen } from '../../dispatch/calling-window.ts';
import type { AnswerDocument } from '../provider.ts';

export type BlockReason = 'no_template' | 'outside_hours' | 'blacklisted' | 'rate_limited';
export type BlockOutcome = 'BLOCKED_REJECT' | 'BLOCKED_REDIRECT' | 'CAPACITY_REJECTED';

export type Block = { reason: BlockReason; outcome: BlockOutcome; document: AnswerDocument };

const DEFAULT_MESSAGES: Readonly<Record<BlockReason, string>> = {
  no_template: 'Sorry, this number is not taking calls right now. Goodbye.',
  outside_hours: 'Sorry, we are closed right now. Please call again during business hours. Goodbye.',
  blacklisted: 'Sorry, we cannot take your call. Goodbye.',
  rate_limited: 'Sorry, we are receiving too many calls right now. Please try again later. Goodbye.',
};

export async function checkInboundPolicy(
  db: Kysely<Database>,
  input: { config: CallConfig; resellerId: string; templateId: string; caller: string; at: number },
): Promise<Block | null> {
  const { config, caller, at } = input;
  if (config.inbound_call_start_time && config.inbound_call_end_time) {
    const window = {
      start: config.inbound_call_start_time,
      end: config.inbound_call_end_time,
      timeZone: config.inbound_call_timezone ?? config.timezone,
    };
    if (!isWindowOpen(window, at)) return blockFor(config, 'outside_hours');
  }
  if (config.enforce_blacklist) {
    const listed = await db
      .selectFrom('blacklist')
      .select('phone_number')
      .where('reseller_id', '=', input.resellerId)
      .where('phone_number', '=', caller)
      .executeTakeFirst();
    if (listed) return blockFor(config, 'blacklisted');
  }
  if (config.inbound_rate_limit_enabled && !config.inbound_whitelist.includes(caller)) {
    const windowMs = config.inbound_rate_limit_window_seconds * 1000;
    const count = await countCall(db, `${input.templateId}:${caller}`, Math.floor(at / windowMs) * windowMs);
    if (count > config.inbound_rate_limit_max_calls) return blockFor(config, 'rate_limited');
  }
  return null;
}

export function blockFor(config: CallConfig, reason: BlockReason): Block {
  const message = config.inbound_block_message ?? DEFAULT_MESSAGES[reason];
  const redirect = config.inbound_block_action === 'REDIRECT' && config.inbound_redirect_number ? config.inbound_redirect_number : null;
  const outcome: BlockOutcome = reason === 'rate_limited' ? 'CAPACITY_REJECTED' : redirect ? 'BLOCKED_REDIRECT' : 'BLOCKED_REJECT';
  const document: AnswerDocument = redirect
    ? [...(config.inbound_block_message ? [{ kind: 'say' as const, text: message }] : []), { kind: 'dial', number: redirect }]
    : [{ kind: 'say', text: message }, { kind: 'hangup' }];
  return { reason, outcome, document };
}

/** Counts this call in its fixed window (atomic on both dialects) and returns the window's count. */
async function countCall(db: Kysely<Database>, bucket: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('inbound_rate_counters')
    .values({ bucket, window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet((eb) => ({ count: eb('inbound_rate_counters.count', '+', 1) })))
    .returning('count')
    .executeTakeFirstOrThrow();
  // Old windows are never read again; drop them now and then rather than in a sweeper.
  if (row.count === 1) await db.deleteFrom('inbound_rate_counters').where('window_start', '<', windowStart - 86_400_000).execute();
  return row.count;
}

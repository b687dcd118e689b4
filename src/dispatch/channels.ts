/**
 * The two gates that count calls, both derived from call_attempts rows so that there is no
 * counter to drift:
 *
 * - Per-destination rate limit (reference §8.1): how many calls were placed (attempts that
 *   were not refusals) to this number in the rolling window. Alert-only logs and proceeds;
 *   blocking makes the lead wait until the oldest counted call leaves the window.
 * - Number channels (reference §6.3, §8.3): a number carries at most `maximum_channels`
 *   calls at once, i.e. open attempts (finished_at is null) on it. A channel is therefore
 *   released exactly when its attempt finishes, by whatever finishes it.
 *
 * Both run inside the transaction that starts the attempt. On PostgreSQL the destination is
 * serialised with an advisory lock (blocking mode only) and the number row is locked
 * FOR UPDATE before counting, so concurrent dispatchers cannot both take the last channel.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Dialect } from '../db/connection.ts';
import type { CallConfig } from '../domain/call-config.ts';
import type { FlagStore } from '../flags/flag-store.ts';
import { outboundRateLimit } from '../flags/index.ts';
import type { NumberRow } from './batch-context.ts';

export type RateLimit = { maxCalls: number; windowSeconds: number; block: boolean };

/**
 * A template with `rate_limit_enabled` uses its own `rate_limit_*` fields; every other
 * template gets the deployment-wide knobs of the reference (flags / env
 * OUTBOUND_RATE_LIMIT_MAX_CALLS, _WINDOW_SECONDS, _BLOCK_ENABLED; alert-only by default).
 */
export function rateLimitOf(config: CallConfig, flags: FlagStore): RateLimit {
  if (config.rate_limit_enabled) {
    return { maxCalls: config.rate_limit_max_calls, windowSeconds: config.rate_limit_window_seconds, block: config.rate_limit_block_enabled };
  }
  const global = outboundRateLimit(flags);
  return { maxCalls: global.maxCalls, windowSeconds: global.windowSeconds, block: global.blockEnabled };
}

/** Calls placed to `phone` since `since`, and when the oldest of them was placed. */
export async function destinationUsage(trx: Transaction<Database>, phone: string, since: number): Promise<{ count: number; oldest: number | null }> {
  const row = await trx
    .selectFrom('call_attempts')
    .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.min<number | null>('created_at').as('oldest')])
    .where('to_number', '=', phone)
    .where('created_at', '>', since)
    .where('direction', '=', 'OUTBOUND')
    .where((w) => w.or([w('platform_status', 'is', null), w('platform_status', '=', 'INITIATED')]))
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldest: row.oldest === null ? null : Number(row.oldest) };
}

/**
 * The first candidate with a free channel, locked for this transaction; null when all are
 * busy. `full` remembers numbers found busy during one batch so they are not counted again.
 */
export async function takeChannel(trx: Transaction<Database>, dialect: Dialect, candidates: NumberRow[], full: Set<string>): Promise<NumberRow | null> {
  for (const number of candidates) {
    if (full.has(number.id)) continue;
    if (dialect === 'postgres') {
      const locked = await trx.selectFrom('numbers').select('status').where('id', '=', number.id).forUpdate().executeTakeFirst();
      if (locked?.status !== 'AVAILABLE') continue;
    }
    const open = await trx
      .selectFrom('call_attempts')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('number_id', '=', number.id)
      .where('finished_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(open.count) < number.maximum_channels) return number;
    full.add(number.id);
  }
  return null;
}

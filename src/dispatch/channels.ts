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
 * Both are read inside the transaction that starts a group of attempts (dial-transaction.ts),
 * which then counts its own calls in memory. On PostgreSQL the destinations are serialised
 * with advisory locks (blocking mode only) and the number rows are locked FOR UPDATE before
 * counting, so concurrent dispatchers cannot both take the last channel.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Dialect } from '../db/connection.ts';
import type { CallConfig } from '../domain/call-config.ts';
import type { FlagStore } from '../flags/flag-store.ts';
import { outboundRateLimit } from '../flags/index.ts';

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

/** When each call placed to one of `phones` since `since` was placed, oldest first, per phone. */
export async function placedCallTimes(trx: Transaction<Database>, phones: readonly string[], since: number): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  if (phones.length === 0) return times;
  const rows = await trx
    .selectFrom('call_attempts')
    .select(['to_number', 'created_at'])
    .where('to_number', 'in', [...new Set(phones)])
    .where('created_at', '>', since)
    .where('direction', '=', 'OUTBOUND')
    .where((w) => w.or([w('platform_status', 'is', null), w('platform_status', '=', 'INITIATED')]))
    .orderBy('created_at')
    .execute();
  for (const row of rows) {
    const list = times.get(row.to_number) ?? [];
    list.push(Number(row.created_at));
    times.set(row.to_number, list);
  }
  return times;
}

/**
 * The open calls (busy channels) of each of these numbers that is still AVAILABLE. On
 * PostgreSQL the number rows are locked first, in id order so that concurrent groups cannot
 * deadlock, and stay locked until the transaction ends: no other node can count the same free
 * channel meanwhile.
 */
export async function lockNumbers(trx: Transaction<Database>, dialect: Dialect, numberIds: readonly string[]): Promise<Map<string, number>> {
  const busy = new Map<string, number>();
  if (numberIds.length === 0) return busy;
  const ids = [...new Set(numberIds)];
  const available = await trx
    .selectFrom('numbers')
    .select(['id', 'status'])
    .where('id', 'in', ids)
    .orderBy('id')
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .execute();
  for (const row of available) if (row.status === 'AVAILABLE') busy.set(row.id, 0);
  if (busy.size === 0) return busy;
  const open = await trx
    .selectFrom('call_attempts')
    .select((eb) => ['number_id', eb.fn.countAll<number | string>().as('count')])
    .where('number_id', 'in', [...busy.keys()])
    .where('finished_at', 'is', null)
    .groupBy('number_id')
    .execute();
  for (const row of open) busy.set(row.number_id!, Number(row.count));
  return busy;
}

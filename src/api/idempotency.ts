/**
 * `Idempotency-Key` for creating requests: the same key and body from the same caller within
 * the retention window returns the first response and creates nothing. The key row is written
 * in the same transaction as the object it created, so a crash can never leave one without
 * the other, and two concurrent requests with one key settle on a single winner.
 */
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/schema.ts';
import type { Db } from '../db/connection.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { stableStringify } from '../core/stable-json.ts';
import { now } from '../core/ids.ts';
import { badRequest, conflict } from './errors.ts';

export type StoredResponse = { statusCode: number; body: unknown; replayed: boolean };

type Scope = { principal: string; key: string; requestHash: string };

export function idempotencyScope(req: FastifyRequest, principal: string): Scope | null {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return null;
  if (typeof key !== 'string' || key.length < 1 || key.length > 255) {
    throw badRequest('Idempotency-Key must be 1 to 255 characters');
  }
  const requestHash = createHash('sha256').update(`${req.method} ${req.url}\n${stableStringify(req.body)}`).digest('hex');
  return { principal, key, requestHash };
}

async function replay(db: Db, scope: Scope, ttlMs: number): Promise<StoredResponse | null> {
  const row = await db.kysely
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('principal', '=', scope.principal)
    .where('key', '=', scope.key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.created_at < now() - ttlMs) {
    await db.kysely.deleteFrom('idempotency_keys').where('principal', '=', scope.principal).where('key', '=', scope.key).execute();
    return null;
  }
  if (row.request_hash !== scope.requestHash) {
    throw conflict('Idempotency-Key was already used with a different request body');
  }
  return { statusCode: row.status_code, body: JSON.parse(row.response_body), replayed: true };
}

/**
 * Runs `create` in a transaction (or replays the stored response). `create` returns the
 * response to send; with a key, it is stored alongside in the same transaction.
 */
export async function withIdempotency(
  db: Db,
  scope: Scope | null,
  ttlMs: number,
  create: (trx: Transaction<Database>) => Promise<{ statusCode: number; body: unknown }>,
): Promise<StoredResponse> {
  if (scope) {
    const earlier = await replay(db, scope, ttlMs);
    if (earlier) return earlier;
  }
  try {
    const response = await db.kysely.transaction().execute(async (trx) => {
      const result = await create(trx);
      if (scope) {
        await trx
          .insertInto('idempotency_keys')
          .values({
            principal: scope.principal,
            key: scope.key,
            request_hash: scope.requestHash,
            status_code: result.statusCode,
            response_body: JSON.stringify(result.body),
            created_at: now(),
          })
          .execute();
      }
      return result;
    });
    return { ...response, replayed: false };
  } catch (err) {
    // A concurrent request with the same key committed first: answer as it did.
    if (scope && isUniqueViolation(err)) {
      const earlier = await replay(db, scope, ttlMs);
      if (earlier) return earlier;
    }
    throw err;
  }
}

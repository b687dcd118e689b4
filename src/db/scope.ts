/**
 * The tenant filter every list query goes through, so a forgotten `where reseller_id = …` is
 * impossible: lists show only what the caller owns (reference §3.3).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Principal } from '../auth/principal.ts';

/** SQL condition on `reseller_id` / `merchant_id` of the queried table; `sql\`true\`` for admins. */
export function ownedBy(principal: Principal): Expression<SqlBool> {
  switch (principal.role) {
    case 'admin':
      return sql<SqlBool>`1 = 1`;
    case 'reseller':
      return sql<SqlBool>`reseller_id = ${principal.resellerId}`;
    case 'merchant':
      return sql<SqlBool>`reseller_id = ${principal.resellerId} and merchant_id = ${principal.merchantId}`;
    case 'user':
      return principal.merchantId === null
        ? sql<SqlBool>`reseller_id = ${principal.resellerId}`
        : sql<SqlBool>`reseller_id = ${principal.resellerId} and merchant_id = ${principal.merchantId}`;
  }
}

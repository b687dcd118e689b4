/**
 * Bearer tokens: HS256 JWTs signed with JWT_SECRET (or a secret generated on first start and
 * kept in the settings table, so every node sharing the database accepts the same tokens).
 *
 * Access tokens (from /login) expire; S2S tokens (from /s2s-token) do not, and are checked
 * against the api_tokens table on each use so that revocation takes effect at once.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Db } from '../db/connection.ts';
import { ROLES, type Principal, type Role } from './principal.ts';

const ISSUER = 'buddy';

export type TokenService = {
  issueAccessToken(p: Omit<Principal, 'tokenKind'>): Promise<{ token: string; expiresIn: number }>;
  issueS2sToken(p: Omit<Principal, 'tokenKind'>, tokenId: string): Promise<string>;
  /** Returns the principal, or null for a bad, expired or revoked token. */
  verify(token: string): Promise<Principal | null>;
};

export async function loadJwtSecret(db: Db, configured: string | undefined): Promise<Uint8Array> {
  if (configured) return new TextEncoder().encode(configured);
  const generated = randomBytes(48).toString('base64url');
  // Insert-if-absent then read back: two nodes starting together settle on one secret.
  await db.kysely
    .insertInto('settings')
    .values({ key: 'jwt_secret', value: generated })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', 'jwt_secret').executeTakeFirstOrThrow();
  return new TextEncoder().encode(row.value);
}

export function createTokenService(db: Db, secret: Uint8Array, accessTtlSeconds: number): TokenService {
  const claimsOf = (p: Omit<Principal, 'tokenKind'>) => ({
    role: p.role,
    reseller_id: p.resellerId,
    merchant_id: p.merchantId,
    // The client SDK reads list-shaped claims (reference §3.5); we carry both forms.
    reseller_ids: p.resellerId ? [p.resellerId] : [],
    merchant_ids: p.merchantId ? [p.merchantId] : [],
  });

  return {
    async issueAccessToken(p) {
      const token = await new SignJWT({ ...claimsOf(p), typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(p.subject)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${accessTtlSeconds}s`)
        .sign(secret);
      return { token, expiresIn: accessTtlSeconds };
    },

    async issueS2sToken(p, tokenId) {
      return new SignJWT({ ...claimsOf(p), typ: 's2s' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(p.subject)
        .setIssuer(ISSUER)
        .setJti(tokenId)
        .setIssuedAt()
        .sign(secret);
    },

    async verify(token) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'] }));
      } catch (err) {
        if (err instanceof joseErrors.JOSEError) return null;
        throw err;
      }
      const role = payload.role as Role;
      if (!ROLES.includes(role) || typeof payload.sub !== 'string') return null;
      const kind = payload.typ === 's2s' ? 's2s' : 'access';
      if (kind === 's2s') {
        if (typeof payload.jti !== 'string') return null;
        const row = await db.kysely
          .selectFrom('api_tokens')
          .select('revoked_at')
          .where('id', '=', payload.jti)
          .executeTakeFirst();
        if (!row || row.revoked_at !== null) return null;
      }
      return {
        subject: payload.sub,
        role,
        resellerId: typeof payload.reseller_id === 'string' ? payload.reseller_id : null,
        merchantId: typeof payload.merchant_id === 'string' ? payload.merchant_id : null,
        tokenKind: kind,
      };
    },
  };
}

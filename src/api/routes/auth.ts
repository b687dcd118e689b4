/**
 * Login, S2S tokens (long-lived, for a named integration; revocable), and user accounts.
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { hashPassword, verifyPassword } from '../../auth/passwords.ts';
import { ROLES, type Principal } from '../../auth/principal.ts';
import { ownedBy } from '../../db/scope.ts';
import { newId, now, iso } from '../../core/ids.ts';
import { authorize, ownerForCreate } from '../authenticate.ts';
import { conflict, forbidden, HttpError, notFound } from '../errors.ts';
import { isUniqueViolation } from '../../db/errors.ts';

const loginBody = z.object({ email: z.string().min(1), password: z.string().min(1) });

const userView = (u: { id: string; email: string; role: string; reseller_id: string | null; merchant_id: string | null; created_at: number }) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  reseller_id: u.reseller_id,
  merchant_id: u.merchant_id,
  created_at: iso(u.created_at),
});

export function registerLoginRoute(app: Routes, deps: AppDeps): void {
  app.post('/login', { schema: { body: loginBody, security: [], tags: ['auth'] } }, async (req) => {
    const user = await deps.db.kysely.selectFrom('users').selectAll().where('email', '=', req.body.email.toLowerCase()).executeTakeFirst();
    // Same answer for an unknown email and a wrong password, so emails cannot be probed.
    if (!user || !(await verifyPassword(req.body.password, user.password_hash))) {
      throw new HttpError(422, 'Incorrect email or password');
    }
    const principal = { subject: user.id, role: user.role as Principal['role'], resellerId: user.reseller_id, merchantId: user.merchant_id };
    const { token, expiresIn } = await deps.tokens.issueAccessToken(principal);
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn, user: userView(user) };
  });
}

/** Roles a caller may grant: admins any; resellers only roles below them, within their reseller. */
function assertMayGrant(principal: Principal, role: Principal['role']): void {
  if (principal.role === 'admin') return;
  if (role === 'admin' || role === 'reseller') throw forbidden(`a ${principal.role} may not grant role '${role}'`);
}

const scopedIdentity = z.object({
  role: z.enum(ROLES),
  reseller_id: z.string().min(1).max(64).optional(),
  merchant_id: z.string().min(1).max(64).nullish(),
});

function identityOwner(principal: Principal, body: z.infer<typeof scopedIdentity>) {
  if (body.role === 'admin') return { reseller_id: null, merchant_id: null };
  const owner = ownerForCreate(principal, body);
  if (body.role === 'merchant' && !owner.merchant_id) throw new HttpError(422, [{ loc: ['body', 'merchant_id'], msg: 'merchant_id is required for role merchant', type: 'missing' }]);
  return { reseller_id: owner.reseller_id, merchant_id: body.role === 'reseller' ? null : owner.merchant_id };
}

export function registerTokenRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;

  app.post(
    '/s2s-token',
    { schema: { body: scopedIdentity.extend({ name: z.string().min(1).max(200) }), tags: ['auth'] } },
    async (req, reply) => {
      const principal = authorize(req, 'tokens', 'write');
      assertMayGrant(principal, req.body.role);
      const owner = identityOwner(principal, req.body);
      const id = newId();
      await db
        .insertInto('api_tokens')
        .values({ id, name: req.body.name, role: req.body.role, ...owner, created_by: principal.subject, created_at: now(), revoked_at: null })
        .execute();
      const token = await deps.tokens.issueS2sToken(
        { subject: `s2s:${id}`, role: req.body.role, resellerId: owner.reseller_id, merchantId: owner.merchant_id },
        id,
      );
      return reply.code(201).send({ id, name: req.body.name, access_token: token, token_type: 'bearer', role: req.body.role, ...owner });
    },
  );

  app.get('/s2s-tokens', { schema: { tags: ['auth'] } }, async (req) => {
    const principal = authorize(req, 'tokens', 'read');
    const rows = await db.selectFrom('api_tokens').selectAll().where(ownedBy(principal)).orderBy('created_at', 'desc').execute();
    return {
      tokens: rows.map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        reseller_id: t.reseller_id,
        merchant_id: t.merchant_id,
        created_at: iso(t.created_at),
        revoked_at: iso(t.revoked_at),
      })),
    };
  });

  app.delete('/s2s-token/:id', { schema: { params: z.object({ id: z.string() }), tags: ['auth'] } }, async (req, reply) => {
    const principal = authorize(req, 'tokens', 'write');
    const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!row) throw notFound('S2S token');
    if (principal.role !== 'admin' && (row.role === 'admin' || row.reseller_id !== principal.resellerId)) {
      throw forbidden('S2S token belongs to another tenant');
    }
    await db.updateTable('api_tokens').set({ revoked_at: now() }).where('id', '=', req.params.id).where('revoked_at', 'is', null).execute();
    return reply.code(204).send();
  });

  app.post(
    '/users',
    { schema: { body: scopedIdentity.extend({ email: z.string().email(), password: z.string().min(8) }), tags: ['auth'] } },
    async (req, reply) => {
      const principal = authorize(req, 'users', 'write');
      assertMayGrant(principal, req.body.role);
      const owner = identityOwner(principal, req.body);
      const user = {
        id: newId(),
        email: req.body.email.toLowerCase(),
        password_hash: await hashPassword(req.body.password),
        role: req.body.role,
        ...owner,
        created_at: now(),
      };
      try {
        await db.insertInto('users').values(user).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('a user with this email already exists');
        throw err;
      }
      return reply.code(201).send(userView(user));
    },
  );

  app.get('/users', { schema: { tags: ['auth'] } }, async (req) => {
    const principal = authorize(req, 'users', 'read');
    const rows = await db.selectFrom('users').selectAll().where(ownedBy(principal)).orderBy('created_at').execute();
    return { users: rows.map(userView) };
  });
}

/**
 * The blacklist: numbers a reseller's leads must never dial when the template's config has
 * `enforce_blacklist` (reference §9.1). Kept per reseller; merchants can read it.
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate } from '../authenticate.ts';
import { fieldError } from '../errors.ts';
import { now, iso } from '../../core/ids.ts';
import { E164_MESSAGE, isE164 } from '../../domain/phone.ts';
import type { Principal } from '../../auth/principal.ts';

const phoneList = z.array(z.string().refine(isE164, E164_MESSAGE)).min(1).max(10_000);
const changeBody = z.object({ phone_numbers: phoneList, reseller_id: z.string().min(1).optional() });

function resellerFor(principal: Principal, requested: string | undefined): string {
  if (principal.role === 'admin' && !requested) throw fieldError(['body', 'reseller_id'], 'Field required', 'missing');
  return ownerForCreate(principal, { reseller_id: requested }).reseller_id;
}

export function registerBlacklistRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;

  app.post('/blacklist', { schema: { body: changeBody, tags: ['blacklist'] } }, async (req, reply) => {
    const principal = authorize(req, 'blacklist', 'write');
    const resellerId = resellerFor(principal, req.body.reseller_id);
    const at = now();
    const unique = [...new Set(req.body.phone_numbers)];
    await db
      .insertInto('blacklist')
      .values(unique.map((phone_number) => ({ reseller_id: resellerId, phone_number, created_at: at })))
      .onConflict((oc) => oc.columns(['reseller_id', 'phone_number']).doNothing())
      .execute();
    return reply.code(201).send({ reseller_id: resellerId, phone_numbers: unique });
  });

  app.get(
    '/blacklist',
    { schema: { querystring: z.object({ reseller_id: z.string().optional(), phone_number: z.string().optional() }), tags: ['blacklist'] } },
    async (req) => {
      const principal = authorize(req, 'blacklist', 'read');
      const resellerId = principal.role === 'admin' ? req.query.reseller_id : principal.resellerId;
      const rows = await db
        .selectFrom('blacklist')
        .selectAll()
        .$if(resellerId !== undefined, (qb) => qb.where('reseller_id', '=', resellerId!))
        .$if(req.query.phone_number !== undefined, (qb) => qb.where('phone_number', '=', req.query.phone_number!))
        .orderBy('created_at', 'desc')
        .execute();
      return { entries: rows.map((r) => ({ ...r, created_at: iso(r.created_at) })) };
    },
  );

  // DELETE with a JSON body, as the reference documents it.
  app.delete('/blacklist', { schema: { body: changeBody, tags: ['blacklist'] } }, async (req) => {
    const principal = authorize(req, 'blacklist', 'write');
    const resellerId = resellerFor(principal, req.body.reseller_id);
    const result = await db
      .deleteFrom('blacklist')
      .where('reseller_id', '=', resellerId)
      .where('phone_number', 'in', req.body.phone_numbers)
      .executeTakeFirst();
    return { reseller_id: resellerId, removed: Number(result.numDeletedRows) };
  });
}

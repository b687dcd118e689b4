/** Merchants: business entities under a reseller (reference §9.1). */
import { z } from 'zod';
import type { Selectable } from 'kysely';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate, visibleOr404, writableOr403 } from '../authenticate.ts';
import { conflict } from '../errors.ts';
import { newId, now, iso } from '../../core/ids.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { MerchantsTable } from '../../db/schema.ts';

const idParams = z.object({ id: z.string().min(1) });
const createBody = z.object({
  // Callers may choose the id (the reference's examples use ids like `mer_abc`); else a UUID.
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (at most 64)').optional(),
  name: z.string().min(1).max(200),
  reseller_id: z.string().min(1).max(64).optional(),
  contact_email: z.string().email().nullish(),
});
const updateBody = z.object({ name: z.string().min(1).max(200).optional(), contact_email: z.string().email().nullish() });

// Merchants are owned by their reseller; a merchant row's own id is its merchant scope.
const ownerOf = (m: Selectable<MerchantsTable>) => ({ ...m, merchant_id: m.id });
const merchantView = (m: Selectable<MerchantsTable>) => ({ ...m, created_at: iso(m.created_at), updated_at: iso(m.updated_at) });

export function registerMerchantRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;
  const findMerchant = async (id: string) => {
    const row = await db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && ownerOf(row);
  };

  app.post('/merchants', { schema: { body: createBody, tags: ['merchants'] } }, async (req, reply) => {
    const principal = authorize(req, 'merchants', 'write');
    const owner = ownerForCreate(principal, { reseller_id: req.body.reseller_id });
    const at = now();
    const row = {
      id: req.body.id ?? newId(),
      reseller_id: owner.reseller_id,
      name: req.body.name,
      contact_email: req.body.contact_email ?? null,
      created_at: at,
      updated_at: at,
    };
    try {
      await db.insertInto('merchants').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`merchant ${row.id} already exists`);
      throw err;
    }
    return reply.code(201).send(merchantView(row));
  });

  app.get('/merchants', { schema: { tags: ['merchants'] } }, async (req) => {
    const principal = authorize(req, 'merchants', 'read');
    const rows = await db
      .selectFrom('merchants')
      .selectAll()
      .$if(principal.role !== 'admin', (qb) => qb.where('reseller_id', '=', principal.resellerId ?? ''))
      .orderBy('created_at', 'desc')
      .execute();
    return { merchants: rows.map(merchantView) };
  });

  app.get('/merchants/:id', { schema: { params: idParams, tags: ['merchants'] } }, async (req) => {
    const principal = authorize(req, 'merchants', 'read');
    return merchantView(visibleOr404(principal, await findMerchant(req.params.id), 'Merchant'));
  });

  app.put('/merchants/:id', { schema: { params: idParams, body: updateBody, tags: ['merchants'] } }, async (req) => {
    const principal = authorize(req, 'merchants', 'write');
    const existing = writableOr403(principal, await findMerchant(req.params.id), 'Merchant');
    const changes = { ...req.body, updated_at: now() };
    await db.updateTable('merchants').set(changes).where('id', '=', existing.id).execute();
    const { merchant_id: _m, ...row } = { ...existing, ...changes, contact_email: req.body.contact_email === undefined ? existing.contact_email : (req.body.contact_email ?? null) };
    return merchantView(row);
  });

  app.delete('/merchants/:id', { schema: { params: idParams, tags: ['merchants'] } }, async (req, reply) => {
    const principal = authorize(req, 'merchants', 'write');
    const existing = writableOr403(principal, await findMerchant(req.params.id), 'Merchant');
    await db.deleteFrom('merchants').where('id', '=', existing.id).execute();
    return reply.code(204).send();
  });
}

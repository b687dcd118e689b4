/** Outbound/inbound numbers (reference §9.1). A number says which provider carries it. */
import { z } from 'zod';
import type { Selectable } from 'kysely';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate, visibleOr404, writableOr403 } from '../authenticate.ts';
import { conflict } from '../errors.ts';
import { newId, now, iso } from '../../core/ids.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { ownedBy } from '../../db/scope.ts';
import type { NumbersTable } from '../../db/schema.ts';
import { E164_MESSAGE, isE164 } from '../../domain/phone.ts';

const idParams = z.object({ id: z.string().min(1) });
const provider = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(['TWILIO', 'PLIVO', 'EXOTEL']));
const status = z.enum(['AVAILABLE', 'IN_USE', 'DISABLED']);
const numberFields = {
  provider,
  status: status.default('AVAILABLE'),
  channel: z.string().min(1).default('voice'),
  maximum_channels: z.number().int().min(1).max(1000).default(1).describe('concurrent calls this number may carry'),
};
const createBody = z.object({
  phone_number: z.string().refine(isE164, E164_MESSAGE),
  ...numberFields,
  reseller_id: z.string().optional(),
  merchant_id: z.string().nullish(),
});
const updateBody = z.object({
  provider: provider.optional(),
  status: status.optional(),
  channel: z.string().min(1).optional(),
  maximum_channels: z.number().int().min(1).max(1000).optional(),
});

function numberView(n: Selectable<NumbersTable>) {
  return { ...n, created_at: iso(n.created_at), updated_at: iso(n.updated_at) };
}

export function registerNumberRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;
  const findNumber = (id: string) => db.selectFrom('numbers').selectAll().where('id', '=', id).executeTakeFirst();

  app.post('/numbers', { schema: { body: createBody, tags: ['numbers'] } }, async (req, reply) => {
    const principal = authorize(req, 'numbers', 'write');
    const { reseller_id, merchant_id, ...fields } = req.body;
    const owner = ownerForCreate(principal, { reseller_id, merchant_id });
    const at = now();
    const row = { id: newId(), ...owner, ...fields, created_at: at, updated_at: at };
    // Point the provider at Buddy before saving (src/telephony/numbers); the outcome is part of the answer.
    const taken = await db.selectFrom('numbers').select('id').where('phone_number', '=', fields.phone_number).executeTakeFirst();
    if (taken) throw conflict(`phone number ${fields.phone_number} is already registered`);
    const provider = fields.provider.toLowerCase() as 'twilio' | 'plivo' | 'exotel';
    const setup = deps.telephony ? await deps.telephony.numbers.configure(provider, fields.phone_number) : null;
    try {
      await db.insertInto('numbers').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`phone number ${fields.phone_number} is already registered`);
      throw err;
    }
    if (setup) await deps.telephony!.numbers.save(row.id, provider, setup);
    return reply.code(201).send({ ...numberView(row), ...setup });
  });

  app.get('/numbers', { schema: { tags: ['numbers'] } }, async (req) => {
    const principal = authorize(req, 'numbers', 'read');
    const rows = await db.selectFrom('numbers').selectAll().where(ownedBy(principal)).orderBy('created_at', 'desc').execute();
    return { numbers: rows.map(numberView) };
  });

  app.get('/numbers/:id', { schema: { params: idParams, tags: ['numbers'] } }, async (req) => {
    const principal = authorize(req, 'numbers', 'read');
    return numberView(visibleOr404(principal, await findNumber(req.params.id), 'Number'));
  });

  app.put('/numbers/:id', { schema: { params: idParams, body: updateBody, tags: ['numbers'] } }, async (req) => {
    const principal = authorize(req, 'numbers', 'write');
    const existing = writableOr403(principal, await findNumber(req.params.id), 'Number');
    const updated = { ...existing, ...req.body, updated_at: now() };
    await db.updateTable('numbers').set({ ...req.body, updated_at: updated.updated_at }).where('id', '=', existing.id).execute();
    return numberView(updated);
  });

  app.delete('/numbers/:id', { schema: { params: idParams, tags: ['numbers'] } }, async (req, reply) => {
    const principal = authorize(req, 'numbers', 'write');
    const existing = writableOr403(principal, await findNumber(req.params.id), 'Number');
    // The reference warns not to delete a number mid-call; we refuse it.
    if (existing.status === 'IN_USE') throw conflict('number is IN_USE by a live call; disable it after the call ends');
    await db.deleteFrom('numbers').where('id', '=', existing.id).execute();
    return reply.code(204).send();
  });
}

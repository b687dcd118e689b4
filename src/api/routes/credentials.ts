/**
 * Merchant-level credentials: named sets of secrets that fill `{placeholders}` in pre-checks,
 * hooks and HTTP functions (reference §7, §13, lowest priority). Write-only: a GET shows the
 * names of the keys, never the values.
 */
import { z } from 'zod';
import type { Selectable } from 'kysely';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate, visibleOr404, writableOr403 } from '../authenticate.ts';
import { newId, now, iso } from '../../core/ids.ts';
import { fromJson, toJson } from '../../db/json.ts';
import { ownedBy } from '../../db/scope.ts';
import type { CredentialsTable } from '../../db/schema.ts';

const idParams = z.object({ id: z.string().min(1) });
const secrets = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a placeholder name'), z.string());
const createBody = z.object({
  name: z.string().min(1).max(200),
  secrets,
  reseller_id: z.string().min(1).optional(),
  merchant_id: z.string().min(1).nullish(),
});
const updateBody = z.object({ name: z.string().min(1).max(200).optional(), secrets: secrets.optional() });

function credentialView(row: Selectable<CredentialsTable>) {
  return {
    id: row.id,
    name: row.name,
    reseller_id: row.reseller_id,
    merchant_id: row.merchant_id,
    secret_names: Object.keys(fromJson<Record<string, string>>(row.secrets, {})).sort(),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function registerCredentialRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;
  const findCredential = (id: string) => db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();

  app.post('/credentials', { schema: { body: createBody, tags: ['credentials'] } }, async (req, reply) => {
    const principal = authorize(req, 'credentials', 'write');
    const owner = ownerForCreate(principal, req.body);
    const at = now();
    const row = { id: newId(), ...owner, name: req.body.name, secrets: toJson(req.body.secrets), created_at: at, updated_at: at };
    await db.insertInto('credentials').values(row).execute();
    return reply.code(201).send(credentialView(row));
  });

  app.get('/credentials', { schema: { tags: ['credentials'] } }, async (req) => {
    const principal = authorize(req, 'credentials', 'read');
    const rows = await db.selectFrom('credentials').selectAll().where(ownedBy(principal)).orderBy('created_at', 'desc').execute();
    return { credentials: rows.map(credentialView) };
  });

  app.get('/credentials/:id', { schema: { params: idParams, tags: ['credentials'] } }, async (req) => {
    const principal = authorize(req, 'credentials', 'read');
    return credentialView(visibleOr404(principal, await findCredential(req.params.id), 'Credential'));
  });

  // `secrets` given here replace the stored set whole, so a removed key really goes away.
  app.put('/credentials/:id', { schema: { params: idParams, body: updateBody, tags: ['credentials'] } }, async (req) => {
    const principal = authorize(req, 'credentials', 'write');
    const existing = writableOr403(principal, await findCredential(req.params.id), 'Credential');
    const updated = {
      ...existing,
      ...(req.body.name !== undefined && { name: req.body.name }),
      ...(req.body.secrets !== undefined && { secrets: toJson(req.body.secrets) }),
      updated_at: now(),
    };
    await db.updateTable('credentials').set({ name: updated.name, secrets: updated.secrets, updated_at: updated.updated_at }).where('id', '=', existing.id).execute();
    return credentialView(updated);
  });

  app.delete('/credentials/:id', { schema: { params: idParams, tags: ['credentials'] } }, async (req, reply) => {
    const principal = authorize(req, 'credentials', 'write');
    const existing = writableOr403(principal, await findCredential(req.params.id), 'Credential');
    await db.deleteFrom('credentials').where('id', '=', existing.id).execute();
    return reply.code(204).send();
  });
}

/**
 * Call execution configuration, one per template (reference §5). Owned by the template's owner;
 * merchants may read theirs, and only admins and resellers change them (reference §3.3).
 */
import { z } from 'zod';
import type { Selectable } from 'kysely';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, visibleOr404, writableOr403 } from '../authenticate.ts';
import { conflict, fieldError, fromZodError } from '../errors.ts';
import { newId, now, iso } from '../../core/ids.ts';
import { fromJson, toJson } from '../../db/json.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { ownedBy } from '../../db/scope.ts';
import type { CallConfigsTable } from '../../db/schema.ts';
import { findTemplateById, findTemplateByName } from '../../db/repos/templates.ts';
import { callConfigSchema, type CallConfig } from '../../domain/call-config.ts';

const idParams = z.object({ id: z.string().min(1) });
const createBody = z.looseObject({
  template_id: z.string().min(1).optional(),
  template: z.string().min(1).optional().describe('template name, as leads reference it'),
  reseller_id: z.string().optional(),
  merchant_id: z.string().nullish(),
});

function configView(row: Selectable<CallConfigsTable>) {
  return {
    id: row.id,
    template_id: row.template_id,
    reseller_id: row.reseller_id,
    merchant_id: row.merchant_id,
    ...fromJson<CallConfig>(row.settings, {} as CallConfig),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function parseSettings(input: Record<string, unknown>): CallConfig {
  const result = callConfigSchema.safeParse(input);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

const OWNERSHIP_KEYS = ['id', 'template_id', 'template', 'reseller_id', 'merchant_id', 'created_at', 'updated_at'];
const settingsOf = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).filter(([k]) => !OWNERSHIP_KEYS.includes(k)));

export function registerConfigRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;
  const findConfig = (id: string) => db.selectFrom('call_configs').selectAll().where('id', '=', id).executeTakeFirst();

  app.post('/configurations', { schema: { body: createBody, tags: ['configurations'] } }, async (req, reply) => {
    const principal = authorize(req, 'configs', 'write');
    const { template_id, template: templateName } = req.body;
    if (!template_id && !templateName) throw fieldError(['body', 'template_id'], 'template_id (or template name) is required', 'missing');
    const template = template_id
      ? await findTemplateById(db, template_id)
      : await findTemplateByName(
          db,
          { reseller_id: req.body.reseller_id ?? principal.resellerId ?? '', merchant_id: req.body.merchant_id ?? null },
          templateName!,
        );
    if (!template) throw fieldError(['body', template_id ? 'template_id' : 'template'], 'template not found', 'not_found');
    writableOr403(principal, template, 'Template');
    const settings = parseSettings(settingsOf(req.body));
    const at = now();
    const row = {
      id: newId(),
      template_id: template.id,
      reseller_id: template.reseller_id,
      merchant_id: template.merchant_id,
      settings: toJson(settings),
      created_at: at,
      updated_at: at,
    };
    try {
      await db.insertInto('call_configs').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('this template already has a configuration; update it with PUT /configurations/{id}');
      throw err;
    }
    return reply.code(201).send(configView(row));
  });

  app.get(
    '/configurations',
    { schema: { querystring: z.object({ template_id: z.string().optional() }), tags: ['configurations'] } },
    async (req) => {
      const principal = authorize(req, 'configs', 'read');
      const rows = await db
        .selectFrom('call_configs')
        .selectAll()
        .where(ownedBy(principal))
        .$if(req.query.template_id !== undefined, (qb) => qb.where('template_id', '=', req.query.template_id!))
        .orderBy('created_at', 'desc')
        .execute();
      return { configurations: rows.map(configView) };
    },
  );

  app.get('/configurations/:id', { schema: { params: idParams, tags: ['configurations'] } }, async (req) => {
    const principal = authorize(req, 'configs', 'read');
    return configView(visibleOr404(principal, await findConfig(req.params.id), 'Configuration'));
  });

  // PUT takes any subset of the settings; the merged result is validated whole.
  app.put('/configurations/:id', { schema: { params: idParams, body: z.looseObject({}), tags: ['configurations'] } }, async (req) => {
    const principal = authorize(req, 'configs', 'write');
    const existing = writableOr403(principal, await findConfig(req.params.id), 'Configuration');
    const merged = { ...fromJson<Record<string, unknown>>(existing.settings, {}), ...settingsOf(req.body) };
    const settings = parseSettings(merged);
    const updated = { ...existing, settings: toJson(settings), updated_at: now() };
    await db.updateTable('call_configs').set({ settings: updated.settings, updated_at: updated.updated_at }).where('id', '=', existing.id).execute();
    return configView(updated);
  });

  app.delete('/configurations/:id', { schema: { params: idParams, tags: ['configurations'] } }, async (req, reply) => {
    const principal = authorize(req, 'configs', 'write');
    const existing = writableOr403(principal, await findConfig(req.params.id), 'Configuration');
    await db.deleteFrom('call_configs').where('id', '=', existing.id).execute();
    return reply.code(204).send();
  });
}

/**
 * Templates: the conversation documents leads run (reference §12–13). `secrets` are
 * write-only: accepted on create/update, never returned (only their names are).
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate, visibleOr404, writableOr403 } from '../authenticate.ts';
import { conflict, unprocessable, type FieldIssue } from '../errors.ts';
import { afterCursor, decodeCursor, pageOf, pageQuery } from '../pagination.ts';
import { newId, now, iso } from '../../core/ids.ts';
import { toJson } from '../../db/json.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { ownedBy } from '../../db/scope.ts';
import { decodeTemplate, findTemplateById, type Template } from '../../db/repos/templates.ts';
import { formatLoc, validateTemplateDocument, validateTemplatePatch, type ValidationIssue } from '../../domain/template/index.ts';

const idParams = z.object({ id: z.string().min(1) });
const ownerFields = { reseller_id: z.string().min(1).max(64).optional(), merchant_id: z.string().min(1).max(64).nullish() };
// The document itself is validated by the domain module, which reports every issue with its path.
const templateBody = z.looseObject({ ...ownerFields, name: z.string(), flow: z.record(z.string(), z.unknown()) });
const templatePatch = z.looseObject({});

export function templateView(t: Template) {
  return {
    id: t.id,
    reseller_id: t.reseller_id,
    merchant_id: t.merchant_id,
    name: t.name,
    flow: t.flow,
    expected_payload_schema: t.expected_payload_schema,
    configurations: t.configurations,
    expected_callback_response_schema: t.expected_callback_response_schema,
    outbound_number_id: t.outbound_number_id,
    is_active: t.is_active,
    secret_names: Object.keys(t.secrets).sort(),
    created_at: iso(t.created_at),
    updated_at: iso(t.updated_at),
  };
}

function toFieldIssues(issues: ValidationIssue[]): FieldIssue[] {
  return issues.map((i) => ({ loc: ['body', ...i.loc], msg: `${formatLoc(i.loc)}: ${i.msg}`, type: i.type }));
}

export function registerTemplateRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;

  app.post('/templates', { schema: { body: templateBody, tags: ['templates'] } }, async (req, reply) => {
    const principal = authorize(req, 'templates', 'write');
    const { reseller_id, merchant_id, ...document } = req.body;
    const owner = ownerForCreate(principal, { reseller_id, merchant_id });
    const result = validateTemplateDocument(document);
    if (!result.ok) throw unprocessable(toFieldIssues(result.issues));
    const doc = result.value;
    const at = now();
    const id = newId();
    try {
      await db
        .insertInto('templates')
        .values({
          id,
          ...owner,
          name: doc.name,
          flow: toJson(doc.flow),
          expected_payload_schema: doc.expected_payload_schema ? toJson(doc.expected_payload_schema) : null,
          configurations: toJson(doc.configurations ?? {}),
          secrets: toJson(doc.secrets ?? {}),
          expected_callback_response_schema: doc.expected_callback_response_schema ? toJson(doc.expected_callback_response_schema) : null,
          outbound_number_id: doc.outbound_number_id ?? null,
          is_active: doc.is_active === false ? 0 : 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a template named '${doc.name}' already exists for this owner`);
      throw err;
    }
    const created = await findTemplateById(db, id);
    return reply.code(201).send(templateView(created!));
  });

  app.get(
    '/templates',
    {
      schema: {
        querystring: z.object({ ...pageQuery, name: z.string().optional(), is_active: z.enum(['true', 'false']).optional() }),
        tags: ['templates'],
      },
    },
    async (req) => {
      const principal = authorize(req, 'templates', 'read');
      const { limit, cursor, name, is_active } = req.query;
      const after = decodeCursor(cursor);
      const rows = await db
        .selectFrom('templates')
        .selectAll()
        .where(ownedBy(principal))
        .$if(name !== undefined, (qb) => qb.where('name', '=', name!))
        .$if(is_active !== undefined, (qb) => qb.where('is_active', '=', is_active === 'true' ? 1 : 0))
        .$if(after !== null, (qb) => qb.where(afterCursor(after!)))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const { page, nextCursor } = pageOf(rows, limit);
      return { templates: page.map((r) => templateView(decodeTemplate(r))), next_cursor: nextCursor };
    },
  );

  app.get('/templates/:id', { schema: { params: idParams, tags: ['templates'] } }, async (req) => {
    const principal = authorize(req, 'templates', 'read');
    return templateView(visibleOr404(principal, await findTemplateById(db, req.params.id), 'Template'));
  });

  // PUT takes any subset of the fields; a `flow` that is present is validated whole.
  app.put('/templates/:id', { schema: { params: idParams, body: templatePatch, tags: ['templates'] } }, async (req) => {
    const principal = authorize(req, 'templates', 'write');
    const existing = writableOr403(principal, await findTemplateById(db, req.params.id), 'Template');
    const { reseller_id: _r, merchant_id: _m, ...patch } = req.body;
    const result = validateTemplatePatch(patch);
    if (!result.ok) throw unprocessable(toFieldIssues(result.issues));
    const p = result.value;
    try {
      await db
        .updateTable('templates')
        .set({
          ...(p.name !== undefined && { name: p.name }),
          ...(p.flow !== undefined && { flow: toJson(p.flow) }),
          ...(p.expected_payload_schema !== undefined && { expected_payload_schema: p.expected_payload_schema ? toJson(p.expected_payload_schema) : null }),
          ...(p.configurations !== undefined && { configurations: toJson(p.configurations ?? {}) }),
          // New secrets are merged over the old ones, so a client need not resend values it cannot read.
          ...(p.secrets !== undefined && { secrets: toJson({ ...existing.secrets, ...p.secrets }) }),
          ...(p.expected_callback_response_schema !== undefined && {
            expected_callback_response_schema: p.expected_callback_response_schema ? toJson(p.expected_callback_response_schema) : null,
          }),
          ...(p.outbound_number_id !== undefined && { outbound_number_id: p.outbound_number_id }),
          ...(p.is_active !== undefined && { is_active: p.is_active ? 1 : 0 }),
          updated_at: now(),
        })
        .where('id', '=', existing.id)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a template named '${p.name}' already exists for this owner`);
      throw err;
    }
    return templateView((await findTemplateById(db, existing.id))!);
  });

  app.delete('/templates/:id', { schema: { params: idParams, tags: ['templates'] } }, async (req, reply) => {
    const principal = authorize(req, 'templates', 'write');
    const existing = writableOr403(principal, await findTemplateById(db, req.params.id), 'Template');
    await db.deleteFrom('templates').where('id', '=', existing.id).execute();
    return reply.code(204).send();
  });
}

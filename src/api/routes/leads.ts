/**
 * Leads: push one call request, read it back, list, cancel, dispatch now (reference §4, §6.3).
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate, visibleOr404, writableOr403 } from '../authenticate.ts';
import { badRequest, conflict, fieldError, unprocessable } from '../errors.ts';
import { idempotencyScope, withIdempotency } from '../idempotency.ts';
import { afterCursor, decodeCursor, pageOf, pageQuery } from '../pagination.ts';
import { now } from '../../core/ids.ts';
import { fromJson } from '../../db/json.ts';
import { ownedBy } from '../../db/scope.ts';
import { findTemplateByName } from '../../db/repos/templates.ts';
import { findLeadById, leadView, newLeadRow } from '../../db/repos/leads.ts';
import { E164_MESSAGE, isE164 } from '../../domain/phone.ts';
import { EXECUTION_MODES, LEAD_STATUSES } from '../../domain/lead.ts';
import { callConfigSchema } from '../../domain/call-config.ts';
import { compilePayloadValidator } from '../../domain/template/index.ts';

const idParams = z.object({ id: z.string().min(1) });
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

const createBody = z.object({
  request_id: z.string().min(1).max(255).describe('your correlation id, echoed as order_id / orderId'),
  template: z.string().min(1).max(200).describe('template name'),
  payload: z.record(z.string(), z.unknown()),
  reseller_id: z.string().min(1).max(64).optional(),
  merchant_id: z.string().min(1).max(64).nullish(),
  reporting_webhook_url: httpUrl.nullish(),
  execution_mode: z.enum(EXECUTION_MODES).default('TELEPHONY'),
  is_playground: z.boolean().default(false),
  configurations_override: z.record(z.string(), z.unknown()).nullish(),
});

const listQuery = z.object({
  ...pageQuery,
  status: z.enum([...LEAD_STATUSES, 'RETRY']).optional(),
  template: z.string().optional(),
  request_id: z.string().optional(),
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
});

/** Modes the dispatcher dials; web sessions (DAILY*) are started by the client instead. */
const DIALLED_MODES = new Set(['TELEPHONY', 'TELEPHONY_TEST']);

export function registerLeadRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;

  app.post('/leads', { schema: { body: createBody, tags: ['leads'] } }, async (req, reply) => {
    const principal = authorize(req, 'leads', 'write');
    const body = req.body;
    const scope = idempotencyScope(req, `${principal.role}:${principal.subject}`);
    const owner = ownerForCreate(principal, body);

    const template = await findTemplateByName(db, owner, body.template);
    if (!template) throw fieldError(['body', 'template'], `template '${body.template}' not found for this reseller/merchant`, 'not_found');
    if (!template.is_active) throw fieldError(['body', 'template'], `template '${body.template}' is not active`, 'inactive');

    const dialled = DIALLED_MODES.has(body.execution_mode);
    const phone = body.payload.customer_mobile_number;
    if (dialled && phone === undefined) {
      throw fieldError(['body', 'payload', 'customer_mobile_number'], 'Field required: the number to call', 'missing');
    }
    if (phone !== undefined && !isE164(phone)) throw fieldError(['body', 'payload', 'customer_mobile_number'], E164_MESSAGE);
    if (template.expected_payload_schema) {
      const issues = compilePayloadValidator(template.expected_payload_schema)(body.payload);
      if (issues.length > 0) throw unprocessable(issues);
    }

    const configRow = await db.selectFrom('call_configs').select('settings').where('template_id', '=', template.id).executeTakeFirst();
    const initialOffsetS = configRow ? callConfigSchema.parse(fromJson(configRow.settings, {})).initial_offset : 0;

    const payload = body.reporting_webhook_url ? { ...body.payload, reporting_webhook_url: body.reporting_webhook_url } : body.payload;
    const result = await withIdempotency(deps.db, scope, deps.config.idempotencyTtlSeconds * 1000, async (trx) => {
      const at = now();
      const lead = newLeadRow({
        owner: { ...owner, merchant_id: owner.merchant_id ?? template.merchant_id },
        template,
        requestId: body.request_id,
        payload,
        executionMode: body.execution_mode,
        nextAttemptAt: dialled ? at + initialOffsetS * 1000 : null,
        reportingWebhookUrl: body.reporting_webhook_url ?? null,
        isPlayground: body.is_playground,
        configurationsOverride: body.is_playground ? (body.configurations_override ?? null) : null,
        at,
      });
      await trx.insertInto('leads').values(lead).execute();
      return {
        statusCode: 201,
        body: {
          lead_id: lead.id,
          order_id: lead.request_id,
          status: lead.status,
          next_attempt_at: lead.next_attempt_at === null ? null : new Date(lead.next_attempt_at).toISOString(),
        },
      };
    });
    if (!result.replayed) deps.metrics?.leadsCreated.inc();
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return reply.code(result.statusCode).send(result.body);
  });

  app.get('/leads', { schema: { querystring: listQuery, tags: ['leads'] } }, async (req) => {
    const principal = authorize(req, 'leads', 'read');
    const q = req.query;
    const after = decodeCursor(q.cursor);
    // RETRY is a documented status that is never stored (see src/domain/lead.ts): a lead waiting
    // for its next attempt is BACKLOG with attempt_count > 0.
    const rows = await db
      .selectFrom('leads')
      .selectAll()
      .where(ownedBy(principal))
      .$if(q.status === 'RETRY', (qb) => qb.where('status', '=', 'BACKLOG').where('attempt_count', '>', 0))
      .$if(q.status !== undefined && q.status !== 'RETRY', (qb) => qb.where('status', '=', q.status!))
      .$if(q.template !== undefined, (qb) => qb.where('template_name', '=', q.template!))
      .$if(q.request_id !== undefined, (qb) => qb.where('request_id', '=', q.request_id!))
      .$if(q.created_after !== undefined, (qb) => qb.where('created_at', '>=', Date.parse(q.created_after!)))
      .$if(q.created_before !== undefined, (qb) => qb.where('created_at', '<', Date.parse(q.created_before!)))
      .$if(after !== null, (qb) => qb.where(afterCursor(after!)))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const { page, nextCursor } = pageOf(rows, q.limit);
    return { leads: page.map(leadView), next_cursor: nextCursor };
  });

  app.get('/leads/:id', { schema: { params: idParams, tags: ['leads'] } }, async (req) => {
    const principal = authorize(req, 'leads', 'read');
    return leadView(visibleOr404(principal, await findLeadById(db, req.params.id), 'Lead'));
  });

  app.post('/leads/:id/cancel', { schema: { params: idParams, tags: ['leads'] } }, async (req) => {
    const principal = authorize(req, 'leads', 'write');
    const lead = writableOr403(principal, await findLeadById(db, req.params.id), 'Lead');
    const at = now();
    // Only a lead nobody is dialling can be cancelled: BACKLOG and not under a live lease.
    const result = await db
      .updateTable('leads')
      .set({
        status: 'FINISHED',
        outcome: 'ABORT',
        platform_status: 'NOT_INITIATED',
        platform_reason: 'ABORT',
        next_attempt_at: null,
        finished_at: at,
        updated_at: at,
      })
      .where('id', '=', lead.id)
      .where('status', '=', 'BACKLOG')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', at)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const current = await findLeadById(db, lead.id);
      throw conflict(`lead is ${current?.status ?? lead.status} and can no longer be cancelled`);
    }
    return leadView((await findLeadById(db, lead.id))!);
  });

  app.post('/leads/:id/dispatch-now', { schema: { params: idParams, tags: ['leads'] } }, async (req) => {
    const principal = authorize(req, 'leads', 'write');
    const lead = writableOr403(principal, await findLeadById(db, req.params.id), 'Lead');
    if (lead.status === 'FINISHED') throw badRequest('lead is FINISHED; create a new lead to call again');
    if (!DIALLED_MODES.has(lead.execution_mode)) throw badRequest(`${lead.execution_mode} leads are not dialled by the dispatcher`);
    const at = now();
    const result = await db
      .updateTable('leads')
      .set({ next_attempt_at: at, updated_at: at })
      .where('id', '=', lead.id)
      .where('status', '=', 'BACKLOG')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', at)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw conflict('lead is already being dialled');
    // Gates still apply (calling window, blacklist, pre-checks…); this only moves the due time.
    return { status: 'queued', expected_dispatch_within_ms: 200 };
  });
}

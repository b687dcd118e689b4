/**
 * Outbound webhook messages and their attempts: list a lead's, read one, resend one, requeue
 * failed ones in a time range. Scoped like leads: a user may read, only writers may resend.
 * Header values are never shown (hooks carry credentials there); secret values substituted into
 * a hook's URL or body are shown as `***`.
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, visibleOr404, writableOr403 } from '../authenticate.ts';
import { conflict, fieldError } from '../errors.ts';
import { now } from '../../core/ids.ts';
import { findLeadById } from '../../db/repos/leads.ts';
import { MESSAGE_KINDS } from '../../delivery/outbox.ts';
import { notifyEnqueued } from '../../delivery/signals.ts';
import {
  attemptsOf,
  findMessage,
  messagesOfLead,
  messageView,
  requeueFailed,
  resendMessage,
  secretsOfMessage,
} from '../../delivery/message-repo.ts';

const idParams = z.object({ id: z.string().min(1) });
const requeueBody = z.object({
  since: z.iso.datetime({ offset: true }).describe('failed messages created at or after this instant'),
  until: z.iso.datetime({ offset: true }).describe('… and before this one'),
  kind: z.enum(MESSAGE_KINDS).optional(),
});

export function registerDeliveryRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;

  app.get('/leads/:id/webhooks', { schema: { params: idParams, tags: ['webhooks'] } }, async (req) => {
    const principal = authorize(req, 'leads', 'read');
    const lead = visibleOr404(principal, await findLeadById(db, req.params.id), 'Lead');
    const messages = await messagesOfLead(db, lead.id);
    const attempts = await attemptsOf(
      db,
      messages.map((m) => m.id),
    );
    const at = now();
    const views = [];
    for (const m of messages) views.push(messageView(m, attempts.get(m.id) ?? [], await secretsOfMessage(db, m), at));
    return { lead_id: lead.id, messages: views };
  });

  app.get('/webhooks/messages/:id', { schema: { params: idParams, tags: ['webhooks'] } }, async (req) => {
    const principal = authorize(req, 'leads', 'read');
    const message = visibleOr404(principal, await findMessage(db, req.params.id), 'Webhook message');
    const attempts = await attemptsOf(db, [message.id]);
    return messageView(message, attempts.get(message.id) ?? [], await secretsOfMessage(db, message), now());
  });

  app.post('/webhooks/messages/:id/resend', { schema: { params: idParams, tags: ['webhooks'] } }, async (req, reply) => {
    const principal = authorize(req, 'leads', 'write');
    const message = writableOr403(principal, await findMessage(db, req.params.id), 'Webhook message');
    const result = await resendMessage(db, message.id, now());
    if (result === 'in_flight') throw conflict('this message is being delivered right now; try again when its attempt has finished');
    if (result === 'not_found') throw conflict('this message changed while it was being resent; try again');
    notifyEnqueued();
    return reply.code(202).send({ id: message.id, status: 'pending' });
  });

  app.post('/webhooks/messages/requeue', { schema: { body: requeueBody, tags: ['webhooks'] } }, async (req, reply) => {
    const principal = authorize(req, 'leads', 'write');
    const since = Date.parse(req.body.since);
    const until = Date.parse(req.body.until);
    if (!(since < until)) throw fieldError(['body', 'until'], 'until must be after since');
    const requeued = await requeueFailed(db, principal, { since, until, kind: req.body.kind, at: now() });
    if (requeued > 0) notifyEnqueued();
    return reply.code(202).send({ requeued });
  });
}

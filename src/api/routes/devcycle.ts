/**
 * `POST /webhooks/devcycle` (root, outside the API prefix, no bearer auth): DevCycle reports a
 * flag change; Buddy refreshes its flags from the config CDN (src/flags/flag-sync.ts).
 *
 * DevCycle signs nothing, so the caller must present `DEVCYCLE_WEBHOOK_SECRET`, in the path
 * (`/webhooks/devcycle/{secret}`, what a DevCycle webhook URL can carry) or in the
 * `x-webhook-secret` header. Missing → 401, wrong (or none configured) → 403, checked before
 * the body is even parsed; a body that is not DevCycle's payload → 400. A notification already
 * seen by any process is acknowledged and ignored.
 *
 * The secret must never reach a log line: these routes log at warn and above only, so Fastify's
 * per-request lines (which carry the URL) are skipped.
 */
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps, Routes } from '../app.ts';
import { badRequest, forbidden, unauthorized } from '../errors.ts';
import { timingSafeStringEqual } from '../../telephony/timing-safe.ts';
import { devCycleNotification, notificationDedupeKey } from '../../flags/devcycle-webhook.ts';
import { recordNotification } from '../../flags/flag-config-repo.ts';

const SECRET_HEADER = 'x-webhook-secret';
const DEDUPE_WINDOW_MS = 24 * 3600 * 1000;

const answer = z.object({ status: z.enum(['refresh_scheduled', 'duplicate', 'ignored']), detail: z.string().optional() });

export function registerDevCycleWebhook(app: Routes, deps: AppDeps): void {
  const configured = deps.config.devcycle.webhookSecret;

  const checkSecret = async (req: FastifyRequest) => {
    const fromPath = (req.params as { secret?: string }).secret;
    const fromHeader = req.headers[SECRET_HEADER];
    const presented = fromPath ?? (typeof fromHeader === 'string' ? fromHeader : undefined);
    if (!presented) throw unauthorized('DevCycle webhook secret required');
    // Compared even when none is configured, so both refusals take the same time.
    const ok = timingSafeStringEqual(presented, configured ?? '');
    if (!configured || !ok) throw forbidden('Invalid DevCycle webhook secret');
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const parsed = devCycleNotification.safeParse(req.body);
    if (!parsed.success) {
      const where = parsed.error.issues[0];
      throw badRequest(`Malformed DevCycle webhook payload${where ? ` at ${where.path.join('.') || 'body'}: ${where.message}` : ''}`);
    }
    const fresh = await recordNotification(deps.db, notificationDedupeKey(parsed.data), DEDUPE_WINDOW_MS);
    if (!fresh) return reply.code(200).send({ status: 'duplicate' });
    if (!deps.devcycle) {
      return reply.code(202).send({ status: 'ignored', detail: 'DevCycle is not configured (DEVCYCLE_SERVER_KEY)' });
    }
    // Answer now: the fetch may take up to DEVCYCLE_REQUEST_TIMEOUT_MS and DevCycle does not wait.
    void deps.devcycle.refresh({ notBefore: Date.parse(parsed.data.date) });
    return reply.code(202).send({ status: 'refresh_scheduled' });
  };

  const schema = {
    tags: ['webhooks'],
    summary: 'DevCycle webhook: a feature flag changed',
    description: `DevCycle's webhook payload (version "1"). The secret goes in the path or the ${SECRET_HEADER} header.`,
    security: [],
    response: { 200: answer, 202: answer },
  };
  app.post('/webhooks/devcycle', { schema, logLevel: 'warn', onRequest: checkSecret }, handle);
  app.post(
    '/webhooks/devcycle/:secret',
    { schema: { ...schema, params: z.object({ secret: z.string() }) }, logLevel: 'warn', onRequest: checkSecret },
    handle,
  );
}

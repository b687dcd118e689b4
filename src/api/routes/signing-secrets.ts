/**
 * Webhook signing secrets (Standard Webhooks, `whsec_…`), one current secret per merchant, or
 * per reseller for messages without a merchant. A secret's value appears in exactly one
 * response: the one that created it, rotated it in, or (for a secret the first delivery created)
 * revealed it. GET shows metadata only. Same roles as credentials: admin, reseller, merchant
 * write; user none.
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, ownerForCreate } from '../authenticate.ts';
import { conflict, fieldError } from '../errors.ts';
import { iso, now } from '../../core/ids.ts';
import { ownedBy } from '../../db/scope.ts';
import { insertSecret, liveSecrets, ownerKey, revealCurrent, rotateSecret, type SigningSecretRow } from '../../delivery/signing-secrets.ts';
import { notifySecretsChanged } from '../../delivery/signals.ts';

const ownerBody = {
  reseller_id: z.string().min(1).max(64).optional(),
  merchant_id: z.string().min(1).max(64).nullish().describe('omit (as a merchant) or null (as a reseller) for the reseller-wide secret'),
};
const createBody = z.object(ownerBody);
const rotateBody = z.object({
  ...ownerBody,
  grace_period_seconds: z.number().int().min(0).optional().describe('how long the previous secret keeps signing'),
});
const listQuery = z.object({ reseller_id: z.string().optional(), merchant_id: z.string().optional() });

function metadata(row: SigningSecretRow, at: number) {
  return {
    id: row.id,
    reseller_id: row.reseller_id,
    merchant_id: row.merchant_id,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
    revealed: row.revealed_at !== null,
    current: row.expires_at === null,
    active: row.expires_at === null || Number(row.expires_at) > at,
  };
}

const withSecret = (row: SigningSecretRow, at: number) => ({ ...metadata(row, at), secret: row.secret });

export function registerSigningSecretRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;
  const grace = deps.config.delivery;

  app.post('/webhooks/signing-secret', { schema: { body: createBody, tags: ['webhooks'] } }, async (req, reply) => {
    const principal = authorize(req, 'credentials', 'write');
    const owner = ownerForCreate(principal, req.body);
    const at = now();
    const result = await db.transaction().execute(async (trx) => {
      const revealed = await revealCurrent(trx, owner, at);
      if (revealed) return { status: 200, row: revealed };
      if ((await liveSecrets(trx, owner, at)).some((s) => s.expires_at === null)) return null;
      return { status: 201, row: await insertSecret(trx, owner, { createdBy: principal.subject, revealed: true, at }) };
    });
    if (result === null) {
      throw conflict('a signing secret already exists and was shown once; rotate it (POST /webhooks/signing-secret/rotate) to get a new one');
    }
    notifySecretsChanged(ownerKey(owner));
    return reply.code(result.status).send(withSecret(result.row, at));
  });

  app.post('/webhooks/signing-secret/rotate', { schema: { body: rotateBody, tags: ['webhooks'] } }, async (req, reply) => {
    const principal = authorize(req, 'credentials', 'write');
    const owner = ownerForCreate(principal, req.body);
    const graceSeconds = req.body.grace_period_seconds ?? grace.secretGraceSeconds;
    if (graceSeconds > grace.maxGraceSeconds) {
      throw fieldError(['body', 'grace_period_seconds'], `must be at most ${grace.maxGraceSeconds} (7 days)`);
    }
    const at = now();
    const rotated = await db.transaction().execute((trx) => rotateSecret(trx, owner, { createdBy: principal.subject, graceMs: graceSeconds * 1000, at }));
    notifySecretsChanged(ownerKey(owner));
    return reply.code(201).send({ ...withSecret(rotated.secret, at), previous_secrets_expire_at: iso(rotated.previousExpireAt) });
  });

  app.get('/webhooks/signing-secret', { schema: { querystring: listQuery, tags: ['webhooks'] } }, async (req) => {
    const principal = authorize(req, 'credentials', 'read');
    const at = now();
    const rows = await db
      .selectFrom('webhook_signing_secrets')
      .selectAll()
      .where(ownedBy(principal))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .$if(req.query.reseller_id !== undefined, (qb) => qb.where('reseller_id', '=', req.query.reseller_id!))
      .$if(req.query.merchant_id !== undefined, (qb) => qb.where('merchant_id', '=', req.query.merchant_id!))
      .orderBy('owner_key')
      .orderBy('created_at', 'desc')
      .execute();
    return { signing_secrets: rows.map((r) => metadata(r, at)) };
  });
}

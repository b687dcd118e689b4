/**
 * Standard Webhooks signing secrets, one current secret per owner (a merchant, or a reseller
 * for messages that have no merchant).
 *
 * Life of a secret:
 *   created ── (by the API: revealed in that response; by the first delivery: unrevealed)
 *     └─ reveal (API, only while unrevealed) ─▶ revealed   (the value is shown once, ever)
 *   rotate ─▶ a new current secret; the old ones get expires_at = now + grace and keep
 *             signing until then, so receivers switch keys without a flag day.
 *
 * Messages are always signed: when an owner has no secret yet, the first delivery creates one
 * that its owner can reveal once through the API.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, WebhookSigningSecretsTable } from '../db/schema.ts';
import type { Owner } from '../auth/principal.ts';
import { generateSigningSecret } from './signer.ts';

export type SigningSecretRow = Selectable<WebhookSigningSecretsTable>;
type Tx = Kysely<Database> | Transaction<Database>;

export const ownerKey = (owner: Owner): string => `${owner.reseller_id}/${owner.merchant_id ?? '*'}`;

const live = (at: number) => sql<boolean>`(expires_at is null or expires_at > ${at})`;

/** The owner's secrets that still sign, newest first. */
export async function liveSecrets(db: Tx, owner: Owner, at: number): Promise<SigningSecretRow[]> {
  return db
    .selectFrom('webhook_signing_secrets')
    .selectAll()
    .where('owner_key', '=', ownerKey(owner))
    .where(live(at))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function insertSecret(db: Tx, owner: Owner, input: { createdBy: string; revealed: boolean; at: number }): Promise<SigningSecretRow> {
  const row: SigningSecretRow = {
    id: `whsk_${randomUUID()}`,
    reseller_id: owner.reseller_id,
    merchant_id: owner.merchant_id,
    owner_key: ownerKey(owner),
    secret: generateSigningSecret(),
    created_by: input.createdBy,
    created_at: input.at,
    revealed_at: input.revealed ? input.at : null,
    expires_at: null,
  };
  await db.insertInto('webhook_signing_secrets').values(row).execute();
  return row;
}

/** Marks the current secret revealed; returns it only if this call was the one that revealed it. */
export async function revealCurrent(db: Tx, owner: Owner, at: number): Promise<SigningSecretRow | undefined> {
  return db
    .updateTable('webhook_signing_secrets')
    .set({ revealed_at: at })
    .where('owner_key', '=', ownerKey(owner))
    .where('expires_at', 'is', null)
    .where('revealed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Ends the current secret(s) after `graceMs` (never extending an earlier expiry) and creates a new one. */
export async function rotateSecret(
  trx: Transaction<Database>,
  owner: Owner,
  input: { createdBy: string; graceMs: number; at: number },
): Promise<{ secret: SigningSecretRow; previousExpireAt: number | null }> {
  const expiresAt = input.at + input.graceMs;
  const ended = await trx
    .updateTable('webhook_signing_secrets')
    .set({ expires_at: expiresAt })
    .where('owner_key', '=', ownerKey(owner))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
    .returning('id')
    .execute();
  const secret = await insertSecret(trx, owner, { createdBy: input.createdBy, revealed: true, at: input.at });
  return { secret, previousExpireAt: ended.length > 0 ? expiresAt : null };
}

/** Creates the owner's first secret unless one exists (two nodes racing settle on one). */
export async function ensureSecret(db: Tx, owner: Owner, at: number): Promise<void> {
  await db
    .insertInto('webhook_signing_secrets')
    .values({
      id: `whsk_${randomUUID()}`,
      reseller_id: owner.reseller_id,
      merchant_id: owner.merchant_id,
      owner_key: ownerKey(owner),
      secret: generateSigningSecret(),
      created_by: 'system',
      created_at: at,
      revealed_at: null,
      expires_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

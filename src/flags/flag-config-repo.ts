/**
 * Queries on `flag_config` (the last good DevCycle document, one row per source) and
 * `flag_notifications` (webhook notifications already seen). Both dialects.
 */
import type { Db } from '../db/connection.ts';
import { fromJson, toJson } from '../db/json.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { now } from '../core/ids.ts';

const ROW_ID = 'devcycle';

export type StoredConfig = {
  version: number;
  document: unknown;
  contentHash: string | null;
  etag: string | null;
  sourceModifiedAt: number | null;
};

/** The version alone: what every process polls each second. 0 when nothing was stored yet. */
export async function readConfigVersion(db: Db): Promise<number> {
  const row = await db.kysely.selectFrom('flag_config').select('version').where('id', '=', ROW_ID).executeTakeFirst();
  return row?.version ?? 0;
}

export async function readStoredConfig(db: Db): Promise<StoredConfig | undefined> {
  const row = await db.kysely.selectFrom('flag_config').selectAll().where('id', '=', ROW_ID).executeTakeFirst();
  if (!row || row.document === null) return undefined;
  return {
    version: row.version,
    document: fromJson<unknown>(row.document, null),
    contentHash: row.content_hash,
    etag: row.etag,
    sourceModifiedAt: row.source_modified_at,
  };
}

export type ConfigToStore = {
  document: unknown;
  contentHash: string;
  etag: string | null;
  sourceModifiedAt: number | null;
};

/**
 * Stores a fetched document and bumps the version, unless the stored one has the same content
 * or is newer by its `Last-Modified` (a lagging CDN edge must not roll back what another
 * process already stored). Returns true when it stored.
 */
export async function storeConfig(db: Db, doc: ConfigToStore): Promise<boolean> {
  const at = now();
  await db.kysely
    .insertInto('flag_config')
    .values({ id: ROW_ID, version: 0, document: null, content_hash: null, etag: null, source_modified_at: null, updated_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const result = await db.kysely
    .updateTable('flag_config')
    .set((eb) => ({
      version: eb('version', '+', 1),
      document: toJson(doc.document),
      content_hash: doc.contentHash,
      etag: doc.etag,
      source_modified_at: doc.sourceModifiedAt,
      updated_at: at,
    }))
    .where('id', '=', ROW_ID)
    .where((eb) => eb.or([eb('content_hash', 'is', null), eb('content_hash', '<>', doc.contentHash)]))
    .$if(doc.sourceModifiedAt !== null, (qb) =>
      qb.where((eb) => eb.or([eb('source_modified_at', 'is', null), eb('source_modified_at', '<=', doc.sourceModifiedAt)])),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Records a webhook notification; false when any process already recorded the same one.
 * Entries older than `keepMs` are pruned on the way (webhooks are rare, so this stays cheap).
 */
export async function recordNotification(db: Db, dedupeKey: string, keepMs: number): Promise<boolean> {
  const at = now();
  await db.kysely.deleteFrom('flag_notifications').where('received_at', '<', at - keepMs).execute();
  try {
    await db.kysely.insertInto('flag_notifications').values({ dedupe_key: dedupeKey, received_at: at }).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

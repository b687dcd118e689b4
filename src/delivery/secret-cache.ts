/**
 * The worker's view of signing secrets: loaded per batch for the owners in it (one query for
 * all of them), then read synchronously on the hot path. Entries live `ttlMs`; a change made
 * through this node's API invalidates at once (signals.ts), a change on another node is seen
 * within the TTL — harmless, because a rotated-out secret keeps signing through its grace period.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Owner } from '../auth/principal.ts';
import { ensureSecret, ownerKey } from './signing-secrets.ts';
import { onSecretsChanged } from './signals.ts';

type Entry = {
  loadedAt: number;
  secrets: { value: string; expiresAt: number | null }[];
  /** Every loaded secret signed when loaded; this list holds until the first of them expires. */
  signing: string[];
  signingUntil: number;
};

export type SecretCache = {
  /** Loads (and, for owners that have none, creates) the secrets of these owners. */
  prepare(owners: Iterable<Owner>, at: number): Promise<void>;
  /** Secrets that sign now, newest first; empty only if `prepare` was not called or failed. */
  secretsFor(owner: Owner, at: number): readonly string[];
  close(): void;
};

export function createSecretCache(db: Kysely<Database>, ttlMs = 5_000): SecretCache {
  const entries = new Map<string, Entry>();
  const unsubscribe = onSecretsChanged((key) => entries.delete(key));

  async function load(keys: string[], at: number): Promise<Map<string, Entry>> {
    const rows = await db
      .selectFrom('webhook_signing_secrets')
      .select(['owner_key', 'secret', 'expires_at'])
      .where('owner_key', 'in', keys)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const loaded = new Map<string, Entry>();
    for (const row of rows) {
      let entry = loaded.get(row.owner_key);
      if (entry === undefined) loaded.set(row.owner_key, (entry = { loadedAt: at, secrets: [], signing: [], signingUntil: Number.POSITIVE_INFINITY }));
      const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
      entry.secrets.push({ value: row.secret, expiresAt });
      entry.signing.push(row.secret);
      if (expiresAt !== null) entry.signingUntil = Math.min(entry.signingUntil, expiresAt);
    }
    return loaded;
  }

  return {
    async prepare(owners, at) {
      const wanted = new Map<string, Owner>();
      for (const owner of owners) {
        const key = ownerKey(owner);
        const entry = entries.get(key);
        if (entry === undefined || at - entry.loadedAt >= ttlMs) wanted.set(key, owner);
      }
      if (wanted.size === 0) return;
      let loaded = await load([...wanted.keys()], at);
      const missing = [...wanted].filter(([key]) => !loaded.has(key));
      if (missing.length > 0) {
        for (const [, owner] of missing) await ensureSecret(db, owner, at);
        loaded = new Map([...loaded, ...(await load(missing.map(([key]) => key), at))]);
      }
      for (const [key, entry] of loaded) entries.set(key, entry);
    },
    secretsFor(owner, at) {
      const entry = entries.get(ownerKey(owner));
      if (entry === undefined) return [];
      // Asked for every message: the list made at load time, unless a secret has expired since.
      if (at < entry.signingUntil) return entry.signing;
      return entry.secrets.filter((s) => s.expiresAt === null || s.expiresAt > at).map((s) => s.value);
    },
    close: unsubscribe,
  };
}

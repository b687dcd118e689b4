/**
 * Keeps every process on the same DevCycle config document, through the database.
 *
 *   config CDN ──fetch (each DEVCYCLE_POLL_INTERVAL_SECONDS, or on a webhook)──▶ any process
 *       changed? ──▶ flag_config row: document + version+1 (only newer content wins)
 *   every process ──each FLAG_SYNC_INTERVAL_MS: read flag_config.version──▶ moved?
 *       ──▶ load the document ──▶ SDK (devcycle-evaluator.ts) ──▶ lookups
 *
 * So a webhook landing on one process reaches all of them within about two seconds (sync
 * interval + the SDK's 1 s pick-up), and they all evaluate the same document even when CDN
 * edges disagree. Documents are applied from the database only, on every process alike.
 *
 * Refresh (per process): idle → fetching → [stale, retries left] waiting → fetching … → idle
 *   - one fetch at a time; a request during a fetch runs one more after it (coalesced), since
 *     the running fetch may have started before DevCycle published the change;
 *   - a webhook sets `notBefore` (its date): a fetch that fails, or whose Last-Modified is
 *     older, is retried after 1 s, 2 s, then 4 s (CDN edges can lag behind a publish).
 * Boot: apply the stored document, so a process starts on the last good config while DevCycle
 * is down; with none stored, wait for one fetch (bounded by DEVCYCLE_REQUEST_TIMEOUT_MS).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.ts';
import type { DevCycleConfig } from '../config/config.ts';
import type { BackgroundTask } from '../service.ts';
import { iso } from '../core/ids.ts';
import type { RemoteFlags } from './flag-store.ts';
import { CdnError, fetchConfigDocument } from './config-cdn.ts';
import { readConfigVersion, readStoredConfig, storeConfig } from './flag-config-repo.ts';
import { createDevCycleEvaluator } from './devcycle-evaluator.ts';

const RETRY_DELAYS_MS = [1000, 2000, 4000];

export type FlagSyncStatus = {
  configured: boolean;
  config_version: number | null;
  last_fetch_at: string | null;
  last_fetch_error: string | null;
};

export type FlagSync = {
  remote: RemoteFlags;
  /** Applies the stored document; fetches one first when none is stored. */
  boot(): Promise<void>;
  /** A deduplicated CDN refresh; never rejects. `notBefore`: the change's time (epoch ms). */
  refresh(options?: { notBefore?: number }): Promise<void>;
  status(): FlagSyncStatus;
  task: BackgroundTask;
};

export type FlagSyncDeps = { db: Db; devcycle: DevCycleConfig & { serverKey: string }; logger: Logger };

export function createFlagSync({ db, devcycle, logger }: FlagSyncDeps): FlagSync {
  const evaluator = createDevCycleEvaluator(devcycle.serverKey, logger);
  const stopping = new AbortController();
  let loadedVersion = 0;
  let held: { etag: string | null; modifiedAt: number | null } = { etag: null, modifiedAt: null };
  let lastFetchStartedAt = 0;
  let lastFetchAt: number | null = null;
  let lastFetchError: string | null = null;

  // Serialised, so two triggers never load the same version twice into the SDK.
  let syncing: Promise<void> = Promise.resolve();
  const applyStored = async () => {
    if ((await readConfigVersion(db)) <= loadedVersion) return;
    const stored = await readStoredConfig(db);
    if (!stored || stored.version <= loadedVersion) return;
    await evaluator.load(stored.document);
    loadedVersion = stored.version;
    held = { etag: stored.etag, modifiedAt: stored.sourceModifiedAt };
    logger.info({ config_version: stored.version }, 'feature flags: applied DevCycle config');
  };
  const syncFromDb = (): Promise<void> =>
    (syncing = syncing.then(applyStored).catch((err: unknown) => {
      logger.warn({ err }, 'feature flags: reading the shared config failed');
    }));

  /** One CDN fetch; the Last-Modified of the document now current, or 'failed'. */
  const fetchOnce = async (): Promise<number | null | 'failed'> => {
    lastFetchStartedAt = Date.now();
    try {
      const { configUrl: baseUrl, serverKey, requestTimeoutMs: timeoutMs } = devcycle;
      const { etag: heldEtag, modifiedAt } = held;
      const result = await fetchConfigDocument({
        baseUrl,
        serverKey,
        etag: heldEtag,
        lastModified: modifiedAt,
        timeoutMs,
        signal: stopping.signal,
      });
      lastFetchAt = Date.now();
      lastFetchError = null;
      if (result.kind === 'not_modified') return held.modifiedAt;
      const { document, contentHash, etag, lastModified } = result;
      if (await storeConfig(db, { document, contentHash, etag, sourceModifiedAt: lastModified })) {
        logger.info('feature flags: stored a new DevCycle config');
      }
      await syncFromDb();
      return lastModified;
    } catch (err) {
      if (stopping.signal.aborted) return 'failed'; // shutting down: not a DevCycle problem
      lastFetchAt = Date.now();
      lastFetchError = err instanceof CdnError ? err.message : 'internal error (see the logs)';
      logger.warn({ err: err instanceof CdnError ? err.message : err }, 'feature flags: DevCycle refresh failed; keeping the last good config');
      return 'failed';
    }
  };

  let running: Promise<void> | undefined;
  let again = false;
  let notBefore = 0;
  const refresh = (options: { notBefore?: number } = {}): Promise<void> => {
    if (stopping.signal.aborted) return Promise.resolve();
    if (options.notBefore) notBefore = Math.max(notBefore, options.notBefore);
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let retries = 0;
      do {
        again = false;
        const wanted = notBefore;
        const got = await fetchOnce();
        // Last-Modified has whole seconds; compare at that precision.
        const stale = wanted > 0 && (got === 'failed' || (got !== null && got < Math.floor(wanted / 1000) * 1000));
        const delay = RETRY_DELAYS_MS[retries];
        if (stale && delay !== undefined) {
          retries += 1;
          const waited = await sleep(delay, true, { signal: stopping.signal }).catch(() => false);
          if (!waited) return;
          again = true;
        } else if (notBefore === wanted) {
          notBefore = 0;
        }
      } while (again && !stopping.signal.aborted);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = async () => {
    await syncFromDb();
    if (Date.now() - lastFetchStartedAt >= devcycle.pollIntervalSeconds * 1000) void refresh();
  };

  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  const task: BackgroundTask = {
    name: 'flag-sync',
    start() {
      if (started || stopping.signal.aborted) return;
      started = true;
      const loop = () => {
        ticking = tick().finally(() => {
          if (!stopping.signal.aborted) timer = setTimeout(loop, devcycle.syncIntervalMs);
        });
      };
      timer = setTimeout(loop, devcycle.syncIntervalMs);
    },
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await Promise.all([ticking, running, syncing]);
      await evaluator.close();
    },
  };

  return {
    remote: evaluator,
    async boot() {
      await syncFromDb();
      if (loadedVersion > 0) void refresh();
      else await refresh();
    },
    refresh,
    status: () => ({
      configured: true,
      config_version: loadedVersion > 0 ? loadedVersion : null,
      last_fetch_at: iso(lastFetchAt),
      last_fetch_error: lastFetchError,
    }),
    task,
  };
}

/**
 * Creates a process's flag store: DevCycle-backed (kept in sync through the database) when
 * `DEVCYCLE_SERVER_KEY` is set, environment-only otherwise. Either way the service starts; with
 * DevCycle down it runs on the last good stored config, or on env values when there is none.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/connection.ts';
import type { BackgroundTask } from '../service.ts';
import { createEnvFlagStore, createFlagStore, type FlagStore } from './flag-store.ts';
import { createFlagSync, type FlagSync } from './flag-sync.ts';

export type { FlagStore } from './flag-store.ts';
export type { FlagSync, FlagSyncStatus } from './flag-sync.ts';
export { dispatchEnabled, outboundRateLimit, webhookRetryPolicy, KNOWN_FLAGS } from './known-flags.ts';

export type Flags = { flags: FlagStore; devcycle: FlagSync | undefined; tasks: BackgroundTask[] };

export async function createFlags(deps: { config: Config; db: Db; logger: Logger }): Promise<Flags> {
  const logger = deps.logger.child({ component: 'flags' });
  const { serverKey, webhookSecret } = deps.config.devcycle;
  if (!serverKey) {
    logger.info('DEVCYCLE_SERVER_KEY is unset: feature flags come from the environment');
    return { flags: createEnvFlagStore(), devcycle: undefined, tasks: [] };
  }
  if (!webhookSecret) {
    logger.warn('DEVCYCLE_WEBHOOK_SECRET is unset: /webhooks/devcycle refuses every call; flag changes arrive by polling only');
  }
  const sync = createFlagSync({ db: deps.db, devcycle: { ...deps.config.devcycle, serverKey }, logger });
  await sync.boot();
  const flags = createFlagStore({
    remote: sync.remote,
    onRemoteError: (err, name) => logger.error({ err, flag: name }, 'DevCycle evaluation failed; using env/default'),
  });
  return { flags, devcycle: sync, tasks: [sync.task] };
}

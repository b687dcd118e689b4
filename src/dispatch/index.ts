/**
 * Wires the dispatcher and its sweeper as background tasks of a process (src/service.ts). The
 * telephony layer supplies the `CallPlacer` (src/telephony/call-placer.ts: the real providers
 * for TELEPHONY leads, the emulator for TELEPHONY_TEST ones).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/connection.ts';
import type { FlagStore } from '../flags/flag-store.ts';
import type { BackgroundTask } from '../service.ts';
import { createOutboundClient, type OutboundClient } from '../delivery/outbound-http.ts';
import type { CallPlacer } from './call-placer.ts';
import { createDispatcher, type Dispatcher } from './dispatcher.ts';
import { createSweeper, type Sweeper } from './sweeper.ts';
import type { SendRequest } from './pre-checks.ts';
import type { DispatchMetrics } from './metrics.ts';

export type { CallPlacer, LookedUpCall, PlaceCallInput } from './call-placer.ts';
export { LookupUnsupportedError, PlacementError } from './call-placer.ts';
export type { Dispatcher } from './dispatcher.ts';
export type { Sweeper } from './sweeper.ts';

export type DispatchDeps = { config: Config; db: Db; flags: FlagStore; logger: Logger; placer: CallPlacer; metrics?: DispatchMetrics; clock?: () => number };

export type DispatchTasks = { dispatcher: Dispatcher; sweeper: Sweeper; tasks: BackgroundTask[] };

const PRE_CHECK_MAX_RESPONSE_BYTES = 64 * 1024;

export async function createDispatchTasks(deps: DispatchDeps): Promise<DispatchTasks> {
  const { config, db, placer } = deps;
  const logger = deps.logger.child({ component: 'dispatch' });
  const preCheckHttp = preCheckClients(config.outboundAllowPrivateNetworks);
  const settings = config.dispatch;
  const dispatcher = createDispatcher({ db, flags: deps.flags, logger, placer, send: preCheckHttp.send, settings, metrics: deps.metrics, clock: deps.clock });
  const sweeper = createSweeper({
    db,
    logger,
    placer,
    clock: deps.clock,
    settings: {
      intervalMs: settings.sweepIntervalMs,
      leaseSeconds: settings.leaseSeconds,
      reconcileAfterSeconds: settings.reconcileAfterSeconds,
      stuckAfterSeconds: settings.stuckAfterSeconds,
    },
  });
  const closer: BackgroundTask = { name: 'dispatch-http', start() {}, stop: preCheckHttp.close };
  return { dispatcher, sweeper, tasks: [dispatcher, sweeper, closer] };
}

/**
 * Pre-check requests go through the SSRF-guarded client. Its time budget is per client, and
 * each check sets its own `timeout` (1–30 s), so there is one client per timeout in use.
 */
function preCheckClients(allowPrivateNetworks: readonly string[]): { send: SendRequest; close(): Promise<void> } {
  const clients = new Map<number, OutboundClient>();
  const send: SendRequest = (req, timeoutMs) => {
    let client = clients.get(timeoutMs);
    if (!client) {
      client = createOutboundClient({
        allowPrivateNetworks,
        connectTimeoutMs: Math.min(5_000, timeoutMs),
        totalTimeoutMs: timeoutMs,
        maxResponseBytes: PRE_CHECK_MAX_RESPONSE_BYTES,
        userAgent: 'Buddy-PreCheck/1',
      });
      clients.set(timeoutMs, client);
    }
    return client.request(req);
  };
  return { send, close: async () => void (await Promise.all([...clients.values()].map((c) => c.close()))) };
}

/**
 * Wires the telephony layer of one process (src/service.ts): deployment secrets, the provider
 * runtime, the in-process emulator (EMULATOR_ENABLED, on an ephemeral loopback port, for
 * TELEPHONY_TEST leads), the conversation runner the provider routes drive, the dispatcher's
 * call placer, and number setup for the Numbers API.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/connection.ts';
import type { BackgroundTask } from '../service.ts';
import type { CallPlacer } from '../dispatch/call-placer.ts';
import { createConversationRunner } from '../conversation/index.ts';
import { createTelephonyCallPlacer } from './call-placer.ts';
import { loadTelephonySecrets } from './deployment-secrets.ts';
import { startEmulator, type Emulator } from './emulator/emulator.ts';
import { createNumberSetup, type NumberSetupService } from './numbers/number-setup.ts';
import { createWarmTransferHandler } from '../transfer/warm-transfer.ts';
import type { ProviderRouteDeps } from './routes/index.ts';
import { createTelephonyRuntime, type TelephonyRuntime } from './runtime.ts';

/** What the HTTP app needs: the provider routes' dependencies and number setup. */
export type TelephonyAppDeps = { routes: ProviderRouteDeps; numbers: NumberSetupService };

export type Telephony = {
  runtime: TelephonyRuntime;
  /** The in-process emulator, when enabled. */
  emulator: Emulator | null;
  placer: CallPlacer;
  app: TelephonyAppDeps;
  /** Closes the emulator and the runner when the service stops. */
  task: BackgroundTask;
};

export type TelephonyOptions = {
  config: Config;
  db: Db;
  logger: Logger;
  /** How long a callback for an outbound call waits for its call id to be recorded (default 1 s). */
  placementGraceMs?: number;
};

export async function createTelephony(options: TelephonyOptions): Promise<Telephony> {
  const { config, db } = options;
  const logger = options.logger.child({ component: 'telephony' });
  const secrets = await loadTelephonySecrets(db, config.telephony.exotel.urlSecret);
  const runtime = createTelephonyRuntime({ settings: config.telephony, secrets, publicBaseUrl: config.publicBaseUrl, apiPrefix: config.apiPrefix });
  let emulator: Emulator | null = null;
  if (config.telephony.emulatorEnabled) {
    emulator = await startEmulator({ authToken: secrets.emulatorAuthToken, logger: logger.child({ component: 'emulator' }) });
    runtime.useEmulator(emulator.baseUrl);
  }
  const runner = createConversationRunner({ db, config, logger });
  const placer = createTelephonyCallPlacer({ db: db.kysely, runtime });
  const transferTimeoutSeconds = config.telephony.transferAgentTimeoutSeconds;
  const onTransferEvent = createWarmTransferHandler({ db: db.kysely, logger, runtime, runner, timeoutSeconds: transferTimeoutSeconds });
  const routes: ProviderRouteDeps = { db: db.kysely, logger, runtime, runner, placementGraceMs: options.placementGraceMs ?? 1000, onTransferEvent, transferTimeoutSeconds };
  return {
    runtime,
    emulator,
    placer,
    app: { routes, numbers: createNumberSetup(runtime, db.kysely) },
    task: {
      name: 'telephony',
      start() {},
      async stop() {
        await emulator?.close();
        await runner.close();
      },
    },
  };
}

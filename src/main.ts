/**
 * The `buddy` command: `serve` (default) runs the API; `migrate` only migrates the database;
 * `emulator` runs the provider emulator on its own.
 */
import { ConfigError, loadConfig } from './config/config.ts';
import { createService } from './service.ts';
import { openDatabase } from './db/connection.ts';
import { migrateToLatest } from './db/migrate.ts';

async function serve(): Promise<void> {
  const config = loadConfig();
  const service = await createService(config);
  const shutdown = async (signal: string) => {
    service.logger.info({ signal }, 'shutting down');
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await service.app.listen({ port: config.port, host: config.host });
  service.startBackground();
  service.logger.info(
    { port: config.port, database: config.database.dialect, apiPrefix: config.apiPrefix, publicBaseUrl: config.publicBaseUrl },
    'buddy is listening',
  );
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const db = openDatabase(config.database);
  await migrateToLatest(db);
  await db.close();
  console.log(`migrated ${config.database.dialect} database`);
}

/** The provider emulator on its own (src/telephony/emulator/emulator-cli.ts). */
async function emulator(): Promise<void> {
  const { runEmulatorCommand } = await import('./telephony/emulator/emulator-cli.ts');
  const running = await runEmulatorCommand();
  const shutdown = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  console.log(`provider emulator listening on ${running.baseUrl} (/twilio, /plivo, /exotel, /control)`);
}

const commands: Record<string, () => Promise<void>> = { serve, migrate, emulator };

const name = process.argv[2] ?? 'serve';
const command = commands[name];
if (!command) {
  console.error(`unknown command '${name}'; use one of: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
command().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});

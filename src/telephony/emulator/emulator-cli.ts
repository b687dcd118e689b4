/**
 * `buddy emulator`: the provider emulator on its own, for demos and load tests against a Buddy
 * whose provider base URLs point at it, e.g.
 *
 *   EMULATOR_PORT=8090 buddy emulator
 *   TWILIO_API_BASE_URL=http://127.0.0.1:8090/twilio TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… buddy serve
 *
 * Outbound calls are signed with the token that placed them, so any credentials work.
 * Inbound calls (POST /control/inbound) are signed with EMULATOR_AUTH_TOKEN, else the
 * provider's own token from the environment (TWILIO_AUTH_TOKEN, PLIVO_AUTH_TOKEN), so set
 * the same value Buddy verifies with.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { startEmulator, type Emulator } from './emulator.ts';

export async function runEmulatorCommand(env: Record<string, string | undefined> = process.env): Promise<Emulator> {
  const port = Number(env.EMULATOR_PORT ?? 8090);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('EMULATOR_PORT must be a port number');
  const shared = env.EMULATOR_AUTH_TOKEN ?? randomBytes(24).toString('base64url');
  const emulator = await startEmulator({
    host: env.EMULATOR_HOST ?? '127.0.0.1',
    port,
    ringDelayMs: Number(env.EMULATOR_RING_DELAY_MS ?? 25),
    logger: pino({ level: env.LOG_LEVEL ?? 'info' }),
    authToken: {
      twilio: env.EMULATOR_AUTH_TOKEN ?? env.TWILIO_AUTH_TOKEN ?? shared,
      plivo: env.EMULATOR_AUTH_TOKEN ?? env.PLIVO_AUTH_TOKEN ?? shared,
      exotel: shared,
    },
  });
  return emulator;
}

/**
 * The emulator's accounts, one per provider, shaped like real ones. Their auth token is a
 * per-deployment secret (src/telephony/deployment-secrets.ts), so a callback signed by the
 * emulator is as unforgeable as one signed by the provider.
 */
import type { TelephonyConfig } from '../index.ts';

export const EMULATOR_ACCOUNT_IDS = {
  twilio: 'AC00000000000000000000000000e0e0e0',
  plivo: 'MAEMULATOR0000000000',
  exotel: 'buddyemulator',
  exotelApiKey: 'emulator-api-key',
} as const;

/** Mount points of each provider's API below the emulator's base URL. */
export const EMULATOR_MOUNTS = { twilio: '/twilio', plivo: '/plivo', exotel: '/exotel' } as const;

/** Adapter configuration that talks to an emulator at `baseUrl`. */
export function emulatorTelephonyConfig(baseUrl: string, authToken: string, exotelUrlSecret: string): TelephonyConfig {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    twilio: { accountSid: EMULATOR_ACCOUNT_IDS.twilio, authToken, apiBaseUrl: base + EMULATOR_MOUNTS.twilio },
    plivo: { authId: EMULATOR_ACCOUNT_IDS.plivo, authToken, apiBaseUrl: base + EMULATOR_MOUNTS.plivo },
    exotel: {
      apiKey: EMULATOR_ACCOUNT_IDS.exotelApiKey,
      apiToken: authToken,
      sid: EMULATOR_ACCOUNT_IDS.exotel,
      apiBaseUrl: base + EMULATOR_MOUNTS.exotel,
      urlSecret: exotelUrlSecret,
    },
  };
}

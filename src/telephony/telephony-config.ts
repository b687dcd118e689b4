/**
 * Telephony settings from the environment: provider credentials, REST base URLs (the real
 * providers unless pointed elsewhere, e.g. at a standalone emulator) and the emulator switch.
 * Spread `telephonyEnv` into the config schema; `telephonyConfigFrom` reads the parsed values.
 */
import { z } from 'zod';

const DEFAULT_BASE_URLS = {
  twilio: 'https://api.twilio.com',
  plivo: 'https://api.plivo.com',
  exotel: 'https://api.exotel.com', // Singapore cluster; Mumbai accounts use https://api.in.exotel.com
} as const;

export type TelephonySettings = {
  twilio: { accountSid?: string; authToken?: string; apiBaseUrl: string };
  plivo: { authId?: string; authToken?: string; apiBaseUrl: string };
  exotel: {
    apiKey?: string;
    apiToken?: string;
    sid?: string;
    apiBaseUrl: string;
    /** Carried by every URL Exotel calls; generated and kept in the database when unset. */
    urlSecret?: string;
    /** The App Bazaar flow real Exotel calls run (http://my.exotel.com/{sid}/exoml/start_voice/{app_id}). */
    flowUrl?: string;
  };
  /** TELEPHONY_TEST leads are placed with an in-process provider emulator (default on). */
  emulatorEnabled: boolean;
  /** Warm transfer: how long the agent's phone rings before the customer goes back to the AI. */
  transferAgentTimeoutSeconds: number;
};

const httpUrl = (name: string) =>
  z.string().refine((value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value), `${name} must be an absolute http(s) URL`);

export const telephonyEnv = {
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_API_BASE_URL: httpUrl('TWILIO_API_BASE_URL').optional(),
  PLIVO_AUTH_ID: z.string().min(1).optional(),
  PLIVO_AUTH_TOKEN: z.string().min(1).optional(),
  PLIVO_API_BASE_URL: httpUrl('PLIVO_API_BASE_URL').optional(),
  EXOTEL_API_KEY: z.string().min(1).optional(),
  EXOTEL_API_TOKEN: z.string().min(1).optional(),
  EXOTEL_SID: z.string().min(1).optional(),
  EXOTEL_API_BASE_URL: httpUrl('EXOTEL_API_BASE_URL').optional(),
  EXOTEL_URL_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_.~-]{16,256}$/, 'EXOTEL_URL_SECRET must be 16-256 URL-safe characters (A-Z a-z 0-9 _ . ~ -)')
    .optional(),
  EXOTEL_FLOW_URL: httpUrl('EXOTEL_FLOW_URL').optional(),
  EMULATOR_ENABLED: z.enum(['true', 'false', '1', '0']).optional(),
  TRANSFER_AGENT_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(600).optional(),
};

type TelephonyEnvValues = { [K in keyof typeof telephonyEnv]?: z.output<(typeof telephonyEnv)[K]> };

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function telephonyConfigFrom(values: TelephonyEnvValues): TelephonySettings {
  return {
    twilio: {
      accountSid: values.TWILIO_ACCOUNT_SID,
      authToken: values.TWILIO_AUTH_TOKEN,
      apiBaseUrl: trimSlash(values.TWILIO_API_BASE_URL ?? DEFAULT_BASE_URLS.twilio),
    },
    plivo: {
      authId: values.PLIVO_AUTH_ID,
      authToken: values.PLIVO_AUTH_TOKEN,
      apiBaseUrl: trimSlash(values.PLIVO_API_BASE_URL ?? DEFAULT_BASE_URLS.plivo),
    },
    exotel: {
      apiKey: values.EXOTEL_API_KEY,
      apiToken: values.EXOTEL_API_TOKEN,
      sid: values.EXOTEL_SID,
      apiBaseUrl: trimSlash(values.EXOTEL_API_BASE_URL ?? DEFAULT_BASE_URLS.exotel),
      urlSecret: values.EXOTEL_URL_SECRET,
      flowUrl: values.EXOTEL_FLOW_URL,
    },
    emulatorEnabled: values.EMULATOR_ENABLED !== 'false' && values.EMULATOR_ENABLED !== '0',
    transferAgentTimeoutSeconds: values.TRANSFER_AGENT_TIMEOUT_SECONDS ?? 30,
  };
}

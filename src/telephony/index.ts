// Entry point of the provider layer: pick an adapter by name, plus the types and the
// signing helpers the emulator needs to sign callbacks exactly as the providers do.
import { ExotelProvider, EXOTEL_API_BASE_URL } from './exotel/exotel-provider.ts';
import type { ExotelConfig } from './exotel/exotel-provider.ts';
import { PlivoProvider, PLIVO_API_BASE_URL } from './plivo/plivo-provider.ts';
import type { PlivoConfig } from './plivo/plivo-provider.ts';
import type { ProviderName, TelephonyProvider } from './provider.ts';
import { TwilioProvider, TWILIO_API_BASE_URL } from './twilio/twilio-provider.ts';
import type { TwilioConfig } from './twilio/twilio-provider.ts';

export const PROVIDERS = ['twilio', 'plivo', 'exotel'] as const satisfies readonly ProviderName[];

/** The real providers' REST base URLs, used when a config leaves `apiBaseUrl` out. */
export const DEFAULT_API_BASE_URLS: Readonly<Record<ProviderName, string>> = Object.freeze({
  twilio: TWILIO_API_BASE_URL,
  plivo: PLIVO_API_BASE_URL,
  exotel: EXOTEL_API_BASE_URL,
});

/** Credentials per provider; only the section of the provider asked for is required. */
export interface TelephonyConfig {
  readonly twilio?: TwilioConfig;
  readonly plivo?: PlivoConfig;
  readonly exotel?: ExotelConfig;
}

export function createProvider(name: ProviderName, config: TelephonyConfig): TelephonyProvider {
  switch (name) {
    case 'twilio':
      return new TwilioProvider(section(name, config.twilio));
    case 'plivo':
      return new PlivoProvider(section(name, config.plivo));
    case 'exotel':
      return new ExotelProvider(section(name, config.exotel));
  }
}

function section<T>(name: ProviderName, value: T | undefined): T {
  if (value === undefined) throw new TypeError(`telephony: no configuration for ${name}`);
  return value;
}

export type * from './provider.ts';
export type { TwilioConfig, PlivoConfig, ExotelConfig };
export { CALL_STATUSES, isStatusAdvance, isTerminalStatus, mapCarrierStatus, statusRank } from './call-status.ts';
export { MalformedCallbackError, NotSupportedError, ProviderApiError, TelephonyError } from './errors.ts';
export { parseFormBody, parseQuery } from './params.ts';
export { ExotelProvider, PlivoProvider, TwilioProvider };
export { signTwilioRequest, twilioBodySha256 } from './twilio/twilio-signature.ts';
export { plivoV3SignedUrl, signPlivoV3Request } from './plivo/plivo-signature.ts';
export { addExotelUrlSecret, EXOTEL_SECRET_PARAM } from './exotel/exotel-signature.ts';

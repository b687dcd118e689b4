/**
 * The provider layer of one running process: which adapter places a call (the real provider
 * for TELEPHONY leads, the emulator for TELEPHONY_TEST ones), which keys may have signed a
 * request to our provider routes, and the public URLs of those routes.
 */
import type { TelephonySettings } from './telephony-config.ts';
import type { TelephonySecrets } from './deployment-secrets.ts';
import { createProvider } from './index.ts';
import type { TelephonyConfig } from './index.ts';
import type { ProviderName, TelephonyProvider } from './provider.ts';
import { emulatorTelephonyConfig } from './emulator/accounts.ts';

export type Verifier = { adapter: TelephonyProvider; test: boolean };

export type TelephonyRuntime = {
  readonly publicBaseUrl: string;
  readonly apiPrefix: string;
  readonly secrets: TelephonySecrets;
  /** Credentials of the real providers (a provider without credentials is absent). */
  readonly realConfig: TelephonyConfig;
  /** Set once the in-process emulator listens; null when EMULATOR_ENABLED=false. */
  emulatorConfig(): TelephonyConfig | null;
  /** The adapter that places and controls calls; null when that side is not configured. */
  adapter(name: ProviderName, test: boolean): TelephonyProvider | null;
  /** Adapters whose keys may have signed a request to our routes: the real one, then the emulator's. */
  verifiers(name: ProviderName): Verifier[];
  /** Public URL of one of our provider routes, ready to hand to that provider. */
  routeUrl(adapter: TelephonyProvider, path: string, query?: Record<string, string>): string;
  /** Exotel: the App Bazaar flow real calls run (EXOTEL_FLOW_URL). */
  readonly exotelFlowUrl: string | undefined;
  useEmulator(baseUrl: string): void;
};

export type RuntimeOptions = {
  settings: TelephonySettings;
  secrets: TelephonySecrets;
  publicBaseUrl: string;
  apiPrefix: string;
};

export function realTelephonyConfig(settings: TelephonySettings, exotelUrlSecret: string): TelephonyConfig {
  const { twilio, plivo, exotel } = settings;
  return {
    ...(twilio.accountSid && twilio.authToken
      ? { twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.apiBaseUrl } }
      : {}),
    ...(plivo.authId && plivo.authToken ? { plivo: { authId: plivo.authId, authToken: plivo.authToken, apiBaseUrl: plivo.apiBaseUrl } } : {}),
    ...(exotel.apiKey && exotel.apiToken && exotel.sid
      ? { exotel: { apiKey: exotel.apiKey, apiToken: exotel.apiToken, sid: exotel.sid, apiBaseUrl: exotel.apiBaseUrl, urlSecret: exotelUrlSecret } }
      : {}),
  };
}

export function createTelephonyRuntime(options: RuntimeOptions): TelephonyRuntime {
  const realConfig = realTelephonyConfig(options.settings, options.secrets.exotelUrlSecret);
  // Until the emulator listens its adapters can still verify signatures; only the token matters.
  let emulatorConfig: TelephonyConfig | null = options.settings.emulatorEnabled
    ? emulatorTelephonyConfig('http://127.0.0.1:0', options.secrets.emulatorAuthToken, options.secrets.exotelUrlSecret)
    : null;
  let emulatorListening = false;
  const routingOnly: TelephonyConfig = {
    twilio: { accountSid: '-', authToken: '' },
    plivo: { authId: '-', authToken: '' },
    exotel: { apiKey: '-', apiToken: '', sid: '-', urlSecret: options.secrets.exotelUrlSecret },
  };
  const cache = new Map<string, TelephonyProvider>();

  const build = (name: ProviderName, config: TelephonyConfig | null, key: string): TelephonyProvider | null => {
    if (config === null || config[name] === undefined) return null;
    const cacheKey = `${key}:${name}`;
    let adapter = cache.get(cacheKey);
    if (!adapter) {
      adapter = createProvider(name, config);
      cache.set(cacheKey, adapter);
    }
    return adapter;
  };

  return {
    publicBaseUrl: options.publicBaseUrl,
    apiPrefix: options.apiPrefix,
    secrets: options.secrets,
    realConfig,
    exotelFlowUrl: options.settings.exotel.flowUrl,
    emulatorConfig: () => (emulatorListening ? emulatorConfig : null),
    adapter(name, test) {
      return test ? (emulatorListening ? build(name, emulatorConfig, 'emulator') : null) : build(name, realConfig, 'real');
    },
    verifiers(name) {
      const real = build(name, realConfig, 'real');
      const emulated = build(name, emulatorConfig, 'emulator');
      const found = [...(real ? [{ adapter: real, test: false }] : []), ...(emulated ? [{ adapter: emulated, test: true }] : [])];
      // Exotel's flows call us with no API credentials involved: its URL secret suffices. The
      // others cannot verify anything without their auth token, and so refuse everything.
      return found.length > 0 ? found : [{ adapter: build(name, routingOnly, 'routing')!, test: false }];
    },
    routeUrl(adapter, path, query = {}) {
      const search = new URLSearchParams(query).toString();
      const url = `${options.publicBaseUrl}${options.apiPrefix}/${adapter.name}${path}${search ? `?${search}` : ''}`;
      return adapter.prepareCallbackUrl(url);
    },
    useEmulator(baseUrl) {
      emulatorConfig = emulatorTelephonyConfig(baseUrl, options.secrets.emulatorAuthToken, options.secrets.exotelUrlSecret);
      emulatorListening = true;
      for (const key of [...cache.keys()]) if (key.startsWith('emulator:')) cache.delete(key);
    },
  };
}

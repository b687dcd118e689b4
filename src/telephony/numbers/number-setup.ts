/**
 * Registering a number (POST /numbers) points the provider at Buddy, where its API allows:
 *
 *   Twilio  the number's VoiceUrl → /twilio/answer and StatusCallback → /twilio/callback/status
 *           (IncomingPhoneNumbers; the number must be in the account)
 *   Plivo   an Application (answer_url → /plivo/answer, hangup_url → /plivo/callback/status)
 *           linked to the number
 *   Exotel  no such API: the response lists the URLs to paste into the flow's applets
 *
 * Without credentials for the provider, the emulator's number is configured instead (so
 * emulated inbound calls reach Buddy) and the response says so. A number the account does not
 * have is a 422 on phone_number (its calls would fail too). Any other provider failure (down,
 * refusing, timing out) does not block the registration: the number is saved with
 * `provider_configured: false` and the error in `detail`, since outbound calls from it work
 * and its URLs can be set by hand from `provider_urls`.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { now } from '../../core/ids.ts';
import { fieldError } from '../../api/errors.ts';
import { ProviderApiError } from '../errors.ts';
import type { ProviderName, TelephonyProvider } from '../provider.ts';
import type { TelephonyRuntime } from '../runtime.ts';
import type { TelephonyConfig } from '../index.ts';
import { configurePlivoNumber, configureTwilioNumber, NumberNotInAccount } from './provider-numbers.ts';

export type NumberSetup = {
  /** Whether the provider now sends this number's calls to Buddy. */
  provider_configured: boolean;
  /** Where it was configured: the provider, the emulator, or nowhere (Exotel). */
  configured_on: 'provider' | 'emulator' | null;
  /** Twilio IncomingPhoneNumber sid / Plivo application id. */
  provider_ref: string | null;
  detail: string;
  /** The URLs this number's calls use (for Exotel, to paste into its applets). */
  provider_urls: Record<string, string>;
};

export type NumberSetupService = {
  configure(provider: ProviderName, phoneNumber: string): Promise<NumberSetup>;
  save(numberId: string, provider: ProviderName, setup: NumberSetup): Promise<void>;
};

export function createNumberSetup(runtime: TelephonyRuntime, db: Kysely<Database>): NumberSetupService {
  return {
    async configure(provider, phoneNumber) {
      const real = runtime.adapter(provider, false);
      const target = real ?? runtime.adapter(provider, true);
      const adapter = target ?? runtime.verifiers(provider)[0]?.adapter;
      const urls = adapter ? urlsFor(runtime, adapter) : {};
      if (provider === 'exotel') {
        return { provider_configured: false, configured_on: null, provider_ref: null, provider_urls: urls, detail: EXOTEL_DETAIL };
      }
      const config = real ? runtime.realConfig : runtime.emulatorConfig();
      if (!target || !config) {
        const detail = `no ${provider} credentials on this deployment: set the number's answer and status URLs at ${provider} by hand`;
        return { provider_configured: false, configured_on: null, provider_ref: null, provider_urls: urls, detail };
      }
      let ref: string;
      try {
        ref = await apply(provider, config, phoneNumber, urls);
      } catch (err) {
        if (!(err instanceof ProviderApiError)) throw err;
        const detail = `could not configure the number at ${provider}: ${err.message}; set its URLs by hand`;
        return { provider_configured: false, configured_on: null, provider_ref: null, provider_urls: urls, detail };
      }
      const where = real ? 'provider' : 'emulator';
      const detail = real ? `${provider} sends this number's calls to Buddy` : `no ${provider} credentials: configured on the provider emulator`;
      return { provider_configured: true, configured_on: where, provider_ref: ref, provider_urls: urls, detail };
    },
    async save(numberId, provider, setup) {
      const row = {
        number_id: numberId,
        provider,
        configured: setup.provider_configured ? 1 : 0,
        provider_ref: setup.provider_ref,
        detail: setup.detail,
        updated_at: now(),
      };
      await db
        .insertInto('number_provider_setup')
        .values(row)
        .onConflict((oc) => oc.column('number_id').doUpdateSet(row))
        .execute();
    },
  };
}

const EXOTEL_DETAIL =
  'Exotel has no API for this: build the flow in App Bazaar with these URLs (README, "Exotel flow"); they carry the deployment secret';

function urlsFor(runtime: TelephonyRuntime, adapter: TelephonyProvider): Record<string, string> {
  const url = (path: string) => runtime.routeUrl(adapter, path);
  if (adapter.capabilities.answerUrl !== 'document') {
    return {
      answer_passthru_url: url('/answer'),
      gather_applet_url: url('/prompt'),
      gather_passthru_url: url('/gather'),
      greeting_applet_url: url('/prompt'),
      status_callback_url: url('/callback/status'),
    };
  }
  return { answer_url: url('/answer'), status_callback_url: url('/callback/status') };
}

async function apply(provider: ProviderName, config: TelephonyConfig, phoneNumber: string, urls: Record<string, string>): Promise<string> {
  const answerUrl = urls.answer_url!;
  const statusUrl = urls.status_callback_url!;
  try {
    if (provider === 'twilio') return await configureTwilioNumber(config.twilio!, phoneNumber, answerUrl, statusUrl);
    return await configurePlivoNumber(config.plivo!, phoneNumber, answerUrl, statusUrl);
  } catch (err) {
    if (err instanceof NumberNotInAccount) throw fieldError(['body', 'phone_number'], err.message, 'not_in_account');
    throw err;
  }
}

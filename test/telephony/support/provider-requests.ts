// Provider requests to Buddy's routes, signed exactly as each provider signs them, for the
// PUBLIC URL (PUBLIC_BASE_URL + prefix + path + query) — replayed through app.inject.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { addExotelUrlSecret, signPlivoV3Request, signTwilioRequest } from '../../../src/telephony/index.ts';
import type { ProviderName } from '../../../src/telephony/provider.ts';
import { PREFIX, startTestService, type TestDialect, type TestService } from '../../support/service.ts';
import { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_SID, EXOTEL_URL_SECRET } from '../fixtures/exotel.ts';
import { FORM_CONTENT_TYPE } from '../fixtures/form.ts';
import { PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN } from '../fixtures/plivo.ts';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../fixtures/twilio.ts';

/** The public address providers are told to call; requests arrive with another Host (a proxy). */
export const PUBLIC_BASE_URL = 'https://buddy.example.com';

/** A service with the fixtures' credentials as its real provider accounts. */
export function startProviderService(dialect: TestDialect, env: Record<string, string> = {}): Promise<TestService> {
  return startTestService(dialect, {
    PUBLIC_BASE_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    PLIVO_AUTH_ID,
    PLIVO_AUTH_TOKEN,
    EXOTEL_API_KEY,
    EXOTEL_API_TOKEN,
    EXOTEL_SID,
    EXOTEL_URL_SECRET,
    // Nothing in these tests may reach a real provider.
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    PLIVO_API_BASE_URL: 'http://127.0.0.1:9',
    EXOTEL_API_BASE_URL: 'http://127.0.0.1:9',
    ...env,
  });
}

export type ProviderCall = {
  /** Path below /{provider}, e.g. /callback/status. */
  path: string;
  query?: Record<string, string>;
  /** Form fields (Twilio, Plivo, Exotel forms), JSON (Exotel status) or nothing (GET applets). */
  form?: Record<string, string>;
  json?: unknown;
  method?: 'GET' | 'POST';
  /** Sign with this token instead of the account's (forgery). */
  token?: string;
  /** Leave the signature out. */
  unsigned?: boolean;
  /** Sign a different URL than the one requested (e.g. the Host header's). */
  signedUrl?: string;
  /** Send this raw body instead of encoding `form` / `json`. */
  rawBody?: string;
};

export function publicUrl(provider: ProviderName, path: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  const url = `${PUBLIC_BASE_URL}${PREFIX}/${provider}${path}${search ? `?${search}` : ''}`;
  return provider === 'exotel' ? addExotelUrlSecret(url, EXOTEL_URL_SECRET) : url;
}

export function providerRequest(t: TestService, provider: ProviderName, call: ProviderCall): Promise<LightMyRequestResponse> {
  const method = call.method ?? (call.form || call.json || call.rawBody ? 'POST' : 'GET');
  const url = publicUrl(provider, call.path, call.query);
  const signed = call.signedUrl ?? url;
  const headers: Record<string, string> = { host: 'internal-pod:8080' };
  let payload: string | undefined;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = call.rawBody ?? JSON.stringify(call.json);
  } else if (call.form !== undefined || call.rawBody !== undefined) {
    headers['content-type'] = FORM_CONTENT_TYPE;
    payload = call.rawBody ?? new URLSearchParams(call.form).toString();
  }
  if (!call.unsigned && provider === 'twilio') {
    headers['x-twilio-signature'] = signTwilioRequest(signed, method === 'GET' ? {} : (call.form ?? {}), call.token ?? TWILIO_AUTH_TOKEN);
  }
  if (!call.unsigned && provider === 'plivo') {
    const nonce = '12345678901234567890';
    headers['x-plivo-signature-v3'] = signPlivoV3Request(signed, nonce, method === 'GET' ? {} : (payload ?? ''), call.token ?? PLIVO_AUTH_TOKEN, method);
    headers['x-plivo-signature-v3-nonce'] = nonce;
  }
  // Exotel: the secret is in the URL; `unsigned` drops it.
  let target = provider === 'exotel' && call.unsigned ? url.replace(/[?&]bb_secret=[^&]*/, '') : url;
  if (provider === 'exotel' && call.token) target = target.replace(/bb_secret=[^&]*/, `bb_secret=${encodeURIComponent(call.token)}`);
  const options: InjectOptions = { method, url: target.slice(PUBLIC_BASE_URL.length), headers, ...(payload === undefined ? {} : { payload }) };
  return t.service.app.inject(options);
}
